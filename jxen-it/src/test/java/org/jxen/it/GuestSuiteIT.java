package org.jxen.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.jxen.testkit.GuestProcess;
import org.jxen.testkit.GuestResults;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Boots each of jxen's test guests with the real {@code bin/jxen-run} and turns every result
 * line the guest prints into its own test, so a failure names the guest and the check. Each
 * guest run also checks jxen-run's exit status and what it said about the ending.
 */
class GuestSuiteIT {
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    @BeforeAll
    static void requireKvm() {
        HostAssume.kvm();
        TestGuests.ensureBuilt();
    }

    /** One guest run: how to start it, what should happen, and extra checks on the output. */
    record Case(String name, Path kernel, List<String> args, int exitStatus, String endMessage,
                Consumer<Run> extra, Consumer<GuestProcess> drive) {
        Case(String name, Path kernel, List<String> args, int exitStatus, String endMessage, Consumer<Run> extra) {
            this(name, kernel, args, exitStatus, endMessage, extra, null);
        }
    }

    /** What a run produced. */
    record Run(GuestResults results, String stdout, String stderr, int status, long hostEpochAtEnd) {}

    static Case guest(String name, String guest, boolean multiboot, int status, String end, String... args) {
        return new Case(name, multiboot ? TestGuests.multiboot(guest) : TestGuests.pvh(guest), List.of(args), status, end,
                r -> {});
    }

    static Case withCheck(Case c, Consumer<Run> extra) {
        return new Case(c.name(), c.kernel(), c.args(), c.exitStatus(), c.endMessage(), extra, c.drive());
    }

    static Case driven(Case c, Consumer<GuestProcess> drive) {
        return new Case(c.name(), c.kernel(), c.args(), c.exitStatus(), c.endMessage(), c.extra(), drive);
    }

    static Case bzImage(String name, int status, String end, String... args) {
        return new Case(name, TestGuests.path("bzstub.bzImage"), List.of(args), status, end, r -> {});
    }

    static List<Case> cases() {
        String poweroff = "shut down: poweroff";
        List<Case> c = new ArrayList<>();
        c.add(guest("hello (PVH)", "hello", false, 0, poweroff, "--cmdline", "a=1 b=two"));
        c.add(guest("hello (Multiboot)", "hello", true, 0, poweroff));
        for (String mib : new String[] {"16", "512", "4096", "5120"}) {
            c.add(withCheck(guest("memmap " + mib + " MiB (PVH)", "memmap", false, 0, poweroff,
                    "--memory", mib, "--cmdline", "expect_mib=" + mib), r -> assertThat(r.stdout())
                    .contains("# ram total_kib=" + Long.parseLong(mib) * 1024)));
        }
        c.add(guest("memmap 5120 MiB (Multiboot)", "memmap", true, 0, poweroff, "--memory", "5120", "--cmdline",
                "expect_mib=5120"));
        for (String n : new String[] {"1", "2", "8"}) {
            c.add(withCheck(guest("smp " + n + " vCPUs", "smp", false, 0, poweroff, "--vcpus", n, "--cmdline",
                    "expect_cpus=" + n), r -> assertThat(r.stdout()).contains("# smp listed=" + n + " online=" + n)));
        }
        c.add(withCheck(guest("rtc", "rtc", false, 0, poweroff), r -> {
            String v = r.results().valueAfter("rtc: epoch=");
            assertThat(v).as("rtc: epoch= line").isNotNull();
            assertThat(Math.abs(Long.parseLong(v) - r.hostEpochAtEnd())).as("guest RTC vs host clock, seconds")
                    .isLessThanOrEqualTo(5);
        }));
        c.add(guest("pci", "pci", false, 0, poweroff));
        c.add(guest("ring3", "ring3", false, 0, poweroff));
        c.add(guest("shutdown: poweroff", "shutdown", false, 0, poweroff, "--cmdline", "action=poweroff"));
        c.add(guest("shutdown: reboot, --on-reboot destroy", "shutdown", false, 2, "shut down: reboot",
                "--on-reboot", "destroy", "--cmdline", "action=reboot"));
        c.add(guest("shutdown: pvpanic", "shutdown", false, 3, "shut down: crash (the guest reported a kernel panic (pvpanic))",
                "--cmdline", "action=pvpanic"));
        c.add(guest("shutdown: triple fault", "shutdown", false, 3, "shut down: crash (jxen-run-vcpu0: triple fault at rip 0x",
                "--cmdline", "action=triplefault"));
        c.add(guest("shutdown: halt until --timeout", "shutdown", false, 4, "timeout after 3 s",
                "--timeout", "3", "--cmdline", "action=halt"));
        for (String reset : new String[] {"reset-acpi", "reset-cf9", "reset-i8042"}) {
            c.add(guest("shutdown: " + reset + ", --on-reboot destroy", "shutdown", false, 2,
                    "shut down: reboot (the guest reset the machine)", "--on-reboot", "destroy", "--cmdline", "action=" + reset));
        }
        c.add(withCheck(guest("shutdown: reboot, --on-reboot restart boots it again", "shutdown", false, 4,
                "rebooting (the guest reset the machine)", "--timeout", "8", "--cmdline", "action=reboot"),
                r -> assertThat(r.stdout().split("jxen-guest shutdown start", -1).length - 1).as("boots").isGreaterThanOrEqualTo(2)));
        c.add(driven(guest("powerbutton: SIGTERM presses the ACPI power button", "powerbutton", false, 0,
                "shut down: poweroff", "--cmdline", "wait_ms=30000"), p -> {
                    try {
                        p.awaitOutput("^powerbutton: armed", RUN_TIMEOUT);
                        p.terminate();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }));
        c.add(withCheck(guest("powerbutton: SIGTERM to a guest that does not listen destroys it", "shutdown", false, 5,
                "destroyed: SIGTERM, and the guest does not listen to the power button", "--cmdline", "action=halt"),
                r -> { }));
        c.add(bzImage("bzImage: the Linux 64-bit boot protocol (bzstub)", 0, poweroff,
                "--memory", "256", "--cmdline", "expect_mib=256 expect_entry=64 hello=1"));
        c.add(withCheck(bzImage("bzImage: initrd and command line (bzstub)", 0, poweroff, "--memory", "128",
                "--initrd", initrd("jxen-initrd-magic 0123456789").toString(),
                "--cmdline", "expect_mib=128 initrd_magic=jxen-initrd-magic"), r -> {
                    assertThat(r.stdout()).contains("# cmdline=\"expect_mib=128 initrd_magic=jxen-initrd-magic\"");
                    if (HostAssume.kvmKind().equals("emulated")) {
                        assertThat(r.stderr()).as("warning for a Linux kernel on emulated KVM")
                                .contains("jxen-run: warning: booting a Linux kernel on an emulated-supervisor KVM host");
                    }
                }));
        c.add(bzImage("bzImage: RAM above 4 GiB (bzstub)", 0, poweroff,
                "--memory", "5000", "--cmdline", "expect_mib=5000 expect_entry=64"));
        c.add(withCheck(guest("misbehave: unmapped MMIO", "misbehave", false, 0, poweroff, "--cmdline", "do=mmio"),
                r -> assertThat(r.stderr()).contains("jxen-run: warning: guest read 4 byte(s) from unassigned MMIO 0x")));
        c.add(withCheck(guest("misbehave: unassigned ports", "misbehave", false, 0, poweroff, "--cmdline", "do=ports"),
                r -> assertThat(r.stderr()).contains("to unassigned port 0xee")));
        c.add(guest("misbehave: ldmxcsr in ring 0", "misbehave", false, 3,
                "KVM could not emulate the instruction at rip 0x", "--cmdline", "do=ldmxcsr"));
        c.add(guest("misbehave: vmcall in ring 0", "misbehave", false, 3, "stuck on vmcall at rip 0x",
                "--cmdline", "do=vmcall"));
        c.add(guest("misbehave: vmmcall in ring 0", "misbehave", false, 3, "(bytes 0f 01 c1): this host's KVM never returns",
                "--cmdline", "do=vmmcall"));
        c.add(guest("misbehave: triple fault", "misbehave", false, 3, "triple fault", "--cmdline", "do=triplefault"));
        return c;
    }

    @TestFactory
    Stream<DynamicNode> guests() {
        boolean emulated = HostAssume.kvmKind().equals("emulated");
        return cases().stream()
                // vmcall only hangs where ring 0 is emulated; on hardware KVM answers it.
                .filter(c -> emulated || !c.name().contains("vmcall") && !c.name().contains("vmmcall")
                        && !c.name().contains("ldmxcsr"))
                .map(c -> DynamicContainer.dynamicContainer(c.name(), Stream.of(c).flatMap(GuestSuiteIT::runCase)));
    }

    static Stream<DynamicNode> runCase(Case c) {
        Run run;
        try {
            Consumer<GuestProcess> drive = c.drive();
            if (drive == null && c.name().contains("does not listen")) {
                drive = p -> {
                    try {
                        p.awaitOutput("^jxen-guest shutdown end", RUN_TIMEOUT);
                        p.terminate();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                };
            }
            run = boot(c.kernel(), c.args(), drive);
        } catch (Exception | AssertionError e) {
            return Stream.of(DynamicTest.dynamicTest("boots", () -> {
                throw e;
            }));
        }
        List<DynamicNode> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("exit status " + c.exitStatus() + " and jxen-run says \"" + c.endMessage() + "\"",
                () -> {
                    assertThat(run.status()).as("exit status" + describe(run)).isEqualTo(c.exitStatus());
                    assertThat(run.stderr()).as("jxen-run's message" + describe(run)).contains(c.endMessage());
                }));
        boolean cutShort = c.exitStatus() == 3 && c.name().startsWith("misbehave");
        // A guest that reboots until --timeout is cut off somewhere in its last boot.
        boolean lastBootCut = c.name().contains("boots it again");
        tests.add(DynamicTest.dynamicTest(cutShort ? "guest was stopped where it misbehaved" : "guest ran its checks to the end",
                () -> {
                    assertThat(run.results().started()).as("start line" + describe(run)).isTrue();
                    if (cutShort) {
                        // The guest announces the step; the machine must end right there, not later.
                        assertThat(run.results().lines()).as("last guest line" + describe(run))
                                .anyMatch(l -> l.startsWith("misbehave: about to "));
                        assertThat(run.results().endPassed()).as("no end line" + describe(run)).isNull();
                    } else if (lastBootCut) {
                        assertThat(run.stdout()).as("a boot ran to its end line" + describe(run))
                                .contains("jxen-guest shutdown end passed=1 failed=0");
                    } else {
                        assertThat(run.results().complete()).as("end line agrees with the checks" + describe(run)).isTrue();
                    }
                }));
        for (GuestResults.Check check : run.results().checks()) {
            tests.add(DynamicTest.dynamicTest(check.toString(), () -> assertThat(check.ok()).as(check + describe(run)).isTrue()));
        }
        tests.add(DynamicTest.dynamicTest("extra checks", () -> c.extra().accept(run)));
        return tests.stream();
    }

    static Run boot(Path kernel, List<String> args, Consumer<GuestProcess> drive) throws Exception {
        List<String> all = new ArrayList<>(List.of("--kernel", kernel.toString()));
        all.addAll(args);
        if (!args.contains("--timeout")) {
            all.addAll(List.of("--timeout", "60"));
        }
        try (GuestProcess p = GuestProcess.start("jxen-run", all, Map.of())) {
            if (drive != null) {
                drive.accept(p);
            }
            int status = p.awaitExit(RUN_TIMEOUT);
            long epoch = System.currentTimeMillis() / 1000;
            return new Run(GuestResults.parse(p.stdout()), p.stdout(), p.stderr(), status, epoch);
        }
    }

    static Path initrd(String content) {
        try {
            Path f = java.nio.file.Files.createTempFile("jxen-initrd", ".img");
            f.toFile().deleteOnExit();
            java.nio.file.Files.writeString(f, content + "\n".repeat(4096));
            return f;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String describe(Run r) {
        return "\n--- stdout:\n" + r.stdout() + "\n--- stderr:\n" + r.stderr();
    }
}
