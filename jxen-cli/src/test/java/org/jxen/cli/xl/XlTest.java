package org.jxen.cli.xl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class XlTest {
    @TempDir
    Path dir;
    XlHarness xl;

    @BeforeEach
    void start() throws Exception {
        xl = new XlHarness(dir);
        Files.writeString(dir.resolve("web.cfg"), "name = \"web\"\ntype = \"pvh\"\nkernel = \"web.elf\"\nmemory = 64\n"
                + "on_reboot = \"destroy\"\n");
    }

    @AfterEach
    void stop() {
        xl.close();
    }

    XlHarness.Result create() throws Exception {
        return xl.run(new XlHarness.MemoryStdio(new byte[0]), dir, new CompletableFuture<>(), "create", "-q", "web.cfg");
    }

    @Test
    void listPrintsXensColumns() throws Exception {
        assertThat(create().status()).isZero();
        XlHarness.Result r = xl.run("list");
        assertThat(r.status()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo("Name                                        ID   Mem VCPUs\tState\tTime(s)");
        assertThat(lines[1]).matches("Domain-0 {32}     0  4096     2     r-----  +\\d+\\.\\d");
        assertThat(lines[2]).isEqualTo("web                                          1    64     1     -b----       0.0");
        assertThat(xl.run("list", "web").out().split("\n")).hasSize(2);
        XlHarness.Result v = xl.run("list", "-v", "web");
        assertThat(v.out()).contains("   UUID                            Reason-Code\tSecurity Label")
                .containsPattern("-b----       0\\.0 [0-9a-f-]{36}        -                -");
    }

    @Test
    void listLongIsLibxlJson() throws Exception {
        create();
        XlHarness.Result r = xl.run("list", "--long");
        assertThat(r.out()).startsWith("[\n    {\n        \"domid\": 1,\n        \"config\": {")
                .contains("\"kernel\": \"" + dir.resolve("web.elf") + "\"");
    }

    @Test
    void createDryRunPrintsTheConfigWithOverrides() throws Exception {
        XlHarness.Result r = xl.run(new XlHarness.MemoryStdio(new byte[0]), dir, new CompletableFuture<>(), "create", "--dryrun",
                "web.cfg", "memory=128", "vcpus=2");
        assertThat(r.status()).isZero();
        assertThat(r.err()).isEqualTo("Parsing config from web.cfg\n");
        assertThat(r.out()).isEqualTo("""
                {
                    "domid": null,
                    "config": {
                        "c_info": {
                            "type": "pvh",
                            "name": "web"
                        },
                        "b_info": {
                            "max_vcpus": 2,
                            "avail_vcpus": [
                                0,
                                1
                            ],
                            "max_memkb": 131072,
                            "target_memkb": 131072,
                            "kernel": "%s",
                            "type.pvh": { }
                        },
                        "on_poweroff": "destroy",
                        "on_reboot": "destroy",
                        "on_watchdog": "destroy",
                        "on_crash": "destroy"
                    }
                }
                """.formatted(dir.resolve("web.elf")));
        assertThat(xl.run("list").out().lines().count()).as("nothing created").isEqualTo(2);
    }

    @Test
    void createErrorsNameTheFileAndLine() throws Exception {
        XlHarness.Result missing = xl.run(new XlHarness.MemoryStdio(new byte[0]), dir, new CompletableFuture<>(), "create",
                "nope.cfg");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.cfg").contains("Failed to read config file: No such file or directory");
        Files.writeString(dir.resolve("bad.cfg"), "name = \"bad\"\nmemory = = 3\n");
        XlHarness.Result bad = xl.run(new XlHarness.MemoryStdio(new byte[0]), dir, new CompletableFuture<>(), "create", "bad.cfg");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("bad.cfg:2:");
        XlHarness.Result dup = create();
        assertThat(dup.status()).isZero();
        assertThat(create().err()).contains("domain with name \"web\" already exists");
    }

    @Test
    void exitStatusesAndMessagesAreXens() throws Exception {
        assertThat(xl.run("destroy", "nosuch")).isEqualTo(new XlHarness.Result(1, "", "nosuch is an invalid domain identifier (rc=-6)\n"));
        assertThat(xl.run("bogus")).isEqualTo(new XlHarness.Result(1, "", "command not implemented\n"));
        XlHarness.Result missing = xl.run("destroy");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).startsWith("'xl destroy' requires at least 1 argument.\n");
        assertThat(missing.out()).startsWith("Usage: xl [-vf] destroy <Domain>");
        XlHarness.Result badOpt = xl.run("list", "-z");
        assertThat(badOpt.status()).isEqualTo(2);
        assertThat(badOpt.err()).isEqualTo("xl list: invalid option -- 'z'\n");
        assertThat(xl.run("destroy", "0").err()).isEqualTo("Cannot destroy privileged domain 0.\n");
        assertThat(xl.run("-N", "list").err()).isEqualTo("command does not implement -N (dryrun) option\n");
        assertThat(xl.run("domid", "nosuch").err())
                .isEqualTo("Can't get domid of domain name 'nosuch', maybe this domain does not exist.\n");
        assertThat(xl.run("domname", "x").err()).isEqualTo("Invalid domain id.\n\n");
        assertThat(xl.run("mem-set", "0", "100").status()).isEqualTo(1);
    }

    @Test
    void uniquePrefixesNameCommands() throws Exception {
        assertThat(xl.run("li").out()).startsWith("Name ");
        assertThat(xl.run("d").err()).isEqualTo("command not implemented\n");
        assertThat(xl.run("dmes").status()).isZero();
    }

    @Test
    void helpComesFromTheTable() throws Exception {
        XlHarness.Result all = xl.run("help");
        assertThat(all.out()).startsWith("Usage xl [-vfN] <subcommand> [args]\n\nxl full list of subcommands:\n\n"
                + " create              Create a domain from config file <filename>\n");
        for (XlCommand c : Xl.COMMANDS) {
            assertThat(all.out()).contains(" " + c.name() + " ");
            assertThat(c.description()).isNotBlank();
            if (c.name().equals("help")) {
                continue;
            }
            XlHarness.Result one = xl.run(c.name(), "-h");
            assertThat(one.status()).isZero();
            assertThat(one.out()).startsWith("Usage: xl [-v").contains("] " + c.name() + " ");
        }
        assertThat(xl.run("help", "create").out()).startsWith("Usage: xl [-vfN] create <ConfigFile> [options] [vars]\n\n"
                + "Create a domain from config file <filename>.\n\nOptions:\n\n");
        assertThat(xl.run("-h").status()).isZero();
    }

    @Test
    void infoUptimeDomidAndDomname() throws Exception {
        create();
        assertThat(xl.run("info").out()).startsWith("host                   : ").contains("\nnr_cpus                : 2\n");
        assertThat(xl.run("info", "nr_cpus").out()).isEqualTo("nr_cpus                : 2\n");
        assertThat(xl.run("domid", "web").out()).isEqualTo("1\n");
        assertThat(xl.run("domname", "1").out()).isEqualTo("web\n");
        String up = xl.run("uptime", "web").out();
        assertThat(up).matches("Name {32}ID Uptime\nweb {34}1  0:00:0\\d\n");
        assertThat(Info.uptime(2 * 86400 + 3 * 3600 + 4 * 60 + 5, false)).isEqualTo("2 days,  3:04:05");
        assertThat(Info.uptime(86400 + 60, true)).isEqualTo("1 day,  0:01");
        assertThat(xl.run("top", "-b", "-i", "1").out()).contains("      NAME  STATE   CPU(sec)").contains("       web -b----");
    }

    @Test
    void blockAndNetworkListsShowTheDomainsDevices() throws Exception {
        Files.writeString(dir.resolve("dev.cfg"), "name = \"dev\"\ntype = \"pvh\"\nkernel = \"k\"\n"
                + "disk = [ '/img/a.raw,raw,xvda,w', '/img/b.qcow2,qcow2,xvdb,r' ]\nvif = [ 'mac=00:16:3e:00:00:01' ]\n");
        assertThat(xl.run(new XlHarness.MemoryStdio(new byte[0]), dir, new CompletableFuture<>(), "create", "-q", "dev.cfg")
                .status()).isZero();
        String blocks = xl.run("block-list", "dev").out();
        assertThat(blocks.lines().toList()).containsExactly(
                "Vdev  BE  handle state evt-ch ring-ref BE-path                       ",
                "51712 0   51712  4     -1     -1       /local/domain/0/backend/vbd/1/51712",
                "51728 0   51728  4     -1     -1       /local/domain/0/backend/vbd/1/51728");
        assertThat(xl.run("network-list", "dev").out()).startsWith("Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref")
                .contains("0   0  00:16:3e:00:00:01 0      4     -1        -1/-1          /local/domain/0/backend/vif/1/0");
        assertThat(xl.run("block-list", "nosuch").status()).isEqualTo(1);
    }

    @Test
    void topOnATerminalRedrawsAScreenUntilQ() throws Exception {
        create();
        XlHarness.MemoryStdio io = new XlHarness.MemoryStdio(new byte[] {'q'});
        io.terminal = true;
        XlHarness.Result r = xl.run(io, dir, new CompletableFuture<>(), "top", "-d", "30");
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("\033[H\033[2J").contains("2 domains").contains("       web -b----").contains("q Quit");
        assertThat(io.raw).as("raw mode restored").isFalse();
        XlHarness.MemoryStdio pipe = new XlHarness.MemoryStdio(new byte[0]);
        assertThat(xl.run(pipe, dir, new CompletableFuture<>(), "top", "-i", "1").out()).as("no terminal: batch")
                .startsWith("      NAME  STATE");
    }

    @Test
    void consoleShowsTheBootMessagesPassesInputAndLeavesOnCtrlBracket() throws Exception {
        create();
        byte[] input = {'l', 's', '\r', 0x1d, 'x'};
        XlHarness.MemoryStdio io = new XlHarness.MemoryStdio(input);
        XlHarness.Result r = xl.run(io, dir, new CompletableFuture<>(), "console", "web");
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("booted web\n");
        assertThat(xl.typed.toString()).isEqualTo("ls\r");
        assertThat(io.raw).as("raw mode restored").isFalse();
    }

    @Test
    void consoleEndsWhenTheDomainGoesOrTheClientLeaves() throws Exception {
        create();
        XlHarness.MemoryStdio io = new XlHarness.MemoryStdio(null);
        CompletableFuture<XlHarness.Result> r = CompletableFuture.supplyAsync(() -> {
            try {
                return xl.run(io, dir, new CompletableFuture<>(), "console", "web");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!io.out.toString(StandardCharsets.UTF_8).contains("booted web")) {
            assertThat(System.nanoTime()).as("the console attached").isLessThan(end);
            Thread.sleep(5);
        }
        xl.run("destroy", "web");
        assertThat(r.get(20, TimeUnit.SECONDS).status()).isZero();

        create();
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        XlHarness.MemoryStdio io2 = new XlHarness.MemoryStdio(null);
        CompletableFuture<XlHarness.Result> r2 = CompletableFuture.supplyAsync(() -> {
            try {
                return xl.run(io2, dir, cancelled, "console", "web");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // The launcher's side of a client that went away: cancelled, and its input ends.
        cancelled.complete(null);
        io2.endInput();
        assertThat(r2.get(20, TimeUnit.SECONDS).status()).isZero();
    }

    @Test
    void shutdownWaitsUntilTheDomainIsGone() throws Exception {
        create();
        XlHarness.Result r = xl.run("shutdown", "-w", "web");
        assertThat(r.status()).isZero();
        assertThat(r.err()).isEqualTo("Shutting down domain 1\nWaiting for 1 domains\nAll domains have been shut down\n");
        assertThat(xl.run("list").out().lines().count()).isEqualTo(2);
    }

    @Property(tries = 200)
    void anyArgumentsGiveAStatusAndNeverAnException(@ForAll @Size(max = 5) java.util.List<@net.jqwik.api.constraints.StringLength(max = 12) String> argv)
            throws Exception {
        try (XlHarness h = new XlHarness(Files.createTempDirectory("xl-prop"))) {
            XlHarness.Result r = h.run(argv.toArray(String[]::new));
            assertThat(r.status()).isBetween(0, 2);
            assertThat(r.err()).doesNotContain("internal error").doesNotContain("Exception");
        }
    }
}
