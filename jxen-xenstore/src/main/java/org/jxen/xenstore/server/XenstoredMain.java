package org.jxen.xenstore.server;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
            "XenStore daemon on Xen's Unix socket, for Xen's tools (xenstore-read, xenstore-ls, ...) and libxenstore.",
            "It keeps the store with its watches, transactions, permissions and quotas in memory.",
            "Without -F it goes to the background, logging to $JXEN_LOG_DIR/xenstored.log, and returns once it listens.",
            "SIGTERM or SIGINT stops it; it then removes its socket and pid file while they are still its own."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:started in the background (without -F)",
            "1:could not start; one line on stderr says why",
            "143:with -F, stopped by SIGTERM (130: by SIGINT)"},
        footerHeading = "%nEnvironment:%n",
        footer = {
            "  XENSTORED_PATH    socket path (as Xen's client library reads it)",
            "  XENSTORED_RUNDIR  directory of the socket, when XENSTORED_PATH is not set",
            "  JXEN_LOG_DIR      directory of xenstored.log in the background (/var/log/xen)"})
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
                    + "permissions (5), outstanding (20). Repeatable. Dom0 and socket clients are not limited.")
    Map<String, Integer> quotas = new LinkedHashMap<>();

    @Option(names = {"-v", "--verbose"}, description = "Log every failed request, and stack traces.")
    boolean verbose;

    public static void main(String[] args) {
        // Messages read "jxen-xenstored: warning: ..." (see the jxen launchers' System.Logger).
        System.setProperty("jxen.log.prefix", "jxen-xenstored");
        for (String a : args) {
            if (a.equals("-v") || a.equals("--verbose")) {
                System.setProperty("jxen.log.verbose", "true");
            }
        }
        CommandLine cl = new CommandLine(new XenstoredMain());
        cl.setExitCodeExceptionMapper(e -> 1);
        cl.setParameterExceptionHandler((ex, a) -> {
            // picocli says "Value for option option '--quota'" for a map entry without '='.
            System.err.println("jxen-xenstored: " + ex.getMessage().replace("option option", "option"));
            System.err.println("Try 'jxen-xenstored --help' for more information.");
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Quota quota = Quota.XEN_DEFAULTS;
        for (var e : quotas.entrySet()) {
            String arg = "--quota " + e.getKey() + "=" + e.getValue();
            if (!quota.asMap().containsKey(e.getKey())) {
                System.err.println("jxen-xenstored: " + arg + ": unknown quota " + e.getKey() + " (expected: one of "
                        + String.join(", ", quota.asMap().keySet()) + ")");
                return 1;
            }
            if (e.getValue() < 1) {
                System.err.println("jxen-xenstored: " + arg + ": the value must be at least 1");
                return 1;
            }
            quota = quota.with(e.getKey(), e.getValue());
        }
        Path path = socket != null ? socket : SocketServer.defaultPath();
        XenstoreServer server = new XenstoreServer(quota);
        SocketServer listener;
        try {
            listener = SocketServer.start(server, path);
        } catch (IOException e) {
            System.err.println("jxen-xenstored: " + describe("cannot listen on " + path, path, e));
            return 1;
        }
        String pidLine = ProcessHandle.current().pid() + "\n";
        if (pidFile != null) {
            try {
                Files.writeString(pidFile, pidLine);
            } catch (IOException e) {
                System.err.println("jxen-xenstored: " + describe("cannot write the pid file " + pidFile, pidFile, e));
                listener.close();
                return 1;
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                listener.close();
                // Another daemon started with the same pid file after this one has written
                // its own pid there: the file is that daemon's now, and stays.
                if (pidFile != null && pidLine.equals(Files.readString(pidFile))) {
                    Files.delete(pidFile);
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

    /**
     * One line for a failed step: {@code what} and the reason, without repeating a path the
     * exception's message already is (NIO's file exceptions carry only the path).
     */
    static String describe(String what, Path path, IOException e) {
        String reason = switch (e) {
            case AccessDeniedException a -> "permission denied on " + a.getFile();
            case FileAlreadyExistsException x -> x.getFile() + " exists and is not a directory";
            case NoSuchFileException n when n.getFile() != null && n.getFile().equals(path.toString())
                    && path.toAbsolutePath().getParent() != null ->
                    "the directory " + path.toAbsolutePath().getParent() + " does not exist";
            case NoSuchFileException n -> "cannot create " + n.getFile();
            case FileSystemException f when f.getReason() != null -> f.getReason()
                    + (f.getFile() != null && !f.getFile().equals(path.toString()) ? " (" + f.getFile() + ")" : "");
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        // "another xenstored is already listening on PATH" names the path itself.
        return reason.contains(path.toString()) && !(e instanceof FileSystemException) ? reason : what + ": " + reason;
    }
}
