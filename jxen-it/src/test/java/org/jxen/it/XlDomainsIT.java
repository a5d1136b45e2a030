package org.jxen.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.jxen.testkit.HostAssume;
import org.jxen.testkit.JxendHost;
import org.jxen.testkit.JxendHost.Result;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real domains through {@code bin/xl} and jxend, with jxen's test guests (KVM: skipped, or
 * failed with {@code JXEN_REQUIRE_KVM=1}, where there is none): a guest runs and its console
 * log has its output; {@code xl list} and XenStore show it; the on_* actions; {@code xl
 * shutdown -w} through the ACPI power button; a core dump readelf reads; 20 domains at once.
 */
class XlDomainsIT {
    static final Duration WAIT = Duration.ofSeconds(120);
    @TempDir
    Path tmp;
    JxendHost host;

    @BeforeEach
    void host() throws Exception {
        HostAssume.kvm();
        host = new JxendHost(tmp);
        assertThat(host.start().status()).isZero();
    }

    @AfterEach
    void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    Path config(String name, String guest, String... lines) throws Exception {
        Path cfg = tmp.resolve(name + ".cfg");
        Files.writeString(cfg, "name = \"" + name + "\"\ntype = \"pvh\"\nkernel = \"" + TestGuests.pvh(guest) + "\"\nmemory = 64\n"
                + String.join("\n", lines) + "\n");
        return cfg;
    }

    void await(BooleanSupplier condition, String what) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + WAIT + " waiting until " + what + "\nxl list:\n"
                        + host.xl("list").stdout() + "\ndmesg:\n" + host.xl("dmesg").stdout());
            }
            Thread.sleep(20);
        }
    }

    String consoleLog(String name) throws Exception {
        Path log = host.logDir().resolve("console/guest-" + name + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    Result xl(String... args) {
        try {
            return host.xl(tmp, args);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aGuestRunsToItsEndAndIsPreservedWithItsTreeUntilDestroyed() throws Exception {
        config("hello", "hello", "on_poweroff = \"preserve\"");
        Result r = xl("create", "hello.cfg");
        assertThat(r.status()).as(r.stderr()).isZero();
        await(() -> xl("list", "hello").stdout().contains("---s--"), "hello has shut down");
        assertThat(consoleLog("hello")).contains("jxen-guest hello marker");
        Result name = host.exec(List.of("xenstore-read", "/local/domain/1/name"), null);
        assertThat(name.stdout()).isEqualTo("hello\n");
        assertThat(xl("list", "-v", "hello").stdout()).contains("        0");
        assertThat(xl("destroy", "hello").status()).isZero();
        assertThat(xl("list").stdout().lines().count()).isEqualTo(2);
        assertThat(host.exec(List.of("xenstore-read", "/local/domain/1/name"), null).status()).isNotZero();
    }

    @Test
    void shutdownDashWPressesThePowerButtonAndWaits() throws Exception {
        config("pb", "powerbutton");
        assertThat(xl("create", "pb.cfg").status()).isZero();
        await(() -> {
            try {
                return consoleLog("pb").contains("powerbutton: armed");
            } catch (Exception e) {
                return false;
            }
        }, "the guest armed its power button");
        Result r = xl("shutdown", "-w", "pb");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(consoleLog("pb")).contains("powerbutton: pressed");
        assertThat(xl("list").stdout()).doesNotContain("pb ");
    }

    @Test
    void aCrashWithCoredumpDestroyLeavesACoreReadelfReads() throws Exception {
        config("crash", "shutdown", "cmdline = \"action=pvpanic\"", "on_crash = \"coredump-destroy\"");
        assertThat(xl("create", "crash.cfg").status()).isZero();
        Path dump = host.stateDir().resolve("dump");
        await(() -> Files.isDirectory(dump) && xl("list").stdout().lines().count() == 2, "the domain crashed and went");
        try (var cores = Files.list(dump)) {
            Path core = cores.findFirst().orElseThrow();
            Result readelf = host.exec(List.of("readelf", "-h", "-l", core.toString()), null);
            assertThat(readelf.stdout()).contains("CORE (Core file)").contains("LOAD");
        }
    }

    @Test
    void rebootRestartsTheDomainWithTheSameId() throws Exception {
        config("rb", "shutdown", "cmdline = \"action=reboot\"", "on_reboot = \"restart\"");
        assertThat(xl("create", "rb.cfg").status()).isZero();
        await(() -> {
            try {
                return consoleLog("rb").split("jxen-guest shutdown", -1).length > 2;
            } catch (Exception e) {
                return false;
            }
        }, "the guest booted twice");
        assertThat(xl("domid", "rb").stdout()).isEqualTo("1\n");
    }

    @Test
    void twoHundredCreateDestroyRoundsLeaveNoDescriptorThreadOrMemoryBehind() throws Exception {
        config("loop", "shutdown", "cmdline = \"action=halt\"");
        long pid = host.daemon().orElseThrow().pid();
        for (int i = 0; i < 20; i++) {
            assertThat(xl("create", "loop.cfg").status()).isZero();
            assertThat(xl("destroy", "loop").status()).isZero();
        }
        long[] before = JxendIT.fdsAndThreads(pid);
        long rssBefore = rss(pid);
        for (int i = 0; i < 200; i++) {
            assertThat(xl("create", "loop.cfg").status()).isZero();
            assertThat(xl("destroy", "loop").status()).isZero();
        }
        long[] after = JxendIT.fdsAndThreads(pid);
        assertThat(after[0]).as("descriptors").isLessThanOrEqualTo(before[0] + 2);
        assertThat(after[1]).as("threads").isLessThanOrEqualTo(before[1] + 2);
        assertThat(rss(pid)).as("RSS without guest memory, KiB").isLessThan(rssBefore + 32 * 1024);
    }

    /** RssAnon + RssFile of a process, KiB: its own memory, not the guests' memfds (RssShmem). */
    static long rss(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("RssAnon:") || l.startsWith("RssFile:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).sum();
    }

    @Test
    void twentyDomainsAtOnceThenNoneLeft() throws Exception {
        for (int i = 0; i < 20; i++) {
            config("d" + i, "shutdown", "cmdline = \"action=halt\"");
            assertThat(xl("create", "d" + i + ".cfg").status()).isZero();
        }
        assertThat(xl("list").stdout().lines().count()).isEqualTo(22);
        for (int i = 0; i < 20; i++) {
            assertThat(xl("destroy", "d" + i).status()).isZero();
        }
        assertThat(xl("list").stdout().lines().count()).isEqualTo(2);
    }
}
