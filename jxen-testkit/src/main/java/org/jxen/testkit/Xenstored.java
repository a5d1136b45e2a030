package org.jxen.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/jxen-xenstored -F} as a test's child process: started on a socket of the test's own
 * (never the host's {@code /run/xenstored/socket}), ready once it prints its "listening on" line,
 * stopped with SIGTERM by {@link #close()}. Its stdout and stderr are captured together for
 * failure messages. Clients reach it with {@link #clientEnv()} ({@code XENSTORED_PATH}, which
 * Xen's client library and so every xenstore-* tool honours).
 *
 * <p>The daemon's environment has no {@code XENSTORED_PATH} or {@code XENSTORED_RUNDIR} from
 * the test JVM's own; pass them in {@code env} to test how it chooses its socket.
 */
public final class Xenstored implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("(?m)^jxen-xenstored: listening on (.+)$");

    private final Process process;
    private final List<String> command;
    private final StringBuilder output = new StringBuilder();
    private final Thread pump;
    private final Path pidFile;
    private final Object stopLock = new Object();
    private Path socket;
    private Integer exitStatus;

    private Xenstored(List<String> command, Process process, Path pidFile) {
        this.command = command;
        this.process = process;
        this.pidFile = pidFile;
        this.pump = Thread.ofPlatform().daemon(true).name("xenstored-output").start(() -> pump(process.getInputStream()));
    }

    /**
     * Starts a daemon listening on {@code dir/socket}, with its pid file at
     * {@code dir/xenstored.pid}, and waits until it listens.
     */
    public static Xenstored start(Path dir, String... extraArgs) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--socket", dir.resolve("socket").toString(),
                "--pid-file", dir.resolve("xenstored.pid").toString()));
        args.addAll(List.of(extraArgs));
        return start(args, Map.of(), dir.resolve("xenstored.pid"));
    }

    /**
     * Starts {@code bin/jxen-xenstored -F args...} with {@code env} added to its environment
     * and waits until it listens; {@code pidFile} is where {@code args} asks for it, or null.
     */
    public static Xenstored start(List<String> args, Map<String, String> env, Path pidFile)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Checkout.bin("jxen-xenstored").toString());
        cmd.add("-F");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Checkout.root().toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().remove("XENSTORED_PATH");
        pb.environment().remove("XENSTORED_RUNDIR");
        pb.environment().putAll(env);
        Xenstored d = new Xenstored(List.copyOf(cmd), pb.start(), pidFile);
        try {
            d.awaitListening();
        } catch (AssertionError | InterruptedException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void pump(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (this) {
                    output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // The daemon ended.
        }
        synchronized (this) {
            notifyAll();
        }
    }

    private synchronized void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            Matcher m = LISTENING.matcher(output);
            if (m.find()) {
                socket = Path.of(m.group(1));
                return;
            }
            if (!pump.isAlive() && !process.isAlive()) {
                throw new AssertionError("jxen-xenstored exited (status " + process.exitValue()
                        + ") before listening" + describe());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("jxen-xenstored not listening within " + START_TIMEOUT + describe());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** The socket the daemon says it listens on. */
    public synchronized Path socket() {
        return socket;
    }

    /** The pid file the daemon was asked to write, or null. */
    public Path pidFile() {
        return pidFile;
    }

    /** The daemon's process id (with -F, the launcher execs the JVM, so this is the daemon itself). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The environment a client needs to reach this daemon: {@code XENSTORED_PATH}. */
    public Map<String, String> clientEnv() {
        return Map.of("XENSTORED_PATH", socket().toString());
    }

    /** Everything the daemon printed (stdout and stderr) so far. */
    public synchronized String output() {
        return output.toString();
    }

    /**
     * Waits until the daemon's output has a line matching {@code regex}; fails with the output
     * after {@code timeout} or when the daemon exits first. Returns the matching text.
     */
    public synchronized String awaitOutput(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = p.matcher(output);
            if (m.find()) {
                return m.group();
            }
            if (!pump.isAlive()) {
                throw new AssertionError("jxen-xenstored ended before printing /" + regex + "/" + describe());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("jxen-xenstored printed nothing matching /" + regex + "/ within " + timeout
                        + describe());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** The command, the daemon's output and the pid file's state, for failure messages. */
    public String describe() {
        return "\n--- command: " + String.join(" ", command) + "\n--- output:\n" + output()
                + (pidFile == null ? "" : "\n--- pid file " + pidFile + (Files.exists(pidFile) ? " exists" : " absent"));
    }

    /**
     * Sends SIGTERM and waits for the daemon to exit; returns its exit status. Fails (after
     * killing it) if it does not stop within {@link #STOP_TIMEOUT}.
     */
    public int stop() throws InterruptedException {
        // Not under this object's monitor: the output pump needs it until the daemon has exited.
        synchronized (stopLock) {
            return stopLocked();
        }
    }

    private int stopLocked() throws InterruptedException {
        if (exitStatus == null) {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                throw new AssertionError("jxen-xenstored ignored SIGTERM for " + STOP_TIMEOUT + describe());
            }
            pump.join(STOP_TIMEOUT.toMillis());
            exitStatus = process.exitValue();
        }
        return exitStatus;
    }

    /** Stops the daemon if it still runs. Idempotent. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (AssertionError e) {
            // Killed; the test has its own verdict.
        }
    }
}
