package org.jxen.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A jxen command ({@code bin/jxen-run}, ...) running as a child process: its stdout and stderr
 * collected as they come, its stdin writable, and waits on output or exit bounded by a
 * deadline that fails with everything captured so far, never by sleeping.
 */
public final class GuestProcess implements AutoCloseable {
    private final Process process;
    private final List<String> command;
    private final StringBuilder out = new StringBuilder();
    private final StringBuilder err = new StringBuilder();
    private final Thread outPump;
    private final Thread errPump;

    private GuestProcess(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        this.outPump = pump(process.getInputStream(), out, "stdout");
        this.errPump = pump(process.getErrorStream(), err, "stderr");
    }

    /** Starts {@code bin/<command> args...} in the checkout, with extra environment variables. */
    public static GuestProcess start(String command, List<String> args, java.util.Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Checkout.bin(command).toString());
        cmd.addAll(args);
        return startRaw(cmd, env);
    }

    /** Starts an arbitrary command line. */
    public static GuestProcess startRaw(List<String> cmd, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Checkout.root().toFile());
        pb.environment().putAll(env);
        return new GuestProcess(List.copyOf(cmd), pb.start());
    }

    private Thread pump(InputStream in, StringBuilder sink, String what) {
        Thread t = Thread.ofPlatform().daemon(true).name("guest-" + what).start(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (this) {
                        sink.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // Process ended.
            }
            synchronized (this) {
                notifyAll();
            }
        });
        return t;
    }

    public synchronized String stdout() {
        return out.toString();
    }

    public synchronized String stderr() {
        return err.toString();
    }

    /** Writes to the guest's console (the process's stdin). */
    public void type(String text) throws IOException {
        OutputStream os = process.getOutputStream();
        os.write(text.getBytes(StandardCharsets.ISO_8859_1));
        os.flush();
    }

    /** Sends SIGTERM to the process. */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** Closes the process's stdin. */
    public void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /**
     * Waits until stdout has a line matching {@code regex} (searched anywhere in the output),
     * failing with the captured output after {@code timeout}.
     */
    public synchronized String awaitOutput(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            var m = p.matcher(out);
            if (m.find()) {
                return m.group();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no output matching /" + regex + "/ within " + timeout + describe());
            }
            if (!process.isAlive() && !outPump.isAlive()) {
                throw new AssertionError("process exited (status " + process.exitValue() + ") before output matching /"
                        + regex + "/" + describe());
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    /** Waits for the process to exit; fails (and kills it) after {@code timeout}. Returns the exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("process did not exit within " + timeout + describe());
        }
        outPump.join(5000);
        errPump.join(5000);
        return process.exitValue();
    }

    /** The command, its output so far, for failure messages. */
    public String describe() {
        return "\n--- command: " + String.join(" ", command) + "\n--- stdout:\n" + stdout() + "\n--- stderr:\n" + stderr();
    }

    public Path workingDirectory() {
        return Checkout.root();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
