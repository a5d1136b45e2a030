package org.jxen.toolstack.config;

import java.util.BitSet;
import java.util.stream.IntStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CpuListTest {
    private static final Location AT = new Location("t.cfg", 3, 8);

    /** A host of 16 CPUs in 4 NUMA nodes of 4 CPUs each. */
    private static BitSet node(int n) {
        BitSet b = new BitSet();
        if (n < 4) {
            b.set(n * 4, n * 4 + 4);
        }
        return b;
    }

    private static String resolve(String text) throws ConfigException {
        BitSet cpus = CpuList.parse(AT, "cpus", text).resolve(16, CpuListTest::node);
        return cpus.toString();
    }

    /**
     * xl.cfg(5), "cpus": every example, with the results the page states for its host of 16 CPUs,
     * four to a node.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "all| {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}",
            "0-3,5,^1| {0, 2, 3, 5}",
            "all,^7| {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15}",
            "nodes:0-3,^node:2| {0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15}",
            "1,node:1,^6| {1, 4, 5, 7}",
            "all,^node:1| {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15}",
            "2| {2}",
            "3-8,^5| {3, 4, 6, 7, 8}",
            "all,^5-8| {0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 14, 15}",
            "node:0,node:2,^9-11,18-20| {0, 1, 2, 3, 8}"})
    void manPageExamples(String text, String cpus) throws ConfigException {
        assertThat(resolve(text)).isEqualTo(cpus);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2, 3-8,^5| {2, 3, 4, 6, 7, 8}",
            "nodes:all| {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}",
            "14-40| {14, 15}",
            "100| {}",
            "^3,3| {3}",
            "1,,2| {1, 2}"})
    void termsApplyInOrderWithinTheHost(String text, String cpus) throws ConfigException {
        assertThat(resolve(text)).isEqualTo(cpus);
    }

    @ParameterizedTest
    @ValueSource(strings = {"^all", "^nodes:all"})
    void refusesRemovingAll(String text) {
        assertThatThrownBy(() -> resolve(text))
                .hasMessage("t.cfg:3:8: Can't combine \"^\" and \"all\" in `cpus' (`" + text + "').");
    }

    @ParameterizedTest
    @ValueSource(strings = {"3-1", "1-", "-1", "x", "1 -2", "2a", "node:", "nodes:x", "+1", "99999999999999999999"})
    void refusesBadRanges(String text) {
        assertThatThrownBy(() -> resolve(text)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.getMessage()).startsWith("t.cfg:3:8: Invalid pcpu range: " + text + " (in `cpus'");
            assertThat(e.key()).isEqualTo("cpus");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"0-3,^1", "nodes:0-3,^nodes:2", "all", "5"})
    void writesBackWhatItRead(String text) throws ConfigException {
        assertThat(CpuList.parse(AT, "cpus", text).toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 64})
    void hugeRangesStayWithinTheHost(int hostCpus) throws ConfigException {
        BitSet b = CpuList.parse(AT, "cpus", "0-9223372036854775806").resolve(hostCpus, n -> new BitSet());
        assertThat(b.stream()).containsExactlyElementsOf(IntStream.range(0, hostCpus).boxed().toList());
    }
}
