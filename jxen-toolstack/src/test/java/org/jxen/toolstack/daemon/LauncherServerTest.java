package org.jxen.toolstack.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jxen.sys.UnixSocket;
import org.jxen.testkit.Checkout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher socket driven by the real native {@code xl} (bin/xl, built by make). */
class LauncherServerTest {
    @TempDir
    Path dir;
    LauncherServer server;
    static Path xl;

    @BeforeAll
    static void buildXl() throws Exception {
        Path src = Checkout.root().resolve("jxen-cli/src/main/c");
        Process make = new ProcessBuilder("make", "-s", "-C", src.toString()).inheritIO().start();
        assertThat(make.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(make.exitValue()).as("make -C " + src).isZero();
        xl = Checkout.bin("xl");
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    record Result(int status, String out, String err) {}

    private LauncherServer start(CommandRunner runner) throws Exception {
        AccessPolicy policy = AccessPolicy.forThisProcess(Optional.empty());
        server = LauncherServer.start(dir.resolve("run/xl.sock"), runner, policy);
        return server;
    }

    private Process xl(Path cwd, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(xl.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().clear();
        pb.environment().put("JXEN_RUNDIR", dir.resolve("run").toString());
        pb.environment().putAll(env);
        return pb.start();
    }

    private static Result finish(Process p) throws Exception {
        var out = p.getInputStream();
        var err = p.getErrorStream();
        CompletableFuture<String> o = CompletableFuture.supplyAsync(() -> read(out));
        CompletableFuture<String> e = CompletableFuture.supplyAsync(() -> read(err));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("xl exits").isTrue();
        return new Result(p.exitValue(), o.get(10, TimeUnit.SECONDS), e.get(10, TimeUnit.SECONDS));
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void argvCwdEnvironmentOutputAndStatusCrossTheSocket() throws Exception {
        AtomicReference<Invocation> seen = new AtomicReference<>();
        start(inv -> {
            seen.set(inv);
            try {
                inv.stdio().out().write(("out " + String.join(",", inv.argv()) + "\n").getBytes(StandardCharsets.UTF_8));
                inv.stdio().err().write("err line\n".getBytes(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return 42;
        });
        Path cwd = Files.createDirectories(dir.resolve("work"));
        Process p = xl(cwd, Map.of("TERM", "dumb", "XL_TEST", "1", "UNRELATED", "x"), "-v", "list", "a b", "");
        p.getOutputStream().close();
        Result r = finish(p);
        assertThat(r).isEqualTo(new Result(42, "out -v,list,a b,\n", "err line\n"));
        assertThat(seen.get().cwd()).isEqualTo(cwd);
        assertThat(seen.get().env()).containsEntry("TERM", "dumb").containsEntry("XL_TEST", "1").doesNotContainKey("UNRELATED");
        assertThat(seen.get().peer().pid()).isEqualTo((int) p.pid());
    }

    @Test
    void standardInputReachesTheCommand() throws Exception {
        start(inv -> {
            try {
                byte[] all = inv.stdio().in().readAllBytes();
                inv.stdio().out().write(new StringBuilder(new String(all, StandardCharsets.UTF_8)).reverse().toString()
                        .getBytes(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return 0;
        });
        Process p = xl(dir, Map.of(), "echo");
        p.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(finish(p)).isEqualTo(new Result(0, "cba", ""));
    }

    @Test
    void killingXlCancelsTheCommandAndTheServerCarriesOn() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<String> outcome = new CompletableFuture<>();
        start(inv -> {
            if (inv.argv().get(0).equals("quick")) {
                return 7;
            }
            running.countDown();
            try {
                // A command blocked in a read of its standard input, as xl console is: the read
                // ends (the pipe's writer or the cancel event), and the cancel arrives.
                int b = inv.stdio().in().read();
                try {
                    inv.cancelled().get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    // The watcher interrupts the command right after it completes the future.
                }
                outcome.complete("read returned " + b + ", cancelled=" + inv.cancelled().isDone());
            } catch (Exception e) {
                outcome.complete("failed: " + e);
            }
            return 0;
        });
        Process p = xl(dir, Map.of(), "console", "x");
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        p.destroyForcibly();
        assertThat(outcome.get(30, TimeUnit.SECONDS)).isEqualTo("read returned -1, cancelled=true");
        Process q = xl(dir, Map.of(), "quick");
        q.getOutputStream().close();
        assertThat(finish(q).status()).isEqualTo(7);
    }

    /** Runs {@code shell} on a pseudo-terminal (script(1)); returns what the terminal showed. */
    private Result onTerminal(String shell) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", shell, "/dev/null").directory(dir.toFile());
        pb.environment().put("JXEN_RUNDIR", dir.resolve("run").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        return finish(p);
    }

    @Test
    void rawModeIsRestoredWhenTheCommandEndsAndWhenTheClientIsKilled() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script (bsdutils) is not installed");
        CompletableFuture<Integer> client = new CompletableFuture<>();
        start(inv -> {
            try (AutoCloseable raw = inv.stdio().rawMode()) {
                inv.stdio().out().write(("raw=" + inv.stdio().stdinIsTerminal() + "\r\n").getBytes(StandardCharsets.UTF_8));
                if (inv.argv().get(0).equals("hold")) {
                    client.complete(inv.peer().pid());
                    inv.cancelled().get(60, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return 0;
        });
        // The command returns: the terminal is back in canonical mode before xl exits.
        Result r = onTerminal(xl + " done; stty -a");
        assertThat(r.out()).contains("raw=true").containsPattern("[^-]icanon").containsPattern("[^-]echo ");
        // The client is killed while the command holds the terminal raw: jxend restores it.
        Thread killer = Thread.ofVirtual().start(() -> {
            try {
                ProcessHandle.of(client.get(60, TimeUnit.SECONDS)).ifPresent(ProcessHandle::destroyForcibly);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // After xl is killed, the shell waits (bounded) until the terminal is canonical again.
        Result k = onTerminal(xl + " hold; for i in $(seq 200); do stty -a | grep -q -- '-icanon' || break; sleep 0.05; done; "
                + "stty -a");
        killer.join();
        assertThat(k.out()).contains("raw=true").containsPattern("[^-]icanon").containsPattern("[^-]echo ");
    }

    @Test
    void pastItsLimitJxendSaysItIsBusyAndServesTheOthers() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        server = LauncherServer.start(dir.resolve("run/xl.sock"), inv -> {
            if (inv.argv().get(0).equals("hold")) {
                running.countDown();
                hold.await();
            }
            return 0;
        }, AccessPolicy.forThisProcess(Optional.empty()), 1);
        Process holder = xl(dir, Map.of(), "hold");
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        Process second = xl(dir, Map.of(), "list");
        second.getOutputStream().close();
        assertThat(finish(second)).isEqualTo(new Result(1, "", "xl: jxend is busy: it runs at most 1 commands at once; try again\n"));
        hold.countDown();
        holder.getOutputStream().close();
        assertThat(finish(holder).status()).isZero();
        Process third = xl(dir, Map.of(), "list");
        third.getOutputStream().close();
        assertThat(finish(third).status()).isZero();
    }

    @Test
    void aMalformedClientIsRefusedAndTheServerCarriesOn() throws Exception {
        start(inv -> 5);
        try (UnixSocket c = UnixSocket.connect(dir.resolve("run/xl.sock").toString())) {
            c.send("GARBAGE!".getBytes(StandardCharsets.US_ASCII), 0, 1, 2);
            assertThat(c.readFully(8)).isEqualTo(LauncherRequest.reply(1));
        }
        try (UnixSocket c = UnixSocket.connect(dir.resolve("run/xl.sock").toString())) {
            // Well formed, but without the three descriptors.
            c.send(LauncherRequest.encode(List.of("list"), "/", Map.of()));
            assertThat(c.readFully(8)).isEqualTo(LauncherRequest.reply(1));
        }
        Process q = xl(dir, Map.of(), "list");
        q.getOutputStream().close();
        assertThat(finish(q).status()).isEqualTo(5);
    }

    @Test
    void aUserWithoutAccessGetsOneClearLine() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv is not installed");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run xl as another user");
        server = LauncherServer.start(dir.resolve("run/xl.sock"), inv -> 0,
                new AccessPolicy(0, Optional.empty(), OptionalInt.empty()));
        // Past the file mode (as if an administrator had opened it up), the peer check holds.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(server.path(), PosixFilePermissions.fromString("rw-rw-rw-"));
        Path copy = dir.resolve("xl");
        Files.copy(xl, copy);
        ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy.toString(),
                "list").directory(Path.of("/").toFile());
        pb.environment().put("JXEN_RUNDIR", dir.resolve("run").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        Result r = finish(p);
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("xl: permission denied: jxend admits root, uid 0; uid 65534 is none of them\n");
    }

    @net.jqwik.api.Property(tries = 500)
    void anyBytesDecodeOrAreRefusedWithASentence(@net.jqwik.api.ForAll byte[] payload) {
        try {
            LauncherRequest r = LauncherRequest.decode(payload);
            assertThat(r.cwd().isAbsolute()).isTrue();
        } catch (LauncherRequest.BadRequest e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Test
    void decodeRefusesWhatBreaksTheLayout() {
        byte[] ok = LauncherRequest.encode(List.of("list", "-l"), "/tmp", Map.of("TERM", "xterm"));
        byte[] payload = java.util.Arrays.copyOfRange(ok, 8, ok.length);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> LauncherRequest.decode(payload))).isNull();
        for (int cut = 0; cut < payload.length; cut++) {
            byte[] shorter = java.util.Arrays.copyOf(payload, cut);
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> LauncherRequest.decode(shorter)))
                    .as("cut at " + cut).isInstanceOf(LauncherRequest.BadRequest.class);
        }
        byte[] relative = java.util.Arrays.copyOfRange(LauncherRequest.encode(List.of(), "tmp", Map.of()), 8, 20);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> LauncherRequest.decode(relative)))
                .hasMessageContaining("not absolute");
        byte[] header = {'J', 'X', 'L', '1', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f};
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> LauncherRequest.payloadLength(header)))
                .hasMessageContaining("at most");
    }
}
