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
 * Boots each of jxen's test guests with the real {@code bin/jxen-run}: one test per run. Each
 * checks what the host sees — jxen-run's exit status and its closing message, and where the
 * case has one, a fact the host knows independently of the guest (the memory map adds up to
 * {@code --memory}, the vCPU count is {@code --vcpus}, the guest's RTC is the host's clock, the
 * command line and initrd are what was passed, the CPU vendor is the host's) — and that the
 * guest ran its own checks to the end with none failing (the failing lines are in the message).
 * The guest's own {@code ok} lines are not tests of their own: the count says how many runs
 * were checked, not how many lines were printed.
 */
class GuestSuiteIT {
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    @BeforeAll
    static void requireKvm() {
        HostAssume.kvm();
        TestGuests.ensureBuilt();
    }

    /**
     * One guest run: how to start it, what should happen, and (or null) a check of what the
     * host knows about the run beyond its exit status and closing message.
     */
    record Case(String name, Path kernel, List<String> args, int exitStatus, String endMessage,
                Consumer<Run> hostCheck, Consumer<GuestProcess> drive) {
        Case(String name, Path kernel, List<String> args, int exitStatus, String endMessage, Consumer<Run> hostCheck) {
            this(name, kernel, args, exitStatus, endMessage, hostCheck, null);
        }
    }

    /** What a run produced. */
    record Run(GuestResults results, String stdout, String stderr, int status, long hostEpochAtEnd) {}

    static Case guest(String name, String guest, boolean multiboot, int status, String end, String... args) {
        return new Case(name, multiboot ? TestGuests.multiboot(guest) : TestGuests.pvh(guest), List.of(args), status, end,
                null);
    }

    static Case withCheck(Case c, Consumer<Run> hostCheck) {
        return new Case(c.name(), c.kernel(), c.args(), c.exitStatus(), c.endMessage(), hostCheck, c.drive());
    }

    static Case driven(Case c, Consumer<GuestProcess> drive) {
        return new Case(c.name(), c.kernel(), c.args(), c.exitStatus(), c.endMessage(), c.hostCheck(), drive);
    }

    static Case bzImage(String name, int status, String end, String... args) {
        return new Case(name, TestGuests.path("bzstub.bzImage"), List.of(args), status, end, null);
    }

    /** The guest's memory map adds up to {@code --memory}. */
    static Consumer<Run> ramIs(long mib) {
        return r -> assertThat(r.stdout()).as("guest's RAM total vs --memory " + mib).containsPattern(
                "(?m)^# (e820_entries=\\d+ )?ram total_kib=" + mib * 1024 + "\r?$");
    }

    /** The guest saw the command line that was passed, byte for byte. */
    static Consumer<Run> cmdlineIs(String prefix, String cmdline) {
        return r -> assertThat(r.stdout()).as("command line as the guest saw it").contains(prefix + "\"" + cmdline + "\"");
    }

    /** The CPU vendor the guest reads in ring 0 is the host CPU's. */
    static void vendorIsTheHosts(Run r) {
        String host;
        try {
            host = java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("vendor_id")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(r.stdout()).as("CPU vendor seen by the guest vs the host's").contains("# cpuid vendor=" + host + " ");
    }

    static List<Case> cases() {
        String poweroff = "shut down: poweroff";
        List<Case> c = new ArrayList<>();
        c.add(withCheck(guest("hello (PVH)", "hello", false, 0, poweroff, "--cmdline", "a=1 b=two"),
                cmdlineIs("# boot=pvh cmdline=", "a=1 b=two").andThen(GuestSuiteIT::vendorIsTheHosts)));
        c.add(withCheck(guest("hello (Multiboot)", "hello", true, 0, poweroff, "--cmdline", "x=multiboot"),
                cmdlineIs("# boot=multiboot cmdline=", "x=multiboot")));
        for (String mib : new String[] {"16", "512", "4096", "5120"}) {
            c.add(withCheck(guest("memmap " + mib + " MiB (PVH)", "memmap", false, 0, poweroff,
                    "--memory", mib, "--cmdline", "expect_mib=" + mib), ramIs(Long.parseLong(mib))));
        }
        c.add(withCheck(guest("memmap 5120 MiB (Multiboot)", "memmap", true, 0, poweroff, "--memory", "5120", "--cmdline",
                "expect_mib=5120"), ramIs(5120)));
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
        // The machine has one PCI function today (the host bridge), reachable both ways.
        c.add(withCheck(guest("pci", "pci", false, 0, poweroff), r -> assertThat(r.stdout())
                .contains("# pci mechanisms cf8=1 ecam=1").contains("# pci functions=1")));
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
        c.add(guest("powerbutton: SIGTERM to a guest that does not listen destroys it", "shutdown", false, 5,
                "destroyed: SIGTERM, and the guest does not listen to the power button", "--cmdline", "action=halt"));
        c.add(withCheck(bzImage("bzImage: the Linux 64-bit boot protocol (bzstub)", 0, poweroff,
                "--memory", "256", "--cmdline", "expect_mib=256 expect_entry=64 hello=1"),
                ramIs(256).andThen(cmdlineIs("# cmdline=", "expect_mib=256 expect_entry=64 hello=1"))));
        c.add(withCheck(bzImage("bzImage: initrd and command line (bzstub)", 0, poweroff, "--memory", "128",
                "--initrd", initrd("jxen-initrd-magic 0123456789").toString(),
                "--cmdline", "expect_mib=128 initrd_magic=jxen-initrd-magic"), r -> {
                    assertThat(r.stdout()).contains("# cmdline=\"expect_mib=128 initrd_magic=jxen-initrd-magic\"");
                    // The initrd the guest found has the file's size and first bytes.
                    assertThat(r.stdout()).containsPattern("# initrd paddr=0x[0-9a-f]+ size=0x"
                            + Long.toHexString(INITRD_SIZE) + " first=\"jxen-initrd-magi\"");
                    if (HostAssume.kvmKind().equals("emulated")) {
                        assertThat(r.stderr()).as("warning for a Linux kernel on emulated KVM")
                                .contains("jxen-run: warning: booting a Linux kernel on an emulated-supervisor KVM host");
                    }
                }));
        c.add(withCheck(bzImage("bzImage: RAM above 4 GiB (bzstub)", 0, poweroff,
                "--memory", "5000", "--cmdline", "expect_mib=5000 expect_entry=64"), ramIs(5000)));
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

    static Stream<DynamicTest> runCase(Case c) {
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
        boolean cutShort = c.exitStatus() == 3 && c.name().startsWith("misbehave");
        // A guest that reboots until --timeout is cut off somewhere in its last boot.
        boolean lastBootCut = c.name().contains("boots it again");
        return Stream.of(DynamicTest.dynamicTest("exit status " + c.exitStatus() + ", \"" + c.endMessage() + "\""
                + (c.hostCheck() != null ? ", and what the host sees" : ""), () -> {
                    assertThat(run.status()).as("exit status" + describe(run)).isEqualTo(c.exitStatus());
                    assertThat(run.stderr()).as("jxen-run's message" + describe(run)).contains(c.endMessage());
                    assertThat(run.results().started()).as("start line" + describe(run)).isTrue();
                    List<String> failed = run.results().checks().stream().filter(k -> !k.ok()).map(Object::toString).toList();
                    assertThat(failed).as("the guest's failed checks" + describe(run)).isEmpty();
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
                        assertThat(run.results().checks()).as("the guest ran checks" + describe(run)).isNotEmpty();
                    }
                    if (c.hostCheck() != null) {
                        c.hostCheck().accept(run);
                    }
                }));
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

    /** Size of the initrd {@link #initrd} writes. */
    static final long INITRD_SIZE = "jxen-initrd-magic 0123456789".length() + 4096;

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
