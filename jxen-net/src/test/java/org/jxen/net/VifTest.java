package org.jxen.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VifTest {
    final String suffix = Long.toString(ProcessHandle.current().pid() % 10000);
    final String bridge = "jxvb" + suffix;

    @AfterEach
    void removeBridge() throws Exception {
        new ProcessBuilder("ip", "link", "del", bridge).start().waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void aVifIsATapOnItsBridgeUpWithItsMtuAndGoesWhenClosed() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isReadable(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        Process p = new ProcessBuilder("ip", "link", "add", bridge, "type", "bridge").start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
        String name = Vif.defaultName(Integer.parseInt(suffix), 0);
        try (Vif v = Vif.create(name, MacAddress.randomXen(), bridge, 1400)) {
            Path dev = Path.of("/sys/class/net", name);
            assertThat(dev.resolve("master").toRealPath().getFileName().toString()).isEqualTo(bridge);
            assertThat(Files.readString(dev.resolve("mtu")).strip()).isEqualTo("1400");
            assertThat(Integer.decode(Files.readString(dev.resolve("flags")).strip()) & 1).as("IFF_UP").isEqualTo(1);
            assertThat(v.mac().toString()).startsWith("00:16:3e:");
        }
        assertThat(Path.of("/sys/class/net", name)).doesNotExist();
    }

    @Test
    void aMissingBridgeIsNamed() {
        assertThatThrownBy(() -> Vif.create("jxvx" + suffix, MacAddress.randomXen(), "nosuchbr" + suffix, 0))
                .hasMessage("bridge nosuchbr" + suffix + " does not exist: create it, or name another with bridge= in the vif spec");
        assertThatThrownBy(() -> Vif.create("jxvx" + suffix, MacAddress.randomXen(), "lo", 0))
                .hasMessageContaining("lo is an interface, not a bridge");
    }

    @Test
    void macAddressesParseAsXlWritesThemAndRandomOnesAreXens() {
        assertThat(MacAddress.parse("00:16:3E:0a:b:0c").toString()).isEqualTo("00:16:3e:0a:0b:0c");
        assertThatThrownBy(() -> MacAddress.parse("01:00:5e:00:00:01")).hasMessageContaining("multicast");
        assertThatThrownBy(() -> MacAddress.parse("00:16:3e:12:34")).hasMessageContaining("six hex bytes");
        assertThatThrownBy(() -> MacAddress.parse("00:16:3e:12:34:zz")).hasMessageContaining("'zz' is not a hex byte");
        MacAddress a = MacAddress.randomXen();
        assertThat(a.bytes()).startsWith((byte) 0x00, (byte) 0x16, (byte) 0x3e);
        assertThat(MacAddress.parse(a.toString())).isEqualTo(a);
    }
}
