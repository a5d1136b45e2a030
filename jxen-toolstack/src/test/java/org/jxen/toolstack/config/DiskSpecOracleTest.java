package org.jxen.toolstack.config;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The disk spec parser and the vif rate parser against Xen's libxlu ({@link LibxluOracle}) on
 * generated specs: the same disk (libxl's JSON, compared as text) or the same error message.
 * {@code grant_usage}, {@code trusted} and {@code untrusted} are left out: the oracle is
 * Debian's libxlu 4.17, built from a generated scanner ({@code libxlu_disk_l.c}) that predates
 * them although its {@code .l} source and the man page have trusted/untrusted; jxen follows the
 * source (the golden tests, from Xen's {@code check-xl-disk-parse}, cover them).
 */
class DiskSpecOracleTest {
    private static final List<String> PIECES = List.of(
            "/dev/vg/guest-volume", "/root/image.iso", "", "raw", "qcow2", "qcow", "vhd", "qed", "empty", "bogus",
            "xvda", "hda", "hdc:cdrom", "xvdb:disk", "sda:floppy", "w", "rw", "ro", "r", "x",
            "format=raw", "format=qcow2", "format=bad", "vdev=xvdc", "vdev=", "access=ro", "access=rw", "access=q",
            "devtype=cdrom", "devtype=disk", "devtype=tape", "cdrom", "backend=dom1", "backendtype=phy",
            "backendtype=qdisk", "backendtype=tap", "backendtype=standalone", "backendtype=zfs",
            "specification=xen", "specification=virtio", "specification=nvme", "script=block-nbd",
            "direct-io-safe", "discard", "no-discard", "colo", "no-colo", "colo-host=10.0.0.1", "colo-port=9000",
            "colo-port=zero", "colo-export=e", "active-disk=/a", "hidden-disk=/h",
            "target=/dev/x,y", "target=", "phy:/dev/sdb", "file:/img", "tap:aio:/img", "tap2:/img", "tapdisk:/x",
            "aio:/x", "ioemu:/x", "raw:/x", "qcow2:/x", "vhd:/x", "iscsi:iqn.2001-05.com.example:disk", "nbd:host",
            "enbd:h", "drbd:app01", "foo:/x", "foo:bar", "Foo=bar", "foo=bar", "=", "a=b=c", " ", "\t", "x y",
            "iqn.2001-05.com.equallogic:0-8a0906", "colo,colo-host=h");

    @Provide
    Arbitrary<List<String>> specs() {
        Arbitrary<String> spec = Combinators.combine(Arbitraries.of(PIECES).list().ofMinSize(1).ofMaxSize(6),
                Arbitraries.of(",", ", ", ",\t", " ,"), Arbitraries.of("", ",", " "))
                .as((pieces, sep, end) -> String.join(sep, pieces) + end);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, spec.list().ofSize(1)),
                net.jqwik.api.Tuple.of(1, spec.list().ofMinSize(2).ofMaxSize(3)));
    }

    @Property(tries = 1500)
    void parsesDisksAsLibxluDoes(@ForAll("specs") List<String> specs) {
        LibxluOracle.Answer xen = LibxluOracle.disk(specs);
        DiskSpec disk = null;
        ConfigException error = null;
        try {
            disk = DiskSpec.parse(Location.of("t.cfg"), specs.toArray(String[]::new));
        } catch (ConfigException e) {
            error = e;
        }
        // A spec ending in '=': libxlu's scanner reaches its end inside its error state and
        // reports nothing; jxen reports it (XL-CFG.md, "Where jxen differs"). Left out here.
        List<String> ours = error == null ? List.of()
                : error.report().stream().filter(l -> !l.contains("bad disk syntax: near `='")).toList();
        if (error != null && ours.isEmpty()) {
            return;
        }
        if (xen.ok()) {
            assertThat(error).as("libxlu accepts %s", specs).isNull();
            assertThat("json: " + disk.toLibxlJson().replace('\n', ' ') + " ").as("disk of %s", specs)
                    .isEqualTo(xen.lines().getFirst());
        } else {
            assertThat(error).as("libxlu refuses %s: %s", specs, xen.report()).isNotNull();
            assertThat(ours).as("errors for %s", specs).isEqualTo(xen.report());
        }
    }

    @Provide
    Arbitrary<String> rates() {
        Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.of("0", "1", "010", "08", "16", "4294967295",
                "4294967296", "99999999999999999999999", "2", "8", "250"), Arbitraries.longs().between(0, 5_000_000_000L)
                .map(n -> Long.toString(n)));
        Arbitrary<String> amount = Combinators.combine(number, Arbitraries.of("", "K", "M", "G", "T"),
                Arbitraries.of("B", "b", "x"), Arbitraries.of("/s", "/m", "", "/s "))
                .as((n, k, b, per) -> n + k + b + per);
        Arbitrary<String> interval = Combinators.combine(number, Arbitraries.of("", "s", "ms", "us", "m", "u", "h", "ns"))
                .as((n, unit) -> n + unit);
        return Arbitraries.oneOf(amount, Combinators.combine(amount, interval).as((a, i) -> a + "@" + i),
                Arbitraries.of("@", "@50ms", "", "foo", "10MB/s@", "10MB/s@@1s"));
    }

    @Property(tries = 1500)
    void parsesRatesAsLibxluDoes(@ForAll("rates") String rate) {
        LibxluOracle.Answer xen = LibxluOracle.rate(rate);
        try {
            VifSpec.Rate r = VifSpec.rate(Location.of("t.cfg"), rate);
            assertThat(xen.ok()).as("libxlu refuses %s: %s", rate, xen.report()).isTrue();
            assertThat("bytes=" + Long.toUnsignedString(r.bytesPerInterval()) + " usecs=" + r.intervalUsecs())
                    .as("rate %s", rate).isEqualTo(xen.lines().getFirst());
        } catch (ConfigException e) {
            assertThat(xen.ok()).as("libxlu accepts %s (jxen: %s)", rate, e.getMessage()).isFalse();
            assertThat(e.report()).as("errors for %s", rate).isEqualTo(xen.report());
        }
    }
}
