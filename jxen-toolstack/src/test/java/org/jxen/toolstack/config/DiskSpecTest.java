package org.jxen.toolstack.config;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DiskSpecTest {
    private static final Location CMDLINE = Location.of("command line");

    /** Every case of Xen's own {@code tools/xl/check-xl-disk-parse}, as {@code xl -N block-attach 0 ARGS} prints it. */
    @TestFactory
    Stream<DynamicTest> passesXensCheckXlDiskParse() {
        return XenCheckScript.tests("check-xl-disk-parse", 28,
                args -> "disk: " + DiskSpec.parse(CMDLINE, args.toArray(String[]::new)).toLibxlJson() + "\n\n");
    }

    private static DiskSpec disk(String spec) throws ConfigException {
        return DiskSpec.parse(CMDLINE, spec);
    }

    /** xl-disk-configuration(5), SYNTAX: "these strings are equivalent", both groups. */
    @Test
    void manPageEquivalentSpellingsGiveTheSameDisk() throws ConfigException {
        DiskSpec volume = disk("/dev/vg/guest-volume,,hda");
        for (String s : List.of("/dev/vg/guest-volume,raw,hda,rw",
                "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume", "raw:/dev/vg/guest-volume,hda,w")) {
            assertThat(disk(s)).as(s).isEqualTo(volume);
        }
        assertThat(volume.target()).contains("/dev/vg/guest-volume");
        assertThat(volume.vdev()).isEqualTo("hda");
        assertThat(volume.format()).isEqualTo(DiskSpec.Format.RAW);
        assertThat(volume.readwrite()).isTrue();

        DiskSpec iso = disk("/root/image.iso,,hdc,cdrom");
        for (String s : List.of("/root/image.iso,,hdc,,cdrom", "/root/image.iso,raw,hdc,devtype=cdrom",
                "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
                "raw:/root/image.iso,hdc:cdrom,ro")) {
            assertThat(disk(s)).as(s).isEqualTo(iso);
        }
        assertThat(iso.cdrom()).isTrue();
        assertThat(iso.removable()).isTrue();
        assertThat(iso.readwrite()).as("a CD-ROM is read-only whatever the access").isFalse();
    }

    /** xl-disk-configuration(5): the empty CD-ROM drive of xend's syntax. */
    @Test
    void emptyCdromHasEmptyFormat() throws ConfigException {
        DiskSpec d = disk(",hdc:cdrom,r");
        assertThat(d.target()).contains("");
        assertThat(d.format()).isEqualTo(DiskSpec.Format.EMPTY);
        assertThat(d.vdev()).isEqualTo("hdc");
    }

    @Test
    void targetByNameTakesTheRestCommasIncluded() throws ConfigException {
        DiskSpec d = disk("vdev=xvda, target=/srv/a,b,c");
        assertThat(d.target()).contains("/srv/a,b,c");
    }

    @Test
    void deprecatedScriptPrefixSetsBlockScript() throws ConfigException {
        DiskSpec d = disk("drbd:app01,hda,w");
        assertThat(d.script()).contains("block-drbd");
        assertThat(d.target()).contains("app01");
    }

    @Test
    void deprecatedBackendPrefixesAreStripped() throws ConfigException {
        for (String s : List.of("phy:/dev/sdb,xvdb,w", "file:/dev/sdb,xvdb,w", "tap:aio:/dev/sdb,xvdb,w")) {
            assertThat(disk(s).target()).as(s).contains("/dev/sdb");
        }
    }

    @Test
    void everyKeyAndFlagIsRead() throws ConfigException {
        DiskSpec d = disk("vdev=xvdz, backend=driverdom, backendtype=qdisk, specification=virtio, script=block-x,"
                + " direct-io-safe, no-discard, colo, colo-host=10.0.0.2, colo-port=9000, colo-export=exp,"
                + " active-disk=/a.img, hidden-disk=/h.img, untrusted, grant_usage=0, format=qcow2, access=ro,"
                + " target=/img.qcow2");
        assertThat(d).isEqualTo(new DiskSpec(Optional.of("driverdom"), Optional.of("/img.qcow2"), "xvdz",
                DiskSpec.Backend.QDISK, DiskSpec.Format.QCOW2, Optional.of("block-x"), false, false, false, true,
                Optional.of(false), DiskSpec.Specification.VIRTIO, Optional.of(true), Optional.of("10.0.0.2"), 9000,
                Optional.of("exp"), Optional.of("/a.img"), Optional.of("/h.img"), Optional.of(false), Optional.of(false)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/x,qcow3,xvda", "/x,raw,xvda,rw,extra", "format=raw,format=qcow2,vdev=xvda,target=/x",
            "vdev=xvda,vdev=xvdb,target=/x", "/x,raw,xvda,rx", "devtype=tape,vdev=xvda,target=/x", "bogus:/x,xvda",
            "/x,raw", "vdev=xvda", "foo=bar,vdev=xvda,target=/x", "/x,raw,xvda:floppy", "=x,xvda"})
    void refusesBadSpecsNamingTheSpec(String spec) {
        assertThatThrownBy(() -> disk(spec)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("command line: config parsing error in disk specification: ")
                .hasMessageEndingWith(" in `" + spec + "'");
    }

    @Test
    void errorsUseXlWords() {
        assertThatThrownBy(() -> disk("/x,qcow3,xvda")).hasMessage(
                "command line: config parsing error in disk specification: unknown value for format: near `qcow3' in `/x,qcow3,xvda'");
        assertThatThrownBy(() -> disk("/x,raw")).hasMessage(
                "command line: config parsing error in disk specification: no vdev specified in `/x,raw'");
        assertThatThrownBy(() -> disk("vdev=xvda")).hasMessage("command line: config parsing error in disk "
                + "specification: no target specified (and device not removable) in `vdev=xvda'");
    }

    @Test
    void errorInAConfigListNamesFileLineColumnAndKey() {
        assertThatThrownBy(() -> DomainConfigSpec.from(XlConfig.parse("web.cfg",
                "name = \"web\"\ntype = \"pvh\"\ndisk = [ '/img,raw,xvda,rw',\n         '/x,qcow3,xvdb' ]\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.line()).isEqualTo(4);
                    assertThat(e.column()).isEqualTo(10);
                    assertThat(e.key()).isEqualTo("disk");
                    assertThat(e.getMessage()).startsWith("web.cfg:4:10: config parsing error in disk specification:");
                });
    }
}
