package org.jxen.cli.jxend;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.jxen.cli.run.StderrLoggerFinder;
import org.jxen.cli.xl.Xl;
import org.jxen.toolstack.daemon.Jxend;
import org.jxen.toolstack.daemon.JxendPaths;
import org.jxen.toolstack.daemon.LauncherServer;
import org.jxen.toolstack.domain.DomainManager;
import org.jxen.vmm.machine.HostFacts;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jxend}'s main: wires the xl command table (this module) into the daemon (module
 * jxen-toolstack, which knows only {@link org.jxen.toolstack.daemon.CommandRunner}), so no
 * dependency points up the layers. Runs in the foreground; {@code bin/jxend} puts it in the
 * background unless {@code -F} is given.
 */
@Command(name = "jxend", mixinStandardHelpOptions = true, version = "jxend " + JxendMain.VERSION,
        sortOptions = false, usageHelpAutoWidth = true,
        header = "The jxen daemon: every domain of this host, XenStore, consoles and the control API.",
        description = {
            "One jxend runs per host. It serves XenStore on Xen's socket, runs the xl commands that the xl "
                    + "launcher hands it, and answers the control API (docs/API.md) on $JXEN_RUNDIR/jxend.sock.",
            "",
            "Without -F it goes to the background and returns once it serves; its log is then jxend.log in "
                    + "$JXEN_LOGDIR. SIGTERM destroys every domain and removes the sockets and the pid file.",
            ""},
        descriptionHeading = "%n",
        optionListHeading = "%nOptions%n",
        footerHeading = "%nEnvironment%n",
        footer = {
            "  JXEN_RUNDIR     sockets and pid file (/run/jxen)",
            "  JXEN_STATEDIR   domain records and core dumps (/var/lib/jxen)",
            "  JXEN_LOGDIR     logs: jxend.log, xl-NAME.log, console/guest-NAME.log (/var/log/xen)",
            "  XENSTORED_PATH  XenStore socket (/run/xenstored/socket)",
            "  JXEN_KVM_DEVICE the KVM device (/dev/kvm)"},
        exitCodeListHeading = "%nExit status%n",
        exitCodeList = {"0:stopped by SIGTERM", "1:could not start (the message says why)"})
public final class JxendMain implements Callable<Integer> {
    static final String VERSION = "0.1.0";

    @Option(names = {"-F", "--foreground"}, description = "Stay in the foreground (bin/jxend backgrounds otherwise).")
    boolean foreground;

    @Option(names = {"-v", "--verbose"}, description = "Log more, with stack traces.")
    boolean verbose;

    public static void main(String[] args) {
        boolean v = java.util.Arrays.asList(args).contains("-v") || java.util.Arrays.asList(args).contains("--verbose");
        StderrLoggerFinder.configure("jxend", v);
        CommandLine cl = new CommandLine(new JxendMain());
        cl.setExitCodeExceptionMapper(e -> 1);
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("jxend: " + ex.getMessage());
            System.err.println("Try 'jxend --help' for more information.");
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        JxendPaths paths = JxendPaths.fromEnvironment(System.getenv());
        String device = System.getenv().getOrDefault("JXEN_KVM_DEVICE", "/dev/kvm");
        HostFacts host = HostFacts.probe(Path.of(device.isEmpty() ? "/dev/kvm" : device));
        Jxend jxend;
        try {
            jxend = Jxend.start(paths, VERSION, new Jxend.Parts() {
                @Override
                public org.jxen.toolstack.domain.Domains domains(org.jxen.xenstore.server.XenstoreServer xs, JxendPaths p)
                        throws java.io.IOException {
                    DomainManager m = DomainManager.start(xs, p.stateDir(), p.logDir(), host);
                    // bootloader = "pygrub": the provisioning layer's reader, handed down (ARCHITECTURE.md).
                    m.useBootloader(new org.jxen.provision.bootloader.PygrubBootloader());
                    return m;
                }

                @Override
                public AutoCloseable launcher(Path socket, org.jxen.toolstack.domain.Domains domains,
                        java.util.Optional<String> group) throws java.io.IOException {
                    return LauncherServer.start(socket, new Xl(domains), org.jxen.toolstack.daemon.AccessPolicy.forThisProcess(group));
                }
            });
        } catch (Jxend.StartException e) {
            System.err.println("jxend: " + e.getMessage());
            if (verbose) {
                e.printStackTrace();
            }
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            jxend.close();
            stop.countDown();
        }, "jxend-stop"));
        System.err.println("jxend: host " + host.kvmDescription());
        System.err.println("jxend: listening on " + paths.apiSocket() + " (xl: " + paths.launcherSocket() + ", XenStore: "
                + paths.xenstoreSocket() + ")");
        stop.await();
        return 0;
    }
}
