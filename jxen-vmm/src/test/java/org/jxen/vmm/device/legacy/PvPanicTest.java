package org.jxen.vmm.device.legacy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PvPanicTest {
    final List<String> events = new ArrayList<>();
    final PvPanic dev = new PvPanic(() -> events.add("panic"), () -> events.add("crash-loaded"));

    @Test
    void readAdvertisesBothEvents() {
        assertThat(dev.read(0, 1)).isEqualTo(PvPanic.PANICKED | PvPanic.CRASH_LOADED).isEqualTo(3);
        assertThat(PvPanic.PORT).isEqualTo(0x505);
    }

    @Test
    void panickedBitReportsAPanic() {
        dev.write(0, 1, 1);
        assertThat(events).containsExactly("panic");
    }

    @Test
    void crashLoadedBitIsReportedSeparately() {
        dev.write(0, 1, 2);
        assertThat(events).containsExactly("crash-loaded");
    }

    @Test
    void panickedWinsWhenBothBitsAreSet() {
        dev.write(0, 1, 3);
        assertThat(events).containsExactly("panic");
    }

    @Test
    void otherValuesDoNothing() {
        dev.write(0, 1, 0);
        dev.write(0, 1, 0xFC);
        assertThat(events).isEmpty();
    }
}
