package org.jxen.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A jxend of a test's own: its run, state and log directories and its XenStore socket under one
 * temporary directory (so it never touches the host's /run/jxen or /run/xenstored), and the
 * real {@code bin/jxend}, {@code bin/xl} and Debian's XenStore tools run against it. {@link #close()}
 * stops the daemon (SIGTERM, then SIGKILL) by the pid its pid file names.
 */
public final class JxendHost implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(60);

    private final Path dir;
    private final Map<String, String> env;

    /** What a command did. */
    public record Result(int status, String stdout, String stderr) {
        public String all() {
            return stdout + stderr;
        }
    }

    public JxendHost(Path dir) {
        this.dir = dir;
        this.env = new HashMap<>(Map.of(
                "JXEN_RUNDIR", dir.resolve("run").toString(),
                "JXEN_STATEDIR", dir.resolve("state").toString(),
                "JXEN_LOGDIR", dir.resolve("log").toString(),
                "XENSTORED_PATH", dir.resolve("xenstored/socket").toString(),
                "XENSTORED_RUNDIR", ""));
    }

    public Map<String, String> env() {
        return env;
    }

    public Path runDir() {
        return dir.resolve("run");
    }

    public Path stateDir() {
        return dir.resolve("state");
    }

    public Path logDir() {
        return dir.resolve("log");
    }

    public Path xenstoreSocket() {
        return dir.resolve("xenstored/socket");
    }

    public Path apiSocket() {
        return runDir().resolve("jxend.sock");
    }

    public Path pidFile() {
        return runDir().resolve("jxend.pid");
    }

    /** Starts {@code bin/jxend} in the background; returns what the launcher printed. */
    public Result start(String... args) throws Exception {
        return run(Checkout.bin("jxend"), null, args);
    }

    /** The daemon's process, from its pid file. */
    public Optional<ProcessHandle> daemon() throws IOException {
        if (!Files.exists(pidFile())) {
            return Optional.empty();
        }
        String s = Files.readString(pidFile()).strip();
        return s.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(s));
    }

    /** Runs {@code bin/xl} with these arguments in {@code cwd} (null: the checkout). */
    public Result xl(Path cwd, String... args) throws Exception {
        return run(Checkout.bin("xl"), cwd, args);
    }

    public Result xl(String... args) throws Exception {
        return xl(null, args);
    }

    /** Runs a command with this host's environment, stdin from /dev/null. */
    public Result run(Path command, Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(command.toString());
        cmd.addAll(List.of(args));
        return exec(cmd, cwd);
    }

    public Result exec(List<String> cmd, Path cwd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory((cwd != null ? cwd : Checkout.root()).toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = readAll(p.getInputStream());
        CompletableFuture<String> err = readAll(p.getErrorStream());
        if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not exit within " + WAIT);
        }
        return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    /** Reads a stream to its end on a virtual thread. */
    public static CompletableFuture<String> readAll(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Stops the daemon if it runs: SIGTERM, then SIGKILL after {@link #WAIT}. */
    @Override
    public void close() throws Exception {
        Optional<ProcessHandle> d = daemon();
        if (d.isPresent() && d.get().isAlive()) {
            d.get().destroy();
            try {
                d.get().onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                d.get().destroyForcibly();
                throw new AssertionError("jxend " + d.get().pid() + " did not stop within " + WAIT + " of SIGTERM");
            }
        }
    }
}
