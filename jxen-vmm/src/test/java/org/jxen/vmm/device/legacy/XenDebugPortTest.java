package org.jxen.vmm.device.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class XenDebugPortTest {
    final List<String> lines = new ArrayList<>();
    final XenDebugPort port = new XenDebugPort(lines::add);

    void out(String s) {
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            port.write(0, 1, b & 0xff);
        }
    }

    @Test
    void bytesBecomeLinesWithoutControlCharacters() {
        out("Bootstrapping...\r\n");
        out("xen\u0007 ok\tdone\nhalf");
        assertThat(lines).containsExactly("Bootstrapping...", "xen ok\tdone");
        assertThat(port.partial()).isEqualTo("half");
        assertThat(port.read(0, 1)).isEqualTo(0xE9);
    }

    @Test
    void aRunawayLineIsCutAndAWideWriteIsTakenByteByByte() {
        out("x".repeat(XenDebugPort.MAX_LINE + 5) + "\n");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).hasSize(XenDebugPort.MAX_LINE);
        assertThat(lines.get(1)).isEqualTo("xxxxx");
        port.write(0, 4, 'a' | 'b' << 8 | '\n' << 16);
        assertThat(lines.get(2)).isEqualTo("ab");
    }
}
