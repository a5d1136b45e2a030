package org.jxen.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

import org.jxen.testkit.Checkout;
import org.jxen.testkit.ConsoleDriver;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.LinuxImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * jxen's default Linux guest (Debian's cloud kernel and the busybox initramfs made by
 * {@code bin/jxen-linux-image}) booted by {@code bin/jxen-run}, driven through its serial console:
 * the banner, the shell, what the guest sees of the machine (vCPUs, memory, clock), and each way
 * it can end (power-off, reboot, crash through pvpanic, the ACPI power button) with jxen-run's
 * exit status.
 *
 * <p>Needs hardware KVM: on an emulated-supervisor host (kvm_pvm) each test is skipped with the
 * reason, or fails under {@code JXEN_LINUX_E2E=1}.
 */
class LinuxBootIT {
    static final int MEMORY_MIB = 512;
    /** Debian's kernel reaches the shell in about a second on hardware KVM; this is generous. */
    static final Duration BOOT = Duration.ofMinutes(2);
    static final Duration STEP = Duration.ofSeconds(30);
    static final Duration EXIT = Duration.ofSeconds(60);

    /** Skips unless this host can boot Linux, then prepares the image (cached after the first). */
    private static LinuxImage image() throws Exception {
        HostAssume.linuxCapableHost();
        return LinuxImage.prepare();
    }

    private static ConsoleDriver boot(LinuxImage image, int vcpus, String onReboot) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Checkout.bin("jxen-run").toString(),
                "--kernel", image.kernel().toString(), "--initrd", image.initrd().toString(),
                "--cmdline", image.cmdline(), "--memory", Integer.toString(MEMORY_MIB),
                "--vcpus", Integer.toString(vcpus), "--on-reboot", onReboot, "--timeout", "600",
                "--name", "linux-it-" + vcpus));
        return ConsoleDriver.start(cmd, Map.of(), Checkout.root());
    }

    /** Waits for the kernel's banner and then the initramfs's marker (the shell is up). */
    private static void awaitShell(ConsoleDriver c, LinuxImage image) throws Exception {
        c.expect("Linux version " + Pattern.quote(image.version()) + " ", BOOT);
        c.expect("^jxen-linux: ready$", BOOT);
    }

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2})
    void bootsToAShellThatSeesTheMachineAndPowersOff(int vcpus) throws Exception {
        LinuxImage image = image();
        try (ConsoleDriver c = boot(image, vcpus, "destroy")) {
            awaitShell(c, image);

            assertThat(c.run("nproc", STEP).strip()).as(c.describe()).isEqualTo(Integer.toString(vcpus));

            String meminfo = c.run("cat /proc/meminfo", STEP);
            MatchResult total = Pattern.compile("MemTotal:\\s+(\\d+) kB").matcher(meminfo).results().findFirst()
                    .orElseThrow(() -> new AssertionError("no MemTotal in /proc/meminfo" + c.describe()));
            long kib = Long.parseLong(total.group(1));
            // The kernel's own code, data and reserved areas come off the top: most of it remains.
            assertThat(kib).as("MemTotal (kB) with --memory " + MEMORY_MIB + c.describe())
                    .isBetween(MEMORY_MIB * 1024L * 80 / 100, MEMORY_MIB * 1024L);

            // The clock comes from jxen's CMOS RTC (UTC).
            long guest = Long.parseLong(c.run("date +%s", STEP).strip());
            assertThat(guest).as("guest clock vs host" + c.describe()).isCloseTo(Instant.now().getEpochSecond(), within(60L));

            // A command typed on the console runs and answers.
            assertThat(c.run("uname -r", STEP).strip()).as(c.describe()).isEqualTo(image.version());
            assertThat(c.run("echo jxen | tr a-z A-Z", STEP).strip()).as(c.describe()).isEqualTo("JXEN");
            assertThat(c.run("cat /proc/cmdline", STEP)).as(c.describe()).contains(image.cmdline());

            c.sendLine("poweroff -f");
            assertThat(c.awaitExit(EXIT)).as("jxen-run exit status after poweroff -f" + c.describe()).isZero();
            assertThat(c.transcript()).contains("shut down: poweroff");
        }
    }

    @Test
    void rebootWithOnRebootDestroyEndsWithStatus2() throws Exception {
        LinuxImage image = image();
        try (ConsoleDriver c = boot(image, 1, "destroy")) {
            awaitShell(c, image);
            c.sendLine("reboot -f");
            assertThat(c.awaitExit(EXIT)).as("jxen-run exit status after reboot -f" + c.describe()).isEqualTo(2);
            assertThat(c.transcript()).contains("shut down: reboot");
        }
    }

    @Test
    void rebootWithOnRebootRestartBootsAgain() throws Exception {
        LinuxImage image = image();
        try (ConsoleDriver c = boot(image, 2, "restart")) {
            awaitShell(c, image);
            c.sendLine("reboot -f");
            c.expect("rebooting", STEP);
            awaitShell(c, image);
            assertThat(c.run("nproc", STEP).strip()).as(c.describe()).isEqualTo("2");
            c.sendLine("poweroff -f");
            assertThat(c.awaitExit(EXIT)).as("jxen-run exit status after poweroff -f" + c.describe()).isZero();
        }
    }

    @Test
    void sigtermPressesThePowerButtonAndTheGuestPowersOff() throws Exception {
        LinuxImage image = image();
        try (ConsoleDriver c = boot(image, 1, "destroy")) {
            awaitShell(c, image);
            // jxen-run turns SIGTERM into the ACPI power button; the guest's acpid runs poweroff.
            c.process().destroy();
            c.expect("^jxen-linux: power button", STEP);
            assertThat(c.awaitExit(EXIT)).as("jxen-run exit status after the power button" + c.describe()).isZero();
            assertThat(c.transcript()).contains("shut down: poweroff");
        }
    }

    @Test
    void sysrqCrashReachesJxenThroughPvpanicAndEndsWithStatus3() throws Exception {
        LinuxImage image = image();
        // --on-reboot destroy: without pvpanic, panic=-1 would look like a reboot (status 2).
        try (ConsoleDriver c = boot(image, 2, "destroy")) {
            awaitShell(c, image);
            assertThat(c.run("ls /sys/bus/platform/drivers/pvpanic-mmio/", STEP))
                    .as("pvpanic-mmio bound to jxen's QEMU0001 device" + c.describe()).contains("QEMU0001");
            c.sendLine("echo c > /proc/sysrq-trigger");
            c.expect("Kernel panic - not syncing", STEP);
            assertThat(c.awaitExit(EXIT)).as("jxen-run exit status after a kernel panic" + c.describe()).isEqualTo(3);
            assertThat(c.transcript()).contains("shut down: crash");
        }
    }
}
