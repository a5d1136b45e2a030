package org.jxen.cli.run;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jxen.kvm.Kvm;
import org.jxen.sys.Errno;
import org.jxen.sys.SysException;
import org.jxen.vmm.machine.HostFacts;
import org.jxen.vmm.machine.Machine;
import org.jxen.vmm.machine.MachineException;
import org.jxen.vmm.machine.MachineSpec;
import org.jxen.vmm.machine.Outcome;
import org.jxen.vmm.vcpu.ShutdownReason;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jxen-run}: boots one VM in the foreground and exits with a status that says how it ended. */
@Command(name = "jxen-run", mixinStandardHelpOptions = true, version = "jxen-run 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        header = "Boot one VM in the foreground, with its console on this terminal.",
        // One element per paragraph, and an empty one between paragraphs: picocli breaks each
        // at the terminal's width (80 columns when not on a terminal), and the man page's
        // AsciiDoc needs the empty line to keep paragraphs apart.
        description = {
            "The VM's serial console (COM1) is on this terminal, and no daemon is involved. The kernel is an ELF "
                    + "with a Xen PVH note, a Multiboot kernel or a Linux bzImage.",
            "",
            "On a terminal, the console is in raw mode: Ctrl-C goes to the guest, and Ctrl-] leaves the console "
                    + "and destroys the VM.",
            "",
            "SIGTERM presses the guest's ACPI power button (a clean shutdown); a second SIGTERM, or a guest "
                    + "that does not listen to the button, destroys the VM.",
            "",
            "SIGINT (kill -INT, or Ctrl-C when the input is not a terminal) destroys the VM at once."},
        descriptionHeading = "%n",
        optionListHeading = "%nOptions%n",
        exitCodeListHeading = "%nExit status%n",
        modelTransformer = ExitStatus.InHelp.class)
public final class JxenRun implements Callable<Integer> {
    @Option(names = "--kernel", paramLabel = "FILE", description = "Kernel to boot: PVH ELF, Multiboot or bzImage.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk (a module for PVH and Multiboot kernels).")
    Path initrd;

    @Option(names = "--cmdline", paramLabel = "TEXT", defaultValue = "", description = "Kernel command line.")
    String cmdline;

    @Option(names = "--memory", paramLabel = "MiB", defaultValue = "256", description = "Guest RAM in MiB (default: ${DEFAULT-VALUE}).")
    long memory;

    @Option(names = "--vcpus", paramLabel = "N", defaultValue = "1", description = "Number of vCPUs (default: ${DEFAULT-VALUE}).")
    int vcpus;

    @Option(names = "--on-reboot", paramLabel = "ACTION", defaultValue = "restart",
            description = "What a guest reboot does: restart or destroy (default: ${DEFAULT-VALUE}).")
    OnReboot onReboot;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Destroy the VM after this many seconds (exit status 4).")
    Double timeout;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "jxen-run", description = "Name of the VM (for logs and threads).")
    String name;

    @Option(names = "--host-info", description = "Print what this host's KVM is (xl info style) and exit.")
    boolean hostInfo;

    @Option(names = {"-v", "--verbose"}, description = "Log more, and print stack traces with errors.")
    boolean verbose;

    enum OnReboot { restart, destroy }

    private static final String SIGINT = "SIGINT";

    /** Started before the command line is parsed; see {@link Prewarm}. */
    private static Prewarm prewarm;

    public static void main(String[] args) {
        configureLogging(java.util.Arrays.asList(args).contains("-v") || java.util.Arrays.asList(args).contains("--verbose"));
        prewarm = Prewarm.start(kvmDevice());
        CheckedOutput stdout = new CheckedOutput(new FileOutputStream(FileDescriptor.out));
        System.setOut(new PrintStream(stdout, true, System.out.charset()));
        CommandLine cl = new CommandLine(new JxenRun());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExitCodeExceptionMapper(e -> ExitStatus.ERROR.code());
        cl.setExecutionExceptionHandler((ex, c, r) -> {
            System.err.println("jxen-run: internal error: " + Printable.escape(ex.toString()));
            if (((JxenRun) c.getCommand()).verbose) {
                ex.printStackTrace();
            }
            return ExitStatus.ERROR.code();
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("jxen-run: " + Printable.escape(ex.getMessage()));
            System.err.println("Try 'jxen-run --help' for more information.");
            return ExitStatus.ERROR.code();
        });
        int status = cl.execute(args);
        cl.getOut().flush();
        System.out.flush();
        if (stdout.error() != null) {
            // As xl's flush_stream: output that did not arrive is a failure, whatever ran before.
            System.err.println("jxen-run: cannot write to standard output: " + Printable.escape(String.valueOf(
                    stdout.error().getMessage())));
            status = ExitStatus.ERROR.code();
        }
        System.exit(status);
    }

    static void configureLogging(boolean verbose) {
        StderrLoggerFinder.configure("jxen-run", verbose);
    }

    @Override
    public Integer call() throws Exception {
        Prewarm warm = prewarm != null ? prewarm : Prewarm.start(kvmDevice());
        HostFacts host = warm.host();
        if (hostInfo) {
            host.asXlInfo().forEach((k, v) -> System.out.printf("%-22s: %s%n", k, v));
            return 0;
        }
        try {
            Preflight.timeout(timeout);
            Preflight.name(name);
            Preflight.kernel(kernel);
            Preflight.initrd(initrd);
        } catch (UsageException e) {
            return fail(e.getMessage(), null);
        }
        Kvm kvm;
        try {
            kvm = warm.kvm();
        } catch (SysException e) {
            return fail(kvmOpenMessage(e), e);
        }
        MachineSpec spec = new MachineSpec(name, memory, vcpus, kernel, initrd, cmdline);
        long deadline = deadline(System.nanoTime(), timeout);
        boolean interactive = Console.stdinIsTerminal();
        AtomicReference<Machine> current = new AtomicReference<>();
        handleTerm(current);
        AtomicBoolean interrupted = handleInt(current);
        try (kvm; Console console = new Console(interactive)) {
            boolean consoleStarted = false;
            while (true) {
                Machine m;
                try {
                    m = Machine.create(kvm, host, spec, console.sink());
                } catch (MachineException e) {
                    return fail(e.getMessage(), e);
                }
                try (m) {
                    current.set(m);
                    if (interrupted.get()) {
                        // SIGINT came while this machine was being built (after a reboot).
                        m.destroy(SIGINT);
                    }
                    console.attach(m.console());
                    if (!consoleStarted) {
                        console.start();
                        consoleStarted = true;
                    }
                    m.start();
                    Outcome o = await(m, console.detached(), deadline);
                    if (o == null) {
                        m.destroy("timeout");
                        console.message("jxen-run: timeout after " + Printable.seconds(timeout) + " s; domain '" + name + "' destroyed");
                        return ExitStatus.TIMEOUT.code();
                    }
                    if (o.reason() == ShutdownReason.DESTROYED) {
                        console.message("jxen-run: domain '" + name + "' destroyed: " + o.detail());
                        return (interrupted.get() ? ExitStatus.INTERRUPTED : ExitStatus.DETACHED).code();
                    }
                    if (o.reason() == ShutdownReason.REBOOT && onReboot == OnReboot.restart) {
                        console.message("jxen-run: domain '" + name + "' rebooting (" + o.detail() + ")");
                        continue;
                    }
                    console.message("jxen-run: domain '" + name + "' shut down: " + o.reason().xenName() + " (" + o.detail() + ")");
                    return ExitStatus.of(o.reason()).code();
                }
            }
        }
    }

    /** Waits for the machine to end, the user to leave, or the deadline; null on deadline. */
    private static Outcome await(Machine m, CompletableFuture<Void> detached, long deadline) throws Exception {
        CompletableFuture<Object> any = CompletableFuture.anyOf(m.outcome(), detached);
        long left = deadline - System.nanoTime();
        try {
            if (deadline == Long.MAX_VALUE) {
                any.get();
            } else {
                any.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        }
        if (!m.outcome().isDone()) {
            m.destroy("the console was left with Ctrl-]");
        }
        return m.outcome().get();
    }

    /**
     * SIGTERM asks the guest to shut down as {@code xl shutdown} does for an HVM guest: by the
     * ACPI power button. A guest that does not listen, or a second SIGTERM, gets destroyed.
     */
    private static void handleTerm(AtomicReference<Machine> current) {
        AtomicInteger count = new AtomicInteger();
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
            Machine m = current.get();
            if (m == null) {
                System.exit(ExitStatus.DETACHED.code());
            }
            if (count.incrementAndGet() == 1 && m.powerButtonEnabled()) {
                System.err.println("jxen-run: SIGTERM: pressed the power button; send SIGTERM again to destroy the domain");
                m.pressPowerButton();
            } else {
                m.destroy(count.get() == 1 ? "SIGTERM, and the guest does not listen to the power button" : "second SIGTERM");
            }
        });
    }

    /**
     * SIGINT (kill -INT, or Ctrl-C when stdin is not a terminal: on one, raw mode sends Ctrl-C
     * to the guest as a byte) destroys the VM at once, and jxen-run exits with 130, as a shell
     * reports a command that SIGINT ended. Before the first machine exists, and while JVM
     * start-up has not reached this handler, the JVM's own SIGINT handling exits with 130 too.
     * The handler runs on the JVM's signal thread; the main thread reads the returned flag.
     */
    private static AtomicBoolean handleInt(AtomicReference<Machine> current) {
        AtomicBoolean interrupted = new AtomicBoolean();
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
            interrupted.set(true);
            Machine m = current.get();
            if (m == null) {
                System.exit(ExitStatus.INTERRUPTED.code());
            }
            m.destroy(SIGINT);
        });
        return interrupted;
    }

    static String kvmDevice() {
        String dev = System.getenv("JXEN_KVM_DEVICE");
        return dev == null || dev.isEmpty() ? Kvm.DEFAULT_DEVICE : dev;
    }

    static String kvmOpenMessage(SysException e) {
        String dev = kvmDevice();
        return switch (e.errno()) {
            case Errno.ENOENT -> dev + " does not exist: this host has no KVM (load kvm_intel or kvm_amd, or enable "
                    + "virtualization in the firmware)";
            case Errno.EACCES, Errno.EPERM -> "no permission to open " + dev + " (run as root or join the group that owns it, usually kvm)";
            case Errno.ENODEV, Errno.ENXIO -> dev + " has no KVM driver behind it";
            default -> "cannot open " + dev + ": " + e.getMessage();
        };
    }

    private int fail(String message, Throwable cause) {
        System.err.println("jxen-run: " + Printable.escape(message));
        if (verbose && cause != null) {
            cause.printStackTrace();
        }
        return ExitStatus.ERROR.code();
    }

    /**
     * The System.nanoTime() at which {@code timeout} seconds from {@code now} run out, or
     * Long.MAX_VALUE (never) for no timeout and for one too long for the clock's range (1e12 s
     * must not wrap around into the past).
     */
    static long deadline(long now, Double timeout) {
        if (timeout == null) {
            return Long.MAX_VALUE;
        }
        double ns = timeout * 1e9;
        long n = ns >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) ns;
        long d = now + n;
        return d < now ? Long.MAX_VALUE : d;
    }
}
