package org.jxen.sys.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jxen.testkit.CProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TAP interfaces on a bridge the test makes: a frame written into one comes out of the other. */
class TapTest {
    final String suffix = Long.toString(ProcessHandle.current().pid() % 100000);
    final String bridge = "jxb" + suffix;
    final List<String> cleanup = new ArrayList<>();

    static void assumeRootWithTun() {
        assumeTrue("root".equals(System.getProperty("user.name")), "TAP and bridge tests need root");
        assumeTrue(Files.isReadable(Path.of("/dev/net/tun")) && Files.isExecutable(Path.of("/usr/sbin/ip")),
                "/dev/net/tun or ip(8) is missing");
    }

    static void ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", cmd) + ": " + out).isTrue();
    }

    @AfterEach
    void removeBridge() throws Exception {
        for (String dev : cleanup) {
            new ProcessBuilder("ip", "link", "del", dev).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void constantsMatchTheHeaders() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Field f : NetH.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType().isPrimitive()) {
                String c = switch (f.getName()) {
                    case "IFREQ_SIZE" -> "sizeof(struct ifreq)";
                    default -> f.getName();
                };
                expected.put(c, ((Number) f.get(null)).longValue());
            }
        }
        assertThat(expected).containsExactlyEntriesOf(CProbe.values(List.of("sys/socket.h", "sys/ioctl.h", "net/if.h",
                "linux/if_tun.h", "linux/sockios.h"), new ArrayList<>(expected.keySet())));
    }

    @Test
    void aFrameWrittenIntoOneTapLeavesTheBridgeThroughTheOther() throws Exception {
        assumeRootWithTun();
        ip("link", "add", bridge, "type", "bridge", "forward_delay", "0", "stp_state", "0");
        cleanup.add(bridge);
        ip("link", "set", bridge, "up");
        try (Tap a = Tap.open("jxta" + suffix); Tap b = Tap.open("jxtb" + suffix)) {
            Tap.setMtu(a.name(), 1400);
            assertThat(Tap.mtu(a.name())).isEqualTo(1400);
            for (Tap t : List.of(a, b)) {
                Tap.addToBridge(bridge, t.name());
                Tap.up(t.name());
                assertThat(Path.of("/sys/class/net", t.name(), "master").toRealPath().getFileName().toString()).isEqualTo(bridge);
            }
            // A broadcast frame from a made-up MAC, as a guest would send it; the bridge floods it to b.
            byte[] frame = new byte[64];
            Arrays.fill(frame, 0, 6, (byte) 0xff);
            byte[] src = {0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};
            System.arraycopy(src, 0, frame, 6, 6);
            frame[12] = (byte) 0x88;
            frame[13] = (byte) 0xb5; // IEEE local experimental ethertype
            byte[] marker = "jxen tap test".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(marker, 0, frame, 14, marker.length);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            byte[] got = null;
            boolean sent = false;
            while (got == null && System.nanoTime() < end) {
                if (!sent) {
                    sent = a.write(frame);
                }
                // The host sends its own frames too (IPv6 neighbour discovery): skip them.
                byte[] f = b.read(200);
                if (f != null && f.length >= 14 + marker.length
                        && Arrays.equals(Arrays.copyOfRange(f, 14, 14 + marker.length), marker)) {
                    got = f;
                }
            }
            assertThat(got).as("the frame, through the bridge").isNotNull();
            assertThat(Arrays.copyOfRange(got, 6, 12)).isEqualTo(src);
        }
        assertThat(Path.of("/sys/class/net/jxta" + suffix)).as("a TAP closed is gone").doesNotExist();
    }

    @Test
    void badNamesAndMissingInterfacesAreRefused() {
        assertThatThrownBy(() -> Tap.open("a-name-longer-than-15")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 15 bytes");
        assertThatThrownBy(() -> Tap.mtu("nosuchif" + suffix)).hasMessageContaining("SIOCGIFMTU nosuchif" + suffix)
                .hasMessageContaining("ENODEV");
    }
}
