package org.jxen.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jxen.testkit.Checkout;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.Xenstored;
import org.jxen.xenstore.client.XsClient;
import org.jxen.xenstore.server.XenstoredMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * bin/jxen-xenstored as an administrator meets it: like Xen's xenstored it goes to the
 * background unless -F is given and returns once its socket answers; a second daemon on the same
 * socket, a file that is not a socket, bad options and unwritable files each get one clear line
 * and exit status 1; a stale socket is replaced; the socket path comes from --socket, else
 * XENSTORED_PATH, else $XENSTORED_RUNDIR/socket; SIGTERM removes the socket and the pid file
 * while they are still the daemon's own; at its descriptor limit it warns once, not per retry.
 *
 * <p>Every daemon a test starts in the background is stopped after it, by the pid its pid file
 * names. No test touches the host's /run/xenstored/socket or /var/log/xen.
 */
class XenstoredDaemonIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String HELP_HINT = "Try 'jxen-xenstored --help' for more information.";

    @TempDir
    Path tmp;

    /** Background daemons this test started, stopped after it. */
    final List<ProcessHandle> started = new ArrayList<>();

    record Result(int status, String stdout, String stderr) {}

    @AfterEach
    void stopBackgroundDaemons() throws Exception {
        for (ProcessHandle h : started) {
            if (h.isAlive()) {
                h.destroy();
                h.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The environment of every launch: the log in the test's directory, and no socket path from
     * the test JVM's own environment (empty counts as unset for the daemon and the launcher).
     */
    Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("JXEN_LOG_DIR", tmp.resolve("log").toString(),
                "XENSTORED_PATH", "", "XENSTORED_RUNDIR", ""));
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return env;
    }

    /**
     * Runs the launcher; returns once it exits and its stdout and stderr reach end of file:
     * a daemon left in the background must not hold the caller's pipes (else $(...) would hang).
     */
    Result launch(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Checkout.bin("jxen-xenstored").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Checkout.root().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = readAll(p.getInputStream());
        CompletableFuture<String> err = readAll(p.getErrorStream());
        if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not exit within " + WAIT);
        }
        String o = out.get(10, TimeUnit.SECONDS);
        String e = err.get(10, TimeUnit.SECONDS);
        return new Result(p.exitValue(), o, e);
    }

    static CompletableFuture<String> readAll(InputStream in) {
        return org.jxen.testkit.JxendHost.readAll(in);
    }

    /** Exit status 1, nothing on stdout, one line naming the problem (and at most the --help hint). */
    static void assertOneLineError(Result r, String... fragments) {
        assertThat(r.status()).as("exit status; stderr: " + r.stderr()).isEqualTo(1);
        assertThat(r.stdout()).as("stdout").isEmpty();
        List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("stderr lines").hasSizeBetween(1, 2);
        assertThat(lines.get(0)).startsWith("jxen-xenstored: ");
        if (lines.size() == 2) {
            assertThat(lines.get(1)).isEqualTo(HELP_HINT);
        }
        for (String f : fragments) {
            assertThat(lines.get(0)).contains(f);
        }
        assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    /** The socket answers a write and a read. */
    static void assertAnswers(Path socket) throws Exception {
        try (XsClient c = XsClient.connect(socket)) {
            c.write("/probe/value", "answered");
            assertThat(c.readString("/probe/value")).isEqualTo("answered");
        }
    }

    static long pidIn(Path pidFile) throws IOException {
        String s = Files.readString(pidFile);
        assertThat(s).as("pid file " + pidFile).matches("\\d+\n");
        return Long.parseLong(s.trim());
    }

    /** Stops a background daemon by the pid its pid file names, and checks it tidied up. */
    void stopByPid(ProcessHandle h, Path socket, Path pidFile) throws Exception {
        assertThat(h.destroy()).as("SIGTERM sent").isTrue();
        // The daemon is not our child: ProcessHandle.onExit watches it for us, bounded here.
        h.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(socket).as("socket after SIGTERM").doesNotExist();
        assertThat(pidFile).as("pid file after SIGTERM").doesNotExist();
    }

    /**
     * Starts a daemon in the background on {@code socket} with {@code pidFile}; checks the
     * launcher said nothing and exited 0, and returns the daemon (stopped after the test).
     */
    ProcessHandle startInBackground(Map<String, String> env, Path socket, Path pidFile) throws Exception {
        Result r = launch(env, "--socket", socket.toString(), "--pid-file", pidFile.toString());
        assertThat(r).as("launcher").isEqualTo(new Result(0, "", ""));
        ProcessHandle daemon = ProcessHandle.of(pidIn(pidFile)).orElseThrow(() -> new AssertionError("no process "
                + "with the pid in " + pidFile));
        started.add(daemon);
        return daemon;
    }

    // --- background (the default) and foreground ---

    @Test
    void withoutDashFItGoesToTheBackgroundAndReturnsOnceTheSocketAnswers() throws Exception {
        Path socket = tmp.resolve("run/socket");
        Path pidFile = tmp.resolve("xenstored.pid");
        ProcessHandle daemon = startInBackground(env(), socket, pidFile);
        // No waiting: the launcher returned, so the socket already answers.
        assertAnswers(socket);
        assertThat(daemon.isAlive()).isTrue();
        daemon.info().commandLine().ifPresent(c -> assertThat(c).contains("XenstoredMain"));
        // Detached like a daemon: a session of its own, so the caller's terminal and signals
        // (Ctrl-C, hang-up) do not reach it.
        String stat = Files.readString(Path.of("/proc", Long.toString(daemon.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertThat(Long.parseLong(f[3])).as("session id (stat field 6)").isEqualTo(daemon.pid());
        assertThat(Files.readString(tmp.resolve("log/xenstored.log"))).contains("jxen-xenstored: listening on " + socket);
        stopByPid(daemon, socket, pidFile);
    }

    @Test
    void backgroundDaemonFindsItsSocketFromTheEnvironment() throws Exception {
        Path rundir = tmp.resolve("rundir");
        Path pidFile = tmp.resolve("xenstored.pid");
        Result r = launch(env("XENSTORED_RUNDIR", rundir.toString()), "--pid-file", pidFile.toString());
        assertThat(r).isEqualTo(new Result(0, "", ""));
        ProcessHandle daemon = ProcessHandle.of(pidIn(pidFile)).orElseThrow();
        started.add(daemon);
        assertAnswers(rundir.resolve("socket"));
        stopByPid(daemon, rundir.resolve("socket"), pidFile);
    }

    @Test
    void withDashFItStaysInTheForegroundLoggingToStderr() throws Exception {
        Path socket = tmp.resolve("socket");
        Path pidFile = tmp.resolve("fg.pid");
        try (Xenstored d = Xenstored.start(List.of("--socket", socket.toString(), "--pid-file", pidFile.toString()),
                env(), pidFile)) {
            assertThat(d.socket()).isEqualTo(socket);
            // With -F the launcher execs the JVM: our child is the daemon.
            assertThat(pidIn(pidFile)).isEqualTo(d.pid());
            assertThat(d.output()).contains("jxen-xenstored: listening on " + socket);
            assertThat(tmp.resolve("log/xenstored.log")).as("no log file in the foreground").doesNotExist();
            assertAnswers(socket);
            int status = d.stop();
            // The JVM ends with 128 + SIGTERM after its shutdown hook has run.
            assertThat(status).as(d.describe()).isIn(0, 143);
            assertThat(socket).as("socket after SIGTERM").doesNotExist();
            assertThat(pidFile).as("pid file after SIGTERM").doesNotExist();
        }
    }

    @Test
    void socketPathIsDashDashSocketElseXenstoredPathElseRundir() throws Exception {
        try (Xenstored d = Xenstored.start(List.of(), env("XENSTORED_RUNDIR", tmp.resolve("r1").toString()), null)) {
            assertThat(d.socket()).isEqualTo(tmp.resolve("r1/socket"));
            assertAnswers(d.socket());
        }
        try (Xenstored d = Xenstored.start(List.of(), env("XENSTORED_RUNDIR", tmp.resolve("r2").toString(),
                "XENSTORED_PATH", tmp.resolve("p2/xs").toString()), null)) {
            assertThat(d.socket()).isEqualTo(tmp.resolve("p2/xs"));
            assertThat(tmp.resolve("r2/socket")).doesNotExist();
            assertAnswers(d.socket());
        }
        try (Xenstored d = Xenstored.start(List.of("--socket", tmp.resolve("s3").toString()), env("XENSTORED_RUNDIR",
                tmp.resolve("r3").toString(), "XENSTORED_PATH", tmp.resolve("p3").toString()), null)) {
            assertThat(d.socket()).isEqualTo(tmp.resolve("s3"));
            assertThat(tmp.resolve("p3")).doesNotExist();
            assertAnswers(d.socket());
        }
    }

    // --- the socket is taken, stale, or not a socket ---

    @Test
    void aSecondDaemonOnTheSameSocketRefuses() throws Exception {
        // The first in the background, so that the shared log holds its "listening" line: the
        // launcher must not take that line for the second daemon's.
        Path socket = tmp.resolve("socket");
        Path firstPid = tmp.resolve("first.pid");
        ProcessHandle first = startInBackground(env(), socket, firstPid);
        Path secondPid = tmp.resolve("second.pid");
        for (boolean foreground : List.of(true, false)) {
            List<String> args = new ArrayList<>(foreground ? List.of("-F") : List.of());
            args.addAll(List.of("--socket", socket.toString(), "--pid-file", secondPid.toString()));
            Result r = launch(env(), args.toArray(String[]::new));
            assertOneLineError(r, "another xenstored is already listening on " + socket);
            assertThat(r.stderr().lines().count()).as("stderr lines").isEqualTo(1);
            assertThat(secondPid).as("the refused daemon's pid file").doesNotExist();
        }
        // The first one is unharmed.
        assertThat(first.isAlive()).isTrue();
        assertThat(pidIn(firstPid)).isEqualTo(first.pid());
        assertAnswers(socket);
        stopByPid(first, socket, firstPid);
    }

    @Test
    void stoppingADaemonWhoseSocketWasReplacedLeavesTheNewDaemonsSocketAndPidFile() throws Exception {
        // A's socket is removed by hand (or by a tidy-up script) and B starts on the same path
        // with the same pid file: both paths are now B's, and stopping A must not take them.
        Path socket = tmp.resolve("socket");
        Path pidFile = tmp.resolve("xenstored.pid");
        ProcessHandle a = startInBackground(env(), socket, pidFile);
        Files.delete(socket);
        ProcessHandle b = startInBackground(env(), socket, pidFile);
        assertThat(b.pid()).isNotEqualTo(a.pid());

        assertThat(a.destroy()).as("SIGTERM to the first daemon").isTrue();
        a.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(b.isAlive()).as("second daemon alive").isTrue();
        assertThat(socket).as("the second daemon's socket after the first one stopped").exists();
        assertThat(pidIn(pidFile)).as("the pid file after the first daemon stopped").isEqualTo(b.pid());
        assertAnswers(socket);
        // B's own paths are still B's to remove.
        stopByPid(b, socket, pidFile);
    }

    // --- out of file descriptors ---

    @Test
    void atItsDescriptorLimitItWarnsOnceAndSaysWhenItAcceptsAgain() throws Exception {
        Path prlimit = HostAssume.tool("prlimit");
        try (Xenstored d = Xenstored.start(tmp)) {
            // The daemon listens, so its own descriptors are open. Leave room for two clients
            // below a soft limit set from outside (as a unit's LimitNOFILE would be).
            Path fdDir = Path.of("/proc", Long.toString(d.pid()), "fd");
            List<Integer> fds;
            try (Stream<Path> s = Files.list(fdDir)) {
                fds = s.map(p -> Integer.parseInt(p.getFileName().toString())).toList();
            }
            int limit = fds.stream().max(Integer::compare).orElseThrow() + 3;
            long room = limit - fds.size();
            Process p = new ProcessBuilder(prlimit.toString(), "--pid", Long.toString(d.pid()), "--nofile=" + limit + ":")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("prlimit: " + new String(p.getInputStream().readAllBytes())).isZero();

            List<XsClient> served = new ArrayList<>();
            try {
                for (int i = 0; i < room; i++) {
                    XsClient c = XsClient.connect(d.socket());
                    served.add(c);
                    c.write("/fd/c" + i, "served");
                }
                // One more waits in the listen backlog: the daemon has no descriptor for it.
                XsClient waiting = XsClient.connect(d.socket());
                served.add(waiting);
                CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                    try {
                        waiting.write("/fd/waiting", "answered");
                        return waiting.readString("/fd/waiting");
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, r -> Thread.ofVirtual().start(r));
                d.awaitOutput("^jxen-xenstored: warning: accept on .*$", WAIT);
                // Three seconds at the limit: the waiting client is not answered, and the log
                // has the one warning (the old daemon logged one per retry, each second).
                assertThatThrownBy(() -> answer.get(3, TimeUnit.SECONDS))
                        .isInstanceOf(java.util.concurrent.TimeoutException.class);
                assertThat(d.isAlive()).isTrue();
                assertThat(d.output().lines().filter(l -> l.contains("accept on")).toList())
                        .as("warnings about accept at the limit" + d.describe()).hasSize(1);

                // A served client leaves: its descriptor lets the waiting one in, which puts the
                // daemon at its limit again (still the same run of failures: no new line).
                served.removeFirst().close();
                assertThat(answer.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("answered");
                assertThat(d.output().lines().filter(l -> l.contains("accept on")).toList())
                        .as("warnings once the waiting client is in" + d.describe()).hasSize(1);
                // Another leaves: now accept has a descriptor to spare, and says so.
                served.removeFirst().close();
                String recovered = d.awaitOutput("^jxen-xenstored: warning: accept on .* works again, after .*$", WAIT);
                assertThat(recovered).contains(d.socket().toString());
                assertThat(d.output().lines().filter(l -> l.contains("accept on")).toList())
                        .as("the warning and the recovery" + d.describe()).hasSize(2);
            } finally {
                for (XsClient c : served) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aStaleSocketWithNoListenerIsReplaced() throws Exception {
        Path socket = tmp.resolve("socket");
        // A daemon that died without removing its socket leaves exactly this: the file, no listener.
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        try (Xenstored d = Xenstored.start(tmp)) {
            assertThat(d.socket()).isEqualTo(socket);
            assertAnswers(socket);
        }
    }

    @Test
    void aFileThatIsNotASocketIsLeftAlone() throws Exception {
        Path file = tmp.resolve("precious.txt");
        Files.writeString(file, "not a socket\n");
        Result r = launch(env(), "-F", "--socket", file.toString());
        assertOneLineError(r, "cannot listen on " + file, "not a socket");
        assertThat(Files.readString(file)).isEqualTo("not a socket\n");
        Path dir = Files.createDirectory(tmp.resolve("a-directory"));
        assertOneLineError(launch(env(), "-F", "--socket", dir.toString()), "cannot listen on " + dir, "not a socket");
        assertThat(dir).isDirectory();
    }

    // --- bad options and files ---

    static Stream<Arguments> badOptions() {
        List<Arguments> cases = new ArrayList<>();
        for (boolean foreground : List.of(true, false)) {
            cases.add(Arguments.of(foreground, List.of("--quota", "nodes=0"), List.of("--quota nodes=0", "at least 1")));
            cases.add(Arguments.of(foreground, List.of("--quota", "nodes=-3"), List.of("--quota nodes=-3", "at least 1")));
            cases.add(Arguments.of(foreground, List.of("--quota", "bogus=5"),
                    List.of("unknown quota bogus", "nodes, watches, transactions, node-size, permissions, outstanding")));
            cases.add(Arguments.of(foreground, List.of("--quota", "nodes=lots"), List.of("--quota", "'lots' is not an int")));
            cases.add(Arguments.of(foreground, List.of("--quota", "nodes"), List.of("--quota", "KEY=VALUE", "nodes")));
            cases.add(Arguments.of(foreground, List.of("--frobnicate"), List.of("Unknown option: '--frobnicate'")));
            cases.add(Arguments.of(foreground, List.of("extra"), List.of("'extra'")));
            cases.add(Arguments.of(foreground, List.of("--socket"), List.of("Missing required parameter", "--socket")));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "foreground={0} {1}")
    @MethodSource("badOptions")
    void aBadOptionGetsOneClearLineAndExitStatus1(boolean foreground, List<String> args, List<String> fragments)
            throws Exception {
        List<String> all = new ArrayList<>();
        if (foreground) {
            all.add("-F");
        }
        all.add("--socket=" + tmp.resolve("socket"));
        all.addAll(args);
        Result r = launch(env(), all.toArray(String[]::new));
        assertOneLineError(r, fragments.toArray(String[]::new));
        assertThat(tmp.resolve("socket")).doesNotExist();
    }

    @Test
    void anUnwritablePidFileStopsTheStartAndFreesTheSocket() throws Exception {
        Path pid = tmp.resolve("no/such/dir/xenstored.pid");
        for (boolean foreground : List.of(true, false)) {
            List<String> args = new ArrayList<>(foreground ? List.of("-F") : List.of());
            args.addAll(List.of("--socket", tmp.resolve("socket").toString(), "--pid-file", pid.toString()));
            Result r = launch(env(), args.toArray(String[]::new));
            assertOneLineError(r, "cannot write the pid file " + pid, "the directory " + pid.getParent() + " does not exist");
            assertThat(tmp.resolve("socket")).as("socket of the daemon that could not start").doesNotExist();
        }
    }

    @Test
    void anUnwritableLogDirectoryIsReportedBeforeStarting() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        Result r = launch(env("JXEN_LOG_DIR", notADir.resolve("log").toString()), "--socket", tmp.resolve("socket").toString());
        assertOneLineError(r, "cannot write the log " + notADir.resolve("log/xenstored.log"), "JXEN_LOG_DIR");
        assertThat(tmp.resolve("socket")).doesNotExist();
    }

    @Test
    void anUncreatableSocketDirectoryIsReported() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        Path socket = notADir.resolve("socket");
        assertOneLineError(launch(env(), "-F", "--socket", socket.toString()), "cannot listen on " + socket,
                notADir + " exists and is not a directory");
    }

    // --- help ---

    @Test
    void helpListsEveryOptionAndTheEnvironment() throws Exception {
        Result r = launch(env(), "--help");
        assertThat(r.status()).isZero();
        assertThat(r.stderr()).isEmpty();
        // Every option the command defines, by every name.
        List<String> names = new CommandLine(new XenstoredMain()).getCommandSpec().options().stream()
                .flatMap(o -> Stream.of(o.names())).toList();
        assertThat(names).contains("-F", "--foreground", "-s", "--socket", "-P", "--pid-file", "-q", "--quota", "--help");
        for (String n : names) {
            assertThat(r.stdout()).as("--help mentions " + n).containsPattern("(?m)(^|[ ,])" + java.util.regex.Pattern.quote(n)
                    + "\\b");
        }
        assertThat(r.stdout()).contains("XENSTORED_PATH", "XENSTORED_RUNDIR", "JXEN_LOG_DIR", "/run/xenstored/socket",
                "/var/log/xen", "nodes", "watches", "transactions", "node-size", "permissions", "outstanding");
        assertThat(launch(env(), "-h")).isEqualTo(r);
        Result v = launch(env(), "--version");
        assertThat(v.status()).isZero();
        assertThat(v.stdout()).startsWith("jxen-xenstored ");
    }
}
