package org.jxen.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vif scripts run with Xen's arguments and environment; what they do to the interface is real. */
class VifScriptTest {
    final String suffix = Long.toString(ProcessHandle.current().pid() % 10000);
    final String bridge = "jxsb" + suffix;

    @TempDir
    Path dir;

    @AfterEach
    void removeBridge() throws Exception {
        new ProcessBuilder("ip", "link", "del", bridge).start().waitFor(30, TimeUnit.SECONDS);
    }

    Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void aScriptGetsXensArgumentsAndEnvironmentAndItsAddAndRemoveAreDone() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isReadable(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        Process p = new ProcessBuilder("ip", "link", "add", bridge, "type", "bridge").start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
        Path record = dir.resolve("record");
        script("my-vif", "echo \"$1 type_if=$type_if INTERFACE=$INTERFACE vif=$vif XENBUS_PATH=$XENBUS_PATH"
                + " XENSTORED_PATH=$XENSTORED_PATH script=$script\" >> " + record + "\n"
                + "case $1 in add) ip link set \"$INTERFACE\" master " + bridge + " && ip link set \"$INTERFACE\" up ;;\n"
                + "remove) ip link set \"$INTERFACE\" nomaster ;; esac\n");
        Optional<VifScript> s = VifScript.resolve(Optional.of("my-vif"), dir, Optional.of("/tmp/xs.sock"));
        String name = "jxs" + suffix + ".0";
        String be = "/local/domain/0/backend/vif/" + suffix + "/0";
        try (Vif v = Vif.create(name, MacAddress.randomXen(), bridge, 0, s, be)) {
            assertThat(Path.of("/sys/class/net", name, "master").toRealPath().getFileName().toString()).isEqualTo(bridge);
            assertThat(v.script()).isEqualTo(s);
        }
        assertThat(Path.of("/sys/class/net", name)).doesNotExist();
        String common = " type_if=tap INTERFACE=" + name + " vif=" + name + " XENBUS_PATH=" + be
                + " XENSTORED_PATH=/tmp/xs.sock script=" + dir.resolve("my-vif");
        assertThat(Files.readAllLines(record)).containsExactly("add" + common, "remove" + common);
    }

    @Test
    void aFailingScriptIsReportedWithItsLastLineAndTheInterfaceGoes() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isReadable(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        script("vif-bridge", "echo starting\necho 'Could not find bridge device nosuch' >&2\nexit 1\n");
        Optional<VifScript> s = VifScript.resolve(Optional.empty(), dir, Optional.empty());
        assertThat(s).isPresent();
        String name = "jxf" + suffix + ".0";
        assertThatThrownBy(() -> Vif.create(name, MacAddress.randomXen(), bridge, 0, s, "/be"))
                .hasMessage("vif script " + dir.resolve("vif-bridge") + " add for " + name
                        + " failed (status 1): Could not find bridge device nosuch");
        assertThat(Path.of("/sys/class/net", name)).doesNotExist();
    }

    @Test
    void scriptsAreFoundAsXlFindsThemAndMissingOnesAreNamed() throws Exception {
        assertThat(VifScript.resolve(Optional.empty(), dir, Optional.empty())).as("no vif-bridge: built-in").isEmpty();
        Path abs = script("abs", "exit 0\n");
        assertThat(VifScript.resolve(Optional.of(abs.toString()), Path.of("/nonexistent"), Optional.empty()))
                .contains(new VifScript(abs, Optional.empty()));
        assertThatThrownBy(() -> VifScript.resolve(Optional.of("vif-nat"), dir, Optional.empty()))
                .hasMessage("vif script vif-nat not found (looked for " + dir.resolve("vif-nat") + ")");
        Path plain = dir.resolve("plain");
        Files.writeString(plain, "exit 0\n");
        assertThatThrownBy(() -> VifScript.resolve(Optional.of("plain"), dir, Optional.empty()))
                .hasMessage("vif script " + plain + " is not executable");
        assertThat(new VifScript(abs, Optional.empty()).environment("vif1.0", "/be").keySet())
                .containsExactlyElementsOf(List.of("script", "XENBUS_PATH", "type_if", "INTERFACE", "vif"));
    }
}
