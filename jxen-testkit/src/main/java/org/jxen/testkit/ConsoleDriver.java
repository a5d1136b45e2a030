package org.jxen.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives a guest's serial console through a child process's stdin and stdout, as a person at a
 * terminal would: type a line, wait for what the guest answers. A reader thread collects the
 * output (stdout and stderr merged, carriage returns and terminal escape sequences removed) into
 * a transcript; {@link #expect} waits, up to a deadline, for a regex in the part of the
 * transcript not yet consumed and consumes through the match, so that successive waits see
 * successive output. A wait that runs out fails with the whole console. Nothing sleeps.
 *
 * <p>Typical use with a shell in the guest:
 * <pre>{@code
 * try (ConsoleDriver c = ConsoleDriver.start(List.of(jxenRun, "--kernel", k), Map.of())) {
 *     c.expect("jxen-linux: ready", Duration.ofMinutes(2));
 *     String n = c.run("nproc", Duration.ofSeconds(30)).strip();
 *     c.sendLine("poweroff -f");
 *     assertThat(c.awaitExit(Duration.ofSeconds(30))).isZero();
 * }
 * }</pre>
 *
 * <p>Threads: one daemon reader thread; the other methods are for one test thread.
 */
public final class ConsoleDriver implements AutoCloseable {
    /** CSI and other two-byte escape sequences (a shell's line editor asks for the cursor position). */
    private static final Pattern ESCAPES = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]|\u001B[@-Z\\\\-_]");

    private final Process process;
    private final String command;
    private final StringBuilder transcript = new StringBuilder();
    private final StringBuilder raw = new StringBuilder();
    private final Thread reader;
    private final AtomicInteger marks = new AtomicInteger();
    private int cursor;
    private boolean eof;

    /** Drives an already started process (its stderr should be merged into stdout). */
    public ConsoleDriver(Process process, String command) {
        this.process = process;
        this.command = command;
        this.reader = Thread.ofPlatform().daemon(true).name("console-reader").start(this::pump);
    }

    /** Starts {@code command} in {@code dir} with extra environment, stderr merged into stdout. */
    public static ConsoleDriver start(List<String> command, Map<String, String> env, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        return new ConsoleDriver(pb.start(), String.join(" ", command));
    }

    /** Starts {@code command} in the current directory, stderr merged into stdout. */
    public static ConsoleDriver start(List<String> command, Map<String, String> env) throws IOException {
        return start(command, env, null);
    }

    private void pump() {
        InputStream in = process.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                String s = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                synchronized (this) {
                    raw.append(s);
                    // Escape sequences may straddle reads: clean what is complete, keep the rest raw.
                    int keep = raw.lastIndexOf("\u001B");
                    if (keep < 0 || raw.length() - keep > 32) {
                        keep = raw.length();
                    }
                    transcript.append(clean(raw.substring(0, keep)));
                    raw.delete(0, keep);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // The process ended or its stdout was closed.
        }
        synchronized (this) {
            transcript.append(clean(raw.toString()));
            raw.setLength(0);
            eof = true;
            notifyAll();
        }
    }

    private static String clean(String s) {
        return ESCAPES.matcher(s.replace("\r", "")).replaceAll("");
    }

    /**
     * Waits until the output not yet consumed matches {@code regex} ({@link Pattern#MULTILINE},
     * so {@code ^} and {@code $} are line anchors) and consumes it through the end of the match.
     * Fails with the console when {@code timeout} runs out or the process ends first.
     */
    public synchronized MatchResult expect(String regex, Duration timeout) throws InterruptedException {
        return expect(Pattern.compile(regex, Pattern.MULTILINE), timeout);
    }

    /** As {@link #expect(String, Duration)} with a compiled pattern. */
    public synchronized MatchResult expect(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(transcript);
            m.region(cursor, transcript.length());
            if (m.find()) {
                cursor = m.end();
                return m.toMatchResult();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no console output matching /" + pattern + "/ within " + timeout + describe());
            }
            if (eof) {
                throw new AssertionError("the process ended" + exitText() + " before console output matching /"
                        + pattern + "/" + describe());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Types {@code text} on the console, as is. */
    public void send(String text) throws IOException {
        OutputStream os = process.getOutputStream();
        os.write(text.getBytes(StandardCharsets.ISO_8859_1));
        os.flush();
    }

    /** Types {@code line} and Enter. */
    public void sendLine(String line) throws IOException {
        send(line + "\n");
    }

    /**
     * Runs {@code shellCommand} in a POSIX shell on the console and returns what it printed.
     * The command is bracketed by two {@code echo}s whose marker text only exists once the shell
     * has expanded it (arithmetic), so the terminal's echo of the typed line never matches.
     * Fails when the command's exit status is not 0.
     */
    public String run(String shellCommand, Duration timeout) throws IOException, InterruptedException {
        int id = 7000 + marks.incrementAndGet();
        sendLine("echo \"{{$((" + (id - 1) + "+1))\"; " + shellCommand + "; echo \"}}$((" + (id - 1) + "+1)) $?\"");
        MatchResult m = expect(Pattern.compile("^\\{\\{" + id + "\n(.*?)^}}" + id + " (\\d+)$",
                Pattern.MULTILINE | Pattern.DOTALL), timeout);
        if (!m.group(2).equals("0")) {
            throw new AssertionError("'" + shellCommand + "' exited with status " + m.group(2) + ":\n" + m.group(1)
                    + describe());
        }
        return m.group(1);
    }

    /** Waits for the process to exit, failing (and killing it) after {@code timeout}; its exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the process did not exit within " + timeout + describe());
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    /** Everything the console showed so far (cleaned). */
    public synchronized String transcript() {
        return transcript.toString();
    }

    /** The output not yet consumed by {@link #expect}. */
    public synchronized String unconsumed() {
        return transcript.substring(cursor);
    }

    public Process process() {
        return process;
    }

    /** The command and the whole console, for failure messages. */
    public String describe() {
        return "\n--- command: " + command + exitText() + "\n--- console:\n" + transcript() + "\n--- end of console";
    }

    private String exitText() {
        return process.isAlive() ? "" : " (exit status " + process.exitValue() + ")";
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
