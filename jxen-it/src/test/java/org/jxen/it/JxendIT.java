package org.jxen.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jxen.testkit.Checkout;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.JxendHost;
import org.jxen.testkit.JxendHost.Result;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jxend and xl as an administrator meets them, through the real {@code bin/jxend},
 * {@code bin/xl} (the native launcher), {@code curl} and Debian's XenStore tools: one daemon
 * per run directory, XenStore served from inside it, {@code xl} starting it when none runs, the
 * control API, clear refusals, and what {@code kill -9} leaves behind. What needs a running
 * guest is in {@link XlDomainsIT} (KVM).
 */
class JxendIT {
    @TempDir
    Path tmp;
    JxendHost host;

    @BeforeEach
    void host() {
        host = new JxendHost(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
    }

    static void assertOneLine(Result r, String prefix, String... fragments) {
        assertThat(r.status()).as("exit status; stderr: " + r.stderr()).isEqualTo(1);
        List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("stderr: " + r.stderr()).hasSize(1);
        assertThat(lines.get(0)).startsWith(prefix);
        for (String f : fragments) {
            assertThat(lines.get(0)).contains(f);
        }
    }

    @Test
    void startsInTheBackgroundAndServesXlTheApiAndXenstore() throws Exception {
        Result start = host.start();
        assertThat(start).isEqualTo(new Result(0, "", ""));
        ProcessHandle daemon = host.daemon().orElseThrow();
        assertThat(daemon.isAlive()).isTrue();
        assertThat(Files.readString(host.logDir().resolve("jxend.log"))).contains("jxend: listening on " + host.apiSocket());

        Result list = host.xl("list");
        assertThat(list.status()).as(list.stderr()).isZero();
        List<String> rows = list.stdout().lines().toList();
        assertThat(rows.get(0)).matches("Name +ID +Mem VCPUs\\s+State\\s+Time\\(s\\)");
        assertThat(rows.get(1)).startsWith("Domain-0").contains("r-----");
        assertThat(rows).hasSize(2);

        Result info = host.xl("info");
        assertThat(info.status()).isZero();
        assertThat(info.stdout()).containsPattern("(?m)^host +: \\S+").containsPattern("(?m)^nr_cpus +: \\d+");

        Result api = host.exec(List.of("curl", "-sS", "--unix-socket", host.apiSocket().toString(),
                "http://localhost/v1/domains"), null);
        assertThat(api.stdout()).contains("\"name\" : \"Domain-0\"");

        // Debian's own XenStore client reads the store jxend serves on XENSTORED_PATH.
        Result xs = host.exec(List.of("xenstore-read", "/local/domain/0/name"), null);
        assertThat(xs).as("xenstore-read").isEqualTo(new Result(0, "Domain-0\n", ""));
    }

    @Test
    void sigtermRemovesTheSocketsAndThePidFile() throws Exception {
        assertThat(host.start().status()).isZero();
        ProcessHandle daemon = host.daemon().orElseThrow();
        daemon.destroy();
        daemon.onExit().get(60, TimeUnit.SECONDS);
        assertThat(host.apiSocket()).doesNotExist();
        assertThat(host.runDir().resolve("xl.sock")).doesNotExist();
        assertThat(host.pidFile()).doesNotExist();
        assertThat(host.xenstoreSocket()).doesNotExist();
    }

    @Test
    void aSecondJxendIsRefusedAndTheFirstCarriesOn() throws Exception {
        assertThat(host.start().status()).isZero();
        long pid = host.daemon().orElseThrow().pid();
        Result again = host.start();
        assertOneLine(again, "jxend: ", "already running", "process " + pid);
        assertThat(host.xl("list").status()).isZero();
    }

    @Test
    void aXenstoreAlreadyOnTheSocketIsRefusedAndNothingIsLeftBehind() throws Exception {
        Path pid = tmp.resolve("xenstored.pid");
        Result xs = host.run(Checkout.bin("jxen-xenstored"), null, "--pid-file", pid.toString());
        assertThat(xs.status()).as(xs.stderr()).isZero();
        ProcessHandle other = ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).orElseThrow();
        try {
            Result r = host.start();
            assertOneLine(r, "jxend: ", "another xenstored is already listening on " + host.xenstoreSocket(), "stop it first");
            assertThat(host.pidFile()).doesNotExist();
            assertThat(host.apiSocket()).doesNotExist();
        } finally {
            other.destroy();
            other.onExit().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnwritableLogDirectoryIsReportedBeforeStarting() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        host.env().put("JXEN_LOGDIR", notADir.resolve("log").toString());
        Result r = host.start();
        assertOneLine(r, "jxend: cannot write the log " + notADir.resolve("log/jxend.log"), "JXEN_LOGDIR");
        assertThat(host.apiSocket()).doesNotExist();
    }

    @Test
    void xlStartsJxendWhenNoneRunsAndSaysSoUnderDashV() throws Exception {
        Result r = host.xl("-v", "list");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("jxend");
        assertThat(r.stdout()).contains("Domain-0");
        assertThat(host.daemon()).isPresent();
        Result quiet = host.xl("list");
        assertThat(quiet.stderr()).isEmpty();
    }

    @Test
    void severalXlStartedTogetherStartOneJxend() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Result>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(pool.submit(() -> host.xl("list")));
            }
            for (var f : runs) {
                Result r = f.get();
                assertThat(r.status()).as(r.stderr()).isZero();
                assertThat(r.stderr()).isEmpty();
            }
        } finally {
            pool.shutdown();
        }
        long pid = host.daemon().orElseThrow().pid();
        assertThat(ProcessHandle.of(pid)).isPresent();
        // A second jxend started in the race would have said so in the log it appends to.
        assertThat(Files.readString(host.logDir().resolve("jxend.log"))).doesNotContain("already running");
    }

    @Test
    void xlWithNoJxendAndNoWayToStartOneSaysSoInOneLine() throws Exception {
        Path lonely = tmp.resolve("lonely");
        Files.createDirectories(lonely);
        Files.copy(Checkout.bin("xl"), lonely.resolve("xl"));
        Result r = host.run(lonely.resolve("xl"), null, "list");
        assertOneLine(r, "xl: ", host.runDir().resolve("xl.sock").toString());
    }

    @Test
    void afterKillDashNineARestartedJxendServesAgainAndNothingStrays() throws Exception {
        assertThat(host.start().status()).isZero();
        ProcessHandle first = host.daemon().orElseThrow();
        List<ProcessHandle> children = first.descendants().toList();
        assertThat(children).as("jxend starts no processes of its own").isEmpty();
        first.destroyForcibly();
        first.onExit().get(60, TimeUnit.SECONDS);
        // The pid file, the sockets: stale now; a new daemon replaces them.
        Result again = host.start();
        assertThat(again).isEqualTo(new Result(0, "", ""));
        assertThat(host.daemon().orElseThrow().pid()).isNotEqualTo(first.pid());
        assertThat(host.xl("list").status()).isZero();
    }

    @Test
    void createDryRunPrintsTheConfigAndReadsItRelativeToTheClientsDirectory() throws Exception {
        Path dir = tmp.resolve("cfgs");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("web.cfg"), "name = \"web\"\ntype = \"pvh\"\nkernel = \"hello.elf\"\nmemory = 64\n");
        assertThat(host.start().status()).isZero();
        Result r = host.xl(dir, "create", "-n", "web.cfg", "memory=96");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("\"name\": \"web\"").contains("\"target_memkb\": 98304")
                .contains("\"kernel\": \"" + dir.resolve("hello.elf") + "\"");
        assertThat(r.stderr()).isEqualTo("Parsing config from web.cfg\n");
        Result missing = host.xl("create", "-n", "web.cfg");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.stderr()).contains("web.cfg");
    }

    @Test
    void aBadConfigNamesFileLineAndColumnAndTheDaemonCarriesOn() throws Exception {
        Files.writeString(tmp.resolve("bad.cfg"), "name = \"bad\"\nmemory = = 4\n");
        assertThat(host.start().status()).isZero();
        Result r = host.xl(tmp, "create", "bad.cfg");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.stderr()).contains("bad.cfg:2:");
        assertThat(host.xl("list").status()).isZero();
    }

    /** Open descriptors and threads of a process, from /proc. */
    static long[] fdsAndThreads(long pid) throws Exception {
        long fds;
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = s.count();
        }
        long threads = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("Threads:")).mapToLong(l -> Long.parseLong(l.substring(8).strip())).findFirst()
                .orElseThrow();
        return new long[] {fds, threads};
    }

    @Test
    void manyCommandsGoodAndBadLeaveNoDescriptorOrThreadBehind() throws Exception {
        Files.writeString(tmp.resolve("bad.cfg"), "name = \"bad\"\nmemory = = 4\n");
        assertThat(host.start().status()).isZero();
        long pid = host.daemon().orElseThrow().pid();
        List<List<String>> commands = List.of(List.of("list"), List.of("info"), List.of("create", "bad.cfg"),
                List.of("console", "nosuch"), List.of("destroy", "nosuch"), List.of("list", "-z"), List.of("help", "create"));
        for (List<String> c : commands) {
            host.xl(tmp, c.toArray(String[]::new));
        }
        long[] before = fdsAndThreads(pid);
        for (int i = 0; i < 200; i++) {
            List<String> c = commands.get(i % commands.size());
            Result r = host.xl(tmp, c.toArray(String[]::new));
            assertThat(r.status()).isBetween(0, 2);
        }
        long[] after = fdsAndThreads(pid);
        assertThat(after[0]).as("open descriptors of jxend after 200 xl commands").isLessThanOrEqualTo(before[0] + 2);
        assertThat(after[1]).as("threads of jxend after 200 xl commands").isLessThanOrEqualTo(before[1] + 2);
    }

    @Test
    void concurrentXlAndApiClientsAreAllServed() throws Exception {
        assertThat(host.start().status()).isZero();
        List<java.util.concurrent.Callable<Integer>> work = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean api = t % 2 == 0;
            work.add(() -> {
                int ok = 0;
                for (int i = 0; i < 15; i++) {
                    Result r = api
                            ? host.exec(List.of("curl", "-sS", "--unix-socket", host.apiSocket().toString(), "http://localhost/v1/domains"), null)
                            : host.xl("list");
                    if (r.status() == 0 && r.stdout().contains("Domain-0")) {
                        ok++;
                    }
                }
                return ok;
            });
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (var f : pool.invokeAll(work)) {
                assertThat(f.get()).isEqualTo(15);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void anUnknownDomainGetsXensMessage() throws Exception {
        assertThat(host.start().status()).isZero();
        Result r = host.xl("destroy", "nosuch");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.stderr()).contains("nosuch");
    }

    @Test
    void withoutKvmCreateSaysWhyAndTheDaemonCarriesOn() throws Exception {
        assumeTrue(HostAssume.kvmMissingReason() != null, "this host has KVM: XlDomainsIT creates real domains");
        Path kernel = TestGuests.pvh("hello");
        Files.writeString(tmp.resolve("hello.cfg"), "name = \"hello\"\ntype = \"pvh\"\nkernel = \"" + kernel + "\"\n");
        assertThat(host.start().status()).isZero();
        Result r = host.xl(tmp, "create", "hello.cfg");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.stderr()).contains("/dev/kvm");
        Result list = host.xl("list");
        assertThat(list.stdout().lines().count()).isEqualTo(2);
    }

    /** A disk image with a GRUB menu, made by mke2fs -d from a directory the test fills. */
    Path grubDisk(String name, String grubCfg, Path kernel) throws Exception {
        Path root = Files.createDirectories(tmp.resolve(name + "-root/boot/grub")).getParent().getParent();
        Files.writeString(root.resolve("boot/grub/grub.cfg"), grubCfg);
        if (kernel != null) {
            Files.copy(kernel, root.resolve("boot/hello.elf"));
        }
        Path img = tmp.resolve(name + ".img");
        Result r = host.exec(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-d", root.toString(), img.toString(), "16M"), null);
        assertThat(r.status()).as(r.stderr()).isZero();
        return img;
    }

    @Test
    void bootloaderPygrubReadsTheKernelFromTheFirstDisk() throws Exception {
        HostAssume.tool("mke2fs");
        Path broken = grubDisk("broken", "menuentry 'x' {\n linux /boot/nothere\n}\n", null);
        Files.writeString(tmp.resolve("pg.cfg"), "name = \"pg\"\ntype = \"pvh\"\nbootloader = \"pygrub\"\n"
                + "disk = [ \"" + broken + ",raw,xvda,rw\" ]\n");
        assertThat(host.start().status()).isZero();
        Result r = host.xl(tmp, "create", "pg.cfg");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.stderr()).contains("bootloader pygrub on disk xvda: the kernel /boot/nothere named by /boot/grub/grub.cfg"
                + " on the whole disk is not there");
        Path good = grubDisk("good", "menuentry 'hello' {\n linux /boot/hello.elf console=ttyS0\n}\n", TestGuests.pvh("hello"));
        Files.writeString(tmp.resolve("pg.cfg"), "name = \"pg\"\ntype = \"pvh\"\nbootloader = \"pygrub\"\nmemory = 64\n"
                + "disk = [ \"" + good + ",raw,xvda,rw\" ]\n");
        Result ok = host.xl(tmp, "create", "pg.cfg");
        if (HostAssume.kvmMissingReason() != null) {
            // Past the bootloader, the domain's machine needs KVM.
            assertThat(ok.status()).isEqualTo(1);
            assertThat(ok.stderr()).contains("/dev/kvm").doesNotContain("bootloader");
        } else {
            assertThat(ok.status()).as(ok.stderr()).isZero();
            assertThat(host.xl("list", "pg").status()).isZero();
            assertThat(host.xl("destroy", "pg").status()).isZero();
        }
        assertThat(host.xl("list").stdout().lines().count()).isEqualTo(2);
    }
}
