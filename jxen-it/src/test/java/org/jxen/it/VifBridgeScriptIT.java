package org.jxen.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.jxen.net.MacAddress;
import org.jxen.net.Vif;
import org.jxen.net.VifScript;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.XenUtils;
import org.jxen.testkit.Xenstored;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Xen's own {@code vif-bridge} (Debian's xen-utils-common, unpacked by {@link XenUtils}) attaches
 * a jxen vif: it reads the bridge and MTU from the vif's backend entries in a real jxen XenStore
 * through Debian's {@code xenstore-read}, with the arguments and environment jxen gives it.
 */
class VifBridgeScriptIT {
    final String suffix = Long.toString(ProcessHandle.current().pid() % 10000);
    final String bridge = "jxbr" + suffix;

    @TempDir
    Path tmp;

    Xenstored store;

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isReadable(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        HostAssume.tool("xenstore-write");
        store = Xenstored.start(tmp);
        // Xen's scripts append to /var/log/xen/xen-hotplug.log, which a Xen host (and jxend) has.
        Files.createDirectories(Path.of(VifScript.HOTPLUG_LOG).getParent());
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
        new ProcessBuilder("ip", "link", "del", bridge).start().waitFor(30, TimeUnit.SECONDS);
    }

    int run(String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(store.clientEnv());
        Process p = pb.start();
        p.getInputStream().transferTo(System.out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void xensVifBridgePutsTheTapOnTheBridgeFromXenstoreWithItsMtuAndTakesItOff() throws Exception {
        Path scripts = XenUtils.requireScripts();
        assertThat(run("ip", "link", "add", bridge, "type", "bridge")).isZero();
        String be = "/local/domain/0/backend/vif/" + suffix + "/0";
        assertThat(run("xenstore-write", be + "/bridge", bridge, be + "/mtu", "1400")).isZero();
        Optional<VifScript> script = VifScript.resolve(Optional.empty(), scripts, Optional.of(store.socket().toString()));
        assertThat(script).as("vif-bridge is the default when installed").isPresent();
        String name = Vif.defaultName(Integer.parseInt(suffix), 0);
        try (Vif v = Vif.create(name, MacAddress.randomXen(), bridge, 0, script, be)) {
            Path dev = Path.of("/sys/class/net", name);
            assertThat(dev.resolve("master").toRealPath().getFileName().toString()).isEqualTo(bridge);
            assertThat(Files.readString(dev.resolve("mtu")).strip()).isEqualTo("1400");
            assertThat(Integer.decode(Files.readString(dev.resolve("flags")).strip()) & 1).as("IFF_UP").isEqualTo(1);
        }
        assertThat(Path.of("/sys/class/net", name)).doesNotExist();
    }

    @Test
    void aBridgeThatIsNotThereIsVifBridgesOwnError() throws Exception {
        Path scripts = XenUtils.requireScripts();
        String be = "/local/domain/0/backend/vif/" + suffix + "/1";
        assertThat(run("xenstore-write", be + "/bridge", "nosuch" + suffix)).isZero();
        Optional<VifScript> script = VifScript.resolve(Optional.of("vif-bridge"), scripts,
                Optional.of(store.socket().toString()));
        String name = Vif.defaultName(Integer.parseInt(suffix), 1);
        assertThatThrownBy(() -> Vif.create(name, MacAddress.randomXen(), bridge, 0, script, be))
                .hasMessageContaining("vif-bridge add for " + name + " failed")
                .hasMessageContaining(be + "/hotplug-error");
        ProcessBuilder pb = new ProcessBuilder("xenstore-read", be + "/hotplug-error", be + "/hotplug-status");
        pb.environment().putAll(store.clientEnv());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("vif-bridge's own report in XenStore").contains("Could not find bridge device nosuch" + suffix)
                .endsWith("error\n");
        assertThat(Path.of("/sys/class/net", name)).doesNotExist();
    }
}
