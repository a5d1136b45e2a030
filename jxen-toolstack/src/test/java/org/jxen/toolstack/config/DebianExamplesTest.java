package org.jxen.toolstack.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example configs Debian's {@code xen-utils-common} installs in /etc/xen (fixtures under
 * {@code debian/}, origin in the README beside them) parse without error, with only the
 * warnings jxen owes their users.
 */
class DebianExamplesTest {
    private static DomainConfigSpec example(String name) throws IOException, ConfigException {
        try (InputStream in = DebianExamplesTest.class.getResourceAsStream("debian/" + name)) {
            return DomainConfigSpec.from(XlConfig.parse("/etc/xen/" + name, in.readAllBytes()));
        }
    }

    private static List<String> warnings(DomainConfigSpec s) {
        return s.warnings().stream().map(ConfigWarning::toString).toList();
    }

    @Test
    void hvmExample() throws Exception {
        DomainConfigSpec s = example("xlexample.hvm");
        assertThat(s.name()).isEqualTo("example.hvm");
        assertThat(s.type()).isEqualTo(GuestType.HVM);
        assertThat(s.memory()).isEqualTo(new DomainConfigSpec.Memory(128, 128));
        assertThat(s.vcpus().count()).isEqualTo(2);
        assertThat(s.vifs()).singleElement().satisfies(v -> assertThat(v.toLibxlJson()).isEqualTo("{\n}"));
        assertThat(s.disks()).singleElement().satisfies(d -> {
            assertThat(d.target()).contains("/dev/vg/guest-volume");
            assertThat(d.vdev()).isEqualTo("xvda");
        });
        assertThat(warnings(s)).containsExactly(
                "/etc/xen/xlexample.hvm:9:8: warning: type \"hvm\" without kernel= boots firmware (SeaBIOS or OVMF),"
                        + " which jxen cannot do yet; give kernel= for a direct kernel boot",
                "/etc/xen/xlexample.hvm:46:1: warning: key `sdl' is not supported by jxen yet; ignored");
    }

    @Test
    void pvhExample() throws Exception {
        DomainConfigSpec s = example("xlexample.pvhlinux");
        assertThat(s.type()).isEqualTo(GuestType.PVH);
        assertThat(s.boot().kernel()).contains("/boot/vmlinuz");
        assertThat(s.boot().cmdline()).contains("root=/dev/xvda1");
        assertThat(s.memory().targetMiB()).isEqualTo(512);
        assertThat(s.vcpus().count()).isEqualTo(4);
        assertThat(s.disks()).singleElement().extracting(d -> d.target().orElseThrow())
                .isEqualTo("/dev/zvol/tank/guest-volume");
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void pvExample() throws Exception {
        DomainConfigSpec s = example("xlexample.pvlinux");
        assertThat(s.type()).isEqualTo(GuestType.PV);
        assertThat(s.name()).isEqualTo("example.pvlinux");
        assertThat(warnings(s)).containsExactly("/etc/xen/xlexample.pvlinux: warning: no type given; xl's default is"
                + " \"pv\", which jxen runs as \"pvh\" (KVM has no PV guests)");
    }

    /** xl.conf(5) is libxlu's language too; Debian's parses (its keys are xl's, not a domain's). */
    @ParameterizedTest
    @ValueSource(strings = {"xl.conf", "xlexample.hvm", "xlexample.pvhlinux", "xlexample.pvlinux"})
    void everyInstalledFileParses(String name) throws Exception {
        try (InputStream in = DebianExamplesTest.class.getResourceAsStream("debian/" + name)) {
            assertThat(XlConfig.parse(name, in.readAllBytes()).source()).isEqualTo(name);
        }
    }
}
