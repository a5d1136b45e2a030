package org.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A set of host CPUs as xl.cfg(5) writes them for {@code cpus} and {@code cpus_soft}: terms
 * separated by commas, applied left to right, each adding or (after {@code ^}) removing a CPU, a
 * range {@code 3-8}, {@code all}, or whole NUMA nodes ({@code node:1}, {@code nodes:0-3}). So
 * {@code "0-3,^1"} is CPUs 0, 2 and 3; {@code "nodes:0-3,^node:2"} is every CPU of nodes 0, 1
 * and 3. The terms are kept, not resolved, because nodes and "all" mean the host's CPUs: see
 * {@link #resolve}.
 *
 * <p>Parsing follows xl's {@code parse_cpurange} and {@code update_cpumap_range}
 * ({@code tools/xl/xl_parse.c}): empty terms are skipped ({@code strtok}), numbers are decimal
 * with leading blanks allowed. Where xl also takes a sign ({@code strtoul}: "-2" becomes CPU
 * 2^64-2) this refuses it.
 */
public record CpuList(List<Term> terms) {
    public CpuList {
        terms = List.copyOf(terms);
    }

    /**
     * One term.
     *
     * @param remove written with {@code ^}
     * @param nodes {@code node:}/{@code nodes:}: the numbers are NUMA nodes
     * @param all {@code all} (then {@code first} and {@code last} are 0)
     * @param first the first CPU or node
     * @param last the last, at least {@code first}
     */
    public record Term(boolean remove, boolean nodes, boolean all, long first, long last) {
        @Override
        public String toString() {
            String what = all ? "all" : first == last ? Long.toString(first) : first + "-" + last;
            return (remove ? "^" : "") + (nodes ? "nodes:" : "") + what;
        }
    }

    /** Parses {@code text}, the value of {@code key} at {@code where}. */
    public static CpuList parse(Location where, String key, String text) throws ConfigException {
        List<Term> terms = new ArrayList<>();
        for (String piece : text.split(",", -1)) {
            if (!piece.isEmpty()) {
                terms.add(term(where, key, piece));
            }
        }
        return new CpuList(terms);
    }

    private static Term term(Location where, String key, String piece) throws ConfigException {
        String s = piece;
        boolean remove = s.startsWith("^");
        if (remove) {
            s = s.substring(1);
        }
        boolean nodes = false;
        for (String prefix : new String[] {"node:", "nodes:"}) {
            if (s.startsWith(prefix)) {
                s = s.substring(prefix.length());
                nodes = true;
                break;
            }
        }
        if (s.equals("all")) {
            if (remove) {
                throw new ConfigException(where, key, "Can't combine \"^\" and \"all\" in `" + key + "' (`" + piece + "').");
            }
            return new Term(false, nodes, true, 0, 0);
        }
        CNumbers.Parsed a = unsigned(s, 0);
        CNumbers.Parsed b = a;
        if (a != null && a.end() < s.length() && s.charAt(a.end()) == '-') {
            b = unsigned(s, a.end() + 1);
        }
        if (a == null || b == null || b.end() != s.length() || b.value() < a.value()) {
            throw new ConfigException(where, key, "Invalid pcpu range: " + piece + " (in `" + key
                    + "'; expected N, N-M, all, node:N or nodes:N-M, each optionally after ^).");
        }
        return new Term(remove, nodes, false, a.value(), b.value());
    }

    /** A decimal number at {@code from} after optional blanks, below 2^63; null if there is none. */
    private static CNumbers.Parsed unsigned(String s, int from) {
        int i = from;
        while (i < s.length() && CNumbers.isSpace(s.charAt(i))) {
            i++;
        }
        if (i == s.length() || s.charAt(i) < '0' || s.charAt(i) > '9') {
            return null;
        }
        CNumbers.Parsed n = CNumbers.strtol(s, from, 10);
        return n.overflow() ? null : n;
    }

    /**
     * The CPUs this list names on a host with {@code hostCpus} CPUs: terms applied in order to an
     * empty set; CPUs beyond the host are ignored, as libxl's bitmaps ignore them.
     *
     * @param nodeCpus the CPUs of a NUMA node (an empty set for a node the host lacks)
     */
    public BitSet resolve(int hostCpus, IntFunction<BitSet> nodeCpus) {
        BitSet out = new BitSet(hostCpus);
        for (Term t : terms) {
            BitSet these = new BitSet(hostCpus);
            if (t.all()) {
                these.set(0, hostCpus);
            } else if (t.nodes()) {
                // Bounded by the host: a node number past the host's CPU count has no CPUs.
                for (long n = t.first(); n <= t.last() && n < hostCpus; n++) {
                    these.or(nodeCpus.apply((int) n));
                }
                these.clear(hostCpus, Math.max(hostCpus, these.length()));
            } else if (t.first() < hostCpus) {
                these.set((int) t.first(), (int) Math.min(t.last(), hostCpus - 1L) + 1);
            }
            if (t.remove()) {
                out.andNot(these);
            } else {
                out.or(these);
            }
        }
        return out;
    }

    /** {@code all}: every CPU of the host. */
    public static CpuList all() {
        return new CpuList(List.of(new Term(false, false, true, 0, 0)));
    }

    /** The CPUs set in {@code cpus} as ranges ({@code 0-3,6}), or {@code all} when that is every host CPU. */
    public static CpuList of(BitSet cpus, int hostCpus) {
        if (cpus.cardinality() == hostCpus && cpus.nextClearBit(0) == hostCpus) {
            return all();
        }
        List<Term> terms = new java.util.ArrayList<>();
        for (int i = cpus.nextSetBit(0); i >= 0; ) {
            int end = cpus.nextClearBit(i) - 1;
            terms.add(new Term(false, false, false, i, end));
            i = cpus.nextSetBit(end + 1);
        }
        return new CpuList(terms);
    }

    /** The list as xl.cfg would write it. */
    @Override
    public String toString() {
        return String.join(",", terms.stream().map(Term::toString).toList());
    }
}
