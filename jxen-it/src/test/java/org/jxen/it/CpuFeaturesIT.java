package org.jxen.it;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.jxen.testkit.GuestProcess;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the guest's CPUID advertises against what its ring 0 can execute, one VM per feature
 * (the {@code cpufeatures} guest runs one representative instruction of each advertised
 * feature in ring 0). On hardware KVM every advertised feature must run. On an
 * emulated-supervisor KVM the host answers most CPUID bits itself, whatever the VMM sets, so a
 * feature may be advertised that its ring-0 emulator cannot run: then the guest must end with
 * reason crash and jxen-run's message naming the instruction (or the guest sees #UD), never a
 * hang or a jxen error; and the bits the host does let jxen clear (CMPXCHG16B) must be cleared.
 */
class CpuFeaturesIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    /** Features jxen hides on an emulated-supervisor host and that host lets it hide. */
    static final Set<String> MASKED_ON_EMULATED = Set.of("cx16");

    @BeforeAll
    static void requireKvm() {
        HostAssume.kvm();
        TestGuests.ensureBuilt();
    }

    record Result(int status, String stdout, String stderr) {}

    static Result run(String insn) throws Exception {
        try (GuestProcess p = GuestProcess.start("jxen-run", List.of("--kernel", TestGuests.pvh("cpufeatures").toString(),
                "--timeout", "30", "--cmdline", "insn=" + insn), Map.of())) {
            p.closeInput();
            return new Result(p.awaitExit(WAIT), p.stdout(), p.stderr());
        }
    }

    static List<String> names() throws Exception {
        Result r = run("list");
        String line = r.stdout().lines().filter(l -> l.startsWith("# names: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no '# names:' line\n" + r.stdout()));
        return Arrays.stream(line.substring("# names: ".length()).trim().split("\\s+"))
                .filter(n -> !n.equals("all-ring3")).toList();
    }

    @TestFactory
    Stream<DynamicTest> eachAdvertisedFeatureRunsInRingZeroOrEndsWithACleanCrash() throws Exception {
        boolean emulated = HostAssume.kvmKind().equals("emulated");
        List<String> names = names();
        assertThat(names).hasSizeGreaterThan(40);
        return names.stream().map(n -> DynamicTest.dynamicTest(n, () -> {
            Result r = run(n);
            String all = "\n--- stdout:\n" + r.stdout() + "\n--- stderr:\n" + r.stderr();
            boolean advertised = r.stdout().contains("# advertised=1 name=" + n + " ");
            assertThat(r.stdout()).as("advertised line" + all).containsPattern("# advertised=[01] name=" + n + " ");
            if (emulated && MASKED_ON_EMULATED.contains(n)) {
                assertThat(advertised).as(n + " is hidden on emulated-supervisor hosts" + all).isFalse();
            }
            if (!advertised) {
                assertThat(r.status()).as(all).isZero();
                assertThat(r.stdout()).contains("ok 1 - " + n + " not advertised");
                return;
            }
            if (r.status() == 0 && emulated && r.stdout().contains("not ok 1 - unexpected exception: vector=6 (#UD)")) {
                // The emulator answers some instructions it does not know (movbe) with #UD.
                return;
            }
            if (r.status() == 0) {
                assertThat(r.stdout()).as(all).contains("ok 1 - " + n + " advertised and runs in ring 0");
                return;
            }
            assertThat(emulated).as(n + " is advertised but does not run in ring 0 on hardware KVM" + all).isTrue();
            assertThat(r.status()).as("exit status: crash" + all).isEqualTo(3);
            assertThat(r.stderr()).as(all).contains("KVM could not emulate the instruction at rip 0x")
                    .contains("(bytes ");
        }));
    }

    @Test
    void everyAdvertisedFeatureRunsInRingThree() throws Exception {
        Result r = run("all-ring3");
        assertThat(r.status()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).doesNotContain("not ok").contains("jxen-guest cpufeatures end");
    }
}
