package org.jxen.xenstore.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.jxen.xenstore.store.Quota;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jxen-xenstored}: XenStore on its own, on Xen's socket. The Java process always runs in
 * the foreground; {@code bin/jxen-xenstored} puts it in the background unless {@code -F} is
 * given, as Xen's xenstored does, and returns once the socket accepts connections.
 */
@Command(name = "jxen-xenstored", mixinStandardHelpOptions = true, version = "jxen-xenstored 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "XenStore daemon: the store, its watches, transactions, permissions and quotas, on a Unix socket",
            "that Xen's tools (xenstore-read, xenstore-ls, ...) and libxenstore use unchanged."},
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  XENSTORED_PATH    socket path (as Xen's client library reads it)",
            "  XENSTORED_RUNDIR  directory of the socket, when XENSTORED_PATH is not set"})
public final class XenstoredMain implements Callable<Integer> {
    @Option(names = {"-F", "--foreground"}, description = "Stay in the foreground (the launcher backgrounds otherwise).")
    boolean foreground;

    @Option(names = {"-P", "--pid-file"}, paramLabel = "FILE", description = "Write the daemon's process id to FILE.")
    Path pidFile;

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH",
            description = "Listen on PATH (default: XENSTORED_PATH, $XENSTORED_RUNDIR/socket, or /run/xenstored/socket).")
    Path socket;

    @Option(names = {"-q", "--quota"}, paramLabel = "NAME=VALUE",
            description = "Set a per-domain quota: nodes (1000), watches (128), transactions (10), node-size (2048), "
                    + "permissions (5), outstanding (20). Repeatable.")
    Map<String, Integer> quotas = new LinkedHashMap<>();

    @Option(names = {"-v", "--verbose"}, description = "Log every failed request.")
    boolean verbose;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new XenstoredMain());
        cl.setExitCodeExceptionMapper(e -> 1);
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("jxen-xenstored: " + ex.getMessage());
            System.err.println("Try 'jxen-xenstored --help' for more information.");
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Quota quota = Quota.XEN_DEFAULTS;
        for (var e : quotas.entrySet()) {
            Quota q = e.getValue() < 1 ? null : quota.with(e.getKey(), e.getValue());
            if (q == null) {
                System.err.println("jxen-xenstored: --quota " + e.getKey() + "=" + e.getValue()
                        + " (expected: one of " + quota.asMap().keySet() + " and a positive number)");
                return 1;
            }
            quota = q;
        }
        Path path = socket != null ? socket : SocketServer.defaultPath();
        XenstoreServer server = new XenstoreServer(quota);
        SocketServer listener;
        try {
            listener = SocketServer.start(server, path);
        } catch (IOException e) {
            System.err.println("jxen-xenstored: cannot listen on " + path + ": " + e.getMessage());
            return 1;
        }
        if (pidFile != null) {
            try {
                Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
            } catch (IOException e) {
                System.err.println("jxen-xenstored: cannot write pid file " + pidFile + ": " + e.getMessage());
                listener.close();
                return 1;
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                listener.close();
                if (pidFile != null) {
                    Files.deleteIfExists(pidFile);
                }
            } catch (IOException e) {
                // Exiting anyway.
            }
            stop.countDown();
        }, "xenstored-stop"));
        System.err.println("jxen-xenstored: listening on " + path);
        stop.await();
        return 0;
    }
}
