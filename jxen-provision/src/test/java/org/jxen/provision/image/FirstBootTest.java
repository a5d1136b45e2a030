package org.jxen.provision.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clone's first-boot script, run by sh on a directory laid out as the template's root. */
class FirstBootTest {
    @TempDir
    Path root;

    void boot(String cmdline) throws Exception {
        Path c = root.resolve("cmdline");
        Files.writeString(c, cmdline + "\n");
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", GuestSetup.FIRSTBOOT).redirectErrorStream(true);
        pb.environment().put("JXEN_ROOT", root.toString());
        pb.environment().put("JXEN_CMDLINE", c.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    String read(String path) throws Exception {
        return Files.readString(root.resolve(path));
    }

    @Test
    void aCloneTakesItsNameAndNetworkFromTheCommandLineAndNewHostKeysOnce() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh-keygen")), "ssh-keygen is not installed (Debian: openssh-client)");
        Files.createDirectories(root.resolve("etc/ssh"));
        Files.createDirectories(root.resolve("etc/systemd/network"));
        Files.writeString(root.resolve("etc/hostname"), "tpl\n");
        Files.writeString(root.resolve("etc/hosts"), "127.0.0.1\tlocalhost\n10.9.8.7\ttpl\n::1\tlocalhost\n");
        Files.writeString(root.resolve("etc/systemd/network/50-jxen.network"), "[Match]\nName=en* eth*\n\n[Network]\nAddress=10.9.8.7/24\n");
        String base = "root=UUID=abc ro console=ttyS0";
        boot(base + " jxen.hostname=web2 jxen.net=static:10.9.8.20/24:10.9.8.1:1.1.1.1,9.9.9.9");
        assertThat(read("etc/hostname")).isEqualTo("web2\n");
        assertThat(read("etc/hosts")).isEqualTo("127.0.0.1\tlocalhost\n10.9.8.20\tweb2\n::1\tlocalhost\n");
        assertThat(read("etc/systemd/network/50-jxen.network")).endsWith("[Match]\nName=en* eth*\n\n[Network]\n"
                + "Address=10.9.8.20/24\nGateway=10.9.8.1\nDNS=1.1.1.1\nDNS=9.9.9.9\n");
        String key = read("etc/ssh/ssh_host_ed25519_key.pub");
        assertThat(key).startsWith("ssh-ed25519 ");
        // The next boot: same name, so the keys stay; the network follows the command line.
        boot(base + " jxen.hostname=web2 jxen.net=dhcp");
        assertThat(read("etc/ssh/ssh_host_ed25519_key.pub")).isEqualTo(key);
        assertThat(read("etc/systemd/network/50-jxen.network")).endsWith("[Network]\nDHCP=ipv4\n");
        assertThat(read("etc/hosts")).contains("127.0.1.1\tweb2\n");
        // Without jxen's parameters, nothing changes.
        boot(base);
        assertThat(read("etc/hostname")).isEqualTo("web2\n");
        assertThat(read("etc/systemd/network/50-jxen.network")).endsWith("DHCP=ipv4\n");
        assertThat(read("etc/ssh/ssh_host_ed25519_key.pub")).isEqualTo(key);
        // A copied system without host keys gets its own at its first boot.
        for (Path k : Files.newDirectoryStream(root.resolve("etc/ssh"))) {
            Files.delete(k);
        }
        boot(base);
        assertThat(read("etc/ssh/ssh_host_ed25519_key.pub")).startsWith("ssh-ed25519 ").isNotEqualTo(key);
    }
}
