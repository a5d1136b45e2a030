package org.jxen.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jxen.testkit.GuestProcess;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each instruction of the {@code cpufeatures} guest does in guest ring 0, one VM per
 * feature, checked against a table kept in the tests ({@code cpu-features.tsv}): per feature
 * and per kind of KVM host it says whether the instruction runs, is hidden from CPUID, ends the
 * VM with jxen-run's crash message naming it, or raises #UD. So a feature that ran yesterday
 * and crashes today fails, and so does one that jxen hid yesterday and advertises today. On
 * hardware KVM everything advertised must run; on an emulated-supervisor KVM ({@code kvm_pvm})
 * the host answers most CPUID bits itself, and the table records what it was measured to do.
 */
class CpuFeaturesIT {
    static final Duration WAIT = Duration.ofSeconds(60);

    /** What one feature's instruction must do on one kind of host (see cpu-features.tsv). */
    enum Expect { RUNS, HIDDEN, CRASH, UD, UNMEASURED }

    record Expectation(Expect hardware, Expect emulated) {
        Expect on(String kind) {
            return kind.equals("hardware") ? hardware : emulated;
        }
    }

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

    /** The table, feature by feature, in file order. */
    static Map<String, Expectation> table() throws IOException {
        Map<String, Expectation> t = new LinkedHashMap<>();
        try (InputStream in = CpuFeaturesIT.class.getResourceAsStream("/cpu-features.tsv")) {
            assertThat(in).as("cpu-features.tsv on the test class path").isNotNull();
            int n = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                n++;
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] f = l.split("\\s+");
                if (f.length != 3) {
                    throw new IllegalStateException("cpu-features.tsv line " + n + ": expected 3 fields, got " + f.length + ": " + l);
                }
                t.put(f[0], new Expectation(Expect.valueOf(f[1].toUpperCase()), Expect.valueOf(f[2].toUpperCase())));
            }
        }
        return t;
    }

    /** What a run showed, in the table's terms (RUNS also for "not advertised"; see advertised). */
    static Expect observed(String n, Result r) {
        if (!r.stdout().contains("# advertised=1 name=" + n + " ")) {
            return Expect.HIDDEN;
        }
        if (r.status() == 3 && r.stderr().contains("KVM could not emulate the instruction at rip 0x")) {
            return Expect.CRASH;
        }
        if (r.status() == 0 && r.stdout().contains("not ok 1 - unexpected exception: vector=6 (#UD)")) {
            return Expect.UD;
        }
        if (r.status() == 0 && r.stdout().contains("ok 1 - " + n + " advertised and runs in ring 0")) {
            return Expect.RUNS;
        }
        return null;
    }

    @Test
    void theTableCoversExactlyTheGuestsFeatures() throws Exception {
        assertThat(table().keySet()).as("features in cpu-features.tsv vs the cpufeatures guest's list")
                .containsExactlyInAnyOrderElementsOf(names());
    }

    @TestFactory
    Stream<DynamicTest> eachFeatureDoesInRingZeroWhatTheTableSays() throws Exception {
        String kind = HostAssume.kvmKind();
        Map<String, Expectation> table = table();
        List<String> names = names();
        assertThat(names).hasSizeGreaterThan(40);
        return names.stream().map(n -> DynamicTest.dynamicTest(n, () -> {
            Expectation e = table.get(n);
            assertThat(e).as(n + " has a row in cpu-features.tsv").isNotNull();
            Expect want = e.on(kind);
            Result r = run(n);
            String all = "\n--- stdout:\n" + r.stdout() + "\n--- stderr:\n" + r.stderr();
            assertThat(r.stdout()).as("advertised line" + all).containsPattern("# advertised=[01] name=" + n + " ");
            Expect got = observed(n, r);
            assertThat(got).as(n + ": an outcome the table knows (runs, crash with jxen-run's message, #UD)" + all)
                    .isNotNull();
            if (want == Expect.UNMEASURED) {
                Assumptions.abort("skipped: no expectation recorded for " + n + " on " + kind
                        + " KVM in cpu-features.tsv; this run observed " + got.name().toLowerCase());
            }
            if (got == Expect.HIDDEN && want != Expect.HIDDEN) {
                // Not advertised: the host CPU may lack it; nothing ran, and the guest said so.
                assertThat(r.status()).as(all).isZero();
                assertThat(r.stdout()).contains("ok 1 - " + n + " not advertised");
                return;
            }
            assertThat(got).as(n + " on " + kind + " KVM (cpu-features.tsv)" + all).isEqualTo(want);
            if (got == Expect.CRASH) {
                assertThat(r.stderr()).as("the crash message names the instruction's bytes" + all).contains("(bytes ");
            }
        }));
    }

    @Test
    void everyAdvertisedFeatureRunsInRingThree() throws Exception {
        Result r = run("all-ring3");
        assertThat(r.status()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).doesNotContain("not ok").contains("jxen-guest cpufeatures end");
    }
}
