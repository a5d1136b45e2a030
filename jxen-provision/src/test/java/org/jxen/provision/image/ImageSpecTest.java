package org.jxen.provision.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every setting xen-create-image takes, good and bad; a bad one is named with what is wrong. */
class ImageSpecTest {
    @TempDir
    Path tmp;

    HostApt host;

    @BeforeEach
    void fakeHost() throws Exception {
        Path etc = Files.createDirectories(tmp.resolve("host/etc/apt/sources.list.d"));
        Files.writeString(etc.resolveSibling("../os-release").normalize(), "NAME=\"Debian\"\nVERSION_CODENAME=bookworm\n");
        Files.writeString(etc.resolveSibling("sources.list"), "# comment\ndeb [arch=amd64] http://security.debian.org/debian-security bookworm-security main\n");
        Files.writeString(etc.resolve("debian.sources"), """
                Types: deb deb-src
                URIs: http://mirror.example/debian/
                Suites: bookworm bookworm-updates
                Components: main

                Types: deb
                URIs: http://other.example/debian
                Suites: trixie
                Enabled: no
                """);
        host = new HostApt(tmp.resolve("host"));
    }

    Map<String, String> base() {
        Map<String, String> s = new HashMap<>();
        s.put("hostname", "web1");
        s.put("dir", tmp.resolve("images").toString());
        return s;
    }

    ImageSpec spec(Map<String, String> s) throws Exception {
        return ImageSpec.from(s, host, "amd64");
    }

    static void requireDebootstrap() {
        assumeTrue(Files.isDirectory(ImageSpec.DEBOOTSTRAP_SCRIPTS), "debootstrap is not installed (Debian: debootstrap)");
    }

    @Test
    void defaultsAreXenToolsAndTheHostsSuiteAndMirror() throws Exception {
        requireDebootstrap();
        ImageSpec s = spec(base());
        assertThat(s.dist()).isEqualTo("bookworm");
        assertThat(s.mirror()).isEqualTo("http://mirror.example/debian");
        assertThat(s.sizeBytes()).isEqualTo(4L << 30);
        assertThat(s.swapBytes()).isEqualTo(512L << 20);
        assertThat(s.memoryMib()).isEqualTo(256);
        assertThat(s.fs()).isEqualTo("ext4");
        assertThat(s.network()).isEqualTo(new ImageSpec.Network.Dhcp());
        assertThat(s.genpassLength()).isEqualTo(12);
        assertThat(s.diskPath()).isEqualTo(tmp.resolve("images/domains/web1/disk.img"));
        assertThat(s.configPath()).isEqualTo(Path.of("/etc/xen/web1.cfg"));
    }

    @Test
    void aStaticNetworkIsReadFromIpNetmaskGatewayAndNameservers() throws Exception {
        requireDebootstrap();
        Map<String, String> m = base();
        m.putAll(Map.of("ip", "10.1.2.3", "netmask", "255.255.0.0", "gateway", "10.1.0.1", "nameserver", "10.1.0.1 9.9.9.9"));
        assertThat(spec(m).network()).isEqualTo(new ImageSpec.Network.Static("10.1.2.3", 16, java.util.Optional.of("10.1.0.1"),
                List.of("10.1.0.1", "9.9.9.9"), java.util.Optional.empty()));
        m.put("ip", "10.1.2.3/28");
        assertThat(((ImageSpec.Network.Static) spec(m).network()).prefix()).isEqualTo(28);
    }

    @Test
    void badSettingsAreNamed() throws Exception {
        requireDebootstrap();
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("dist=nosuchdist", "unknown distribution nosuchdist: debootstrap has no script for it");
        bad.put("ip=10.0.0.300", "ip = 10.0.0.300 is not an IPv4 address (300 > 255)");
        bad.put("ip=web.example", "ip = web.example is not an IPv4 address (a.b.c.d)");
        bad.put("netmask=255.0.255.0", "--netmask needs --ip");
        bad.put("gateway=1.2.3.4", "--gateway needs --ip");
        bad.put("size=4", "size=4: a size needs a suffix (k, M, G or T), e.g. 4G");
        bad.put("size=4X", "unknown size suffix 'x'");
        bad.put("size=100M", "at least 256M is needed");
        bad.put("memory=lots", "memory=lots is not a size");
        bad.put("maxmem=128M", "maxmem = 128M is less than memory = 256M");
        bad.put("vcpus=0", "vcpus = 0: expected 1 to 128");
        bad.put("fs=xfs", "fs = xfs: jxen builds ext2, ext3 and ext4");
        bad.put("image=thick", "image = thick: expected sparse or full");
        bad.put("format=vmdk", "format = vmdk: expected raw or qcow2");
        bad.put("install-method=rinse", "install-method = rinse: expected debootstrap, copy or tar");
        bad.put("install-method=copy", "install-method = copy needs --install-source");
        bad.put("mac=01:16:3e:00:00:01", "is a multicast address");
        bad.put("mac=00:16:3e:00:00", "is not a MAC address");
        bad.put("mirror=deb.debian.org", "is not an http://, https://, ftp:// or file:// URL");
        bad.put("hostname=web_1", "hostname web_1 is not a valid host name");
        bad.put("lvm=vg0", "--lvm, --zpool and --evms are not supported by jxen yet: use --dir");
        bad.put("hash_method=des", "hash_method = des: expected md5, sha256 or sha512");
        bad.put("genpass=maybe", "genpass = maybe: expected 1 or 0");
        bad.put("role=nosuchrole", "role nosuchrole is not an executable script in /etc/xen-tools/role.d");
        bad.put("vifname=a-very-long-interface-name", "is not an interface name");
        for (var e : bad.entrySet()) {
            Map<String, String> m = base();
            String[] kv = e.getKey().split("=", 2);
            m.put(kv[0], kv[1]);
            assertThatThrownBy(() -> spec(m)).as(e.getKey()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(e.getValue());
        }
        Map<String, String> mask = base();
        mask.put("ip", "10.0.0.2");
        mask.put("netmask", "255.0.255.0");
        assertThatThrownBy(() -> spec(mask)).hasMessageContaining("netmask = 255.0.255.0 is not a netmask");
        Map<String, String> both = base();
        both.put("dhcp", "1");
        both.put("ip", "10.0.0.2");
        assertThatThrownBy(() -> spec(both)).hasMessage("--dhcp and --ip are exclusive: choose one");
        Map<String, String> noDir = base();
        noDir.remove("dir");
        assertThatThrownBy(() -> spec(noDir)).hasMessage("give --dir (or dir = in xen-tools.conf): where the images go");
        Map<String, String> locked = base();
        locked.put("genpass", "0");
        assertThatThrownBy(() -> spec(locked)).hasMessage("root could not log in: give --password, --genpass or --ssh-key");
    }

    @Test
    void xenToolsConfIsReadWithCommentsAndBackquotes() {
        Map<String, String> c = XenToolsConf.parse("xen-tools.conf", """
                # a comment
                dir = /home/xen
                size   = 4G       # Root disk, suffix (G, M, k) required
                dist   = `xt-guess-suite-and-mirror --suite`
                install-method = debootstrap
                """, cmd -> cmd.equals("xt-guess-suite-and-mirror --suite") ? "bookworm" : "?");
        assertThat(c).containsEntry("dir", "/home/xen").containsEntry("size", "4G").containsEntry("dist", "bookworm")
                .containsEntry("install-method", "debootstrap");
        assertThatThrownBy(() -> XenToolsConf.parse("x.conf", "dir /home/xen\n", cmd -> ""))
                .hasMessage("x.conf:1: expected key = value, found \"dir /home/xen\"");
    }

    @Test
    void sizesAreXenToolsSizes() {
        assertThat(Sizes.bytes("size", "4G", null)).isEqualTo(4L << 30);
        assertThat(Sizes.bytes("swap", "128Mb", null)).isEqualTo(128L << 20);
        assertThat(Sizes.mib("memory", "512")).isEqualTo(512);
        assertThat(Sizes.human(512L << 20)).isEqualTo("512M");
        assertThatThrownBy(() -> Sizes.bytes("size", "-1G", null)).hasMessageContaining("size=-1G is out of range");
        assertThatThrownBy(() -> Sizes.bytes("size", "1.5G", null)).hasMessageContaining("size=1.5G is not a size");
        assertThatThrownBy(() -> Sizes.bytes("size", "99999999999T", null)).hasMessageContaining("out of range");
    }
}
