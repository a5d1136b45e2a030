package org.jxen.toolstack.config;

import java.nio.charset.StandardCharsets;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever the input, the parsers either return or throw a {@link ConfigException} whose
 * location is inside the input and whose every report line is one line: no other exception, no
 * hang, no location outside the text.
 */
class MalformedInputTest {
    /** A valid config to mutate: every construct once. */
    private static final String SEED = """
            # a guest
            name = "web"; type = 'pvh'
            memory = 0x200
            vcpus = 2
            cpus = ["0-3,^1", "nodes:0"]
            disk = [ 'format=raw, vdev=xvda, access=rw, target=/img',
                     ',hdc:cdrom,r', ]
            vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0,rate=10Mb/s@20ms' ]
            extra = "console=hvc0\\t"
            extra += ' quiet'
            on_crash = "coredump-restart"
            """;

    @Property(tries = 1500)
    void randomBytesGiveOnlyLocatedConfigErrors(@ForAll @Size(max = 300) byte[] data) {
        check(data);
    }

    @Provide
    Arbitrary<byte[]> mutants() {
        byte[] seed = SEED.getBytes(StandardCharsets.UTF_8);
        Arbitrary<byte[]> edits = Combinators.combine(
                Arbitraries.integers().between(0, seed.length - 1).list().ofMinSize(1).ofMaxSize(6),
                Arbitraries.bytes().list().ofSize(6),
                Arbitraries.integers().between(0, 2).list().ofSize(6)).as((at, with, how) -> {
                    byte[] out = seed.clone();
                    for (int i = 0; i < at.size(); i++) {
                        int p = Math.min(at.get(i), out.length - 1);
                        switch (how.get(i)) {
                            case 0 -> out[p] = with.get(i);
                            case 1 -> out = splice(out, p, 1, new byte[0]);
                            default -> out = splice(out, p, 0, new byte[] {with.get(i)});
                        }
                        if (out.length == 0) {
                            break;
                        }
                    }
                    return out;
                });
        Arbitrary<byte[]> truncations = Arbitraries.integers().between(0, seed.length)
                .map(n -> java.util.Arrays.copyOf(seed, n));
        return Arbitraries.oneOf(edits, truncations);
    }

    private static byte[] splice(byte[] in, int at, int remove, byte[] insert) {
        byte[] out = new byte[in.length - remove + insert.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(in, at + remove, out, at + insert.length, in.length - at - remove);
        return out;
    }

    @Property(tries = 1500)
    void mutatedConfigsGiveOnlyLocatedConfigErrors(@ForAll("mutants") byte[] data) {
        check(data);
    }

    @Property(tries = 1000)
    void specParsersGiveOnlyConfigErrors(@ForAll @Size(max = 60) String spec) {
        Location at = Location.of("spec");
        for (ThrowingParse p : List.<ThrowingParse>of(
                s -> DiskSpec.parse(at, s),
                s -> VifSpec.parse(at, s, w -> assertThat(w.toString()).doesNotContain("\n")),
                s -> VifSpec.rate(at, s),
                s -> CpuList.parse(at, "cpus", s).resolve(8, n -> new java.util.BitSet()))) {
            try {
                p.parse(spec);
            } catch (ConfigException e) {
                assertThat(e.location()).isEqualTo(at);
                assertThat(e.report()).allSatisfy(l -> assertThat(l).doesNotContain("\n"));
            }
        }
    }

    private interface ThrowingParse {
        void parse(String s) throws ConfigException;
    }

    private static void check(byte[] data) {
        try {
            XlConfig c = XlConfig.parse("t.cfg", data);
            try {
                DomainConfigSpec spec = DomainConfigSpec.from(c);
                assertThat(spec.warnings()).allSatisfy(w -> assertThat(w.toString()).doesNotContain("\n"));
            } catch (ConfigException e) {
                assertLocated(data, e);
            }
        } catch (ConfigException e) {
            assertLocated(data, e);
        }
    }

    /** Line 0 is the file as a whole; any other place is a byte of the input, or just past its end. */
    private static void assertLocated(byte[] data, ConfigException e) {
        assertThat(e.file()).isEqualTo("t.cfg");
        assertThat(e.report()).allSatisfy(l -> assertThat(l).doesNotContain("\n").doesNotContain("\r"));
        if (e.line() == 0) {
            return;
        }
        int lines = 1;
        for (byte b : data) {
            lines += b == '\n' ? 1 : 0;
        }
        assertThat(e.line()).isBetween(1, lines);
        int start = 0;
        for (int l = 1; l < e.line(); l++) {
            while (data[start] != '\n') {
                start++;
            }
            start++;
        }
        int end = start;
        while (end < data.length && data[end] != '\n') {
            end++;
        }
        assertThat(e.column()).as(e.getMessage()).isBetween(1, end - start + 1);
    }
}
