package org.jxen.vmm.bus;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BusTest {
    /** Records accesses; reads return the offset plus a per-device tag. */
    static final class Recorder implements BusDevice {
        final long tag;
        final List<String> log = new ArrayList<>();

        Recorder(long tag) {
            this.tag = tag;
        }

        @Override
        public long read(long offset, int size) {
            log.add("r" + size + "@" + offset);
            return tag + offset;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add("w" + size + "@" + offset + "=" + Long.toHexString(value));
        }
    }

    static final BusDevice THROWING = new BusDevice() {
        @Override
        public long read(long offset, int size) {
            throw new IllegalStateException("device bug");
        }

        @Override
        public void write(long offset, int size, long value) {
            throw new ArrayIndexOutOfBoundsException(99);
        }
    };

    @Test
    void dispatchesToTheOwningDeviceWithOffsetsRelativeToItsBase() {
        Bus bus = new Bus("port");
        Recorder com1 = new Recorder(0x100);
        Recorder rtc = new Recorder(0x200);
        bus.register(0x3F8, 8, com1, "COM1");
        bus.register(0x70, 2, rtc, "RTC");
        assertThat(bus.read(0x3F8, 1)).isEqualTo(0x100);
        assertThat(bus.read(0x3FF, 1)).isEqualTo(0x107);
        bus.write(0x71, 1, 0x42);
        assertThat(com1.log).containsExactly("r1@0", "r1@7");
        assertThat(rtc.log).containsExactly("w1@1=42");
    }

    @Test
    void findLooksUpEveryRangeAmongMany() {
        Bus bus = new Bus("MMIO");
        for (int i = 0; i < 50; i++) {
            bus.register(0x1000L * (49 - i), 0x800, new Recorder(i), "d" + i);
        }
        for (int i = 0; i < 50; i++) {
            long base = 0x1000L * i;
            assertThat(bus.find(base).base()).isEqualTo(base);
            assertThat(bus.find(base + 0x7FF).base()).isEqualTo(base);
            assertThat(bus.find(base + 0x800)).isNull();
        }
        assertThat(bus.find(-1L)).isNull();
    }

    @Test
    void rangesAtTheTopOfTheAddressSpaceAreFoundUnsigned() {
        Bus bus = new Bus("MMIO");
        bus.register(0x1000, 0x1000, new Recorder(1), "low");
        bus.register(0xFFFF_FFFF_0000_0000L, 0x1000, new Recorder(2), "top");
        assertThat(bus.find(0xFFFF_FFFF_0000_0FFFL).name()).isEqualTo("top");
        assertThat(bus.find(0x1800).name()).isEqualTo("low");
    }

    @Test
    void rejectsOverlappingRangesNamingBothDevices() {
        Bus bus = new Bus("port");
        bus.register(0x60, 5, new Recorder(0), "i8042");
        for (long[] r : new long[][] {{0x60, 1}, {0x64, 1}, {0x5F, 2}, {0x50, 0x100}, {0x62, 1}}) {
            assertThatThrownBy(() -> bus.register(r[0], r[1], new Recorder(0), "other"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("other").hasMessageContaining("overlaps i8042");
        }
        // Adjacent ranges are fine.
        bus.register(0x5F, 1, new Recorder(0), "below");
        bus.register(0x65, 1, new Recorder(0), "above");
    }

    @Test
    void overlapAboveTwoToTheSixtyThreeIsSeen() {
        Bus bus = new Bus("MMIO");
        bus.register(0x8000_0000_0000_0000L, 0x100, new Recorder(0), "high");
        assertThatThrownBy(() -> bus.register(0x7FFF_FFFF_FFFF_F000L, 0x2000, new Recorder(0), "straddling"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps high");
    }

    @Test
    void rejectsRangesThatWrapPastTheTop() {
        Bus bus = new Bus("MMIO");
        assertThatThrownBy(() -> bus.register(0xFFFF_FFFF_FFFF_F000L, 0x2000, new Recorder(0), "wrapping"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wrapping");
        // Once wrapped, it would have hidden a range at 0.
        bus.register(0, 0x1000, new Recorder(0), "zero page");
        assertThat(bus.find(0x800).name()).isEqualTo("zero page");
    }

    @Test
    void rejectsEmptyAndNegativeLengths() {
        Bus bus = new Bus("port");
        assertThatThrownBy(() -> bus.register(0x80, 0, new Recorder(0), "zero")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("length 0");
        assertThatThrownBy(() -> bus.register(0x80, -1, new Recorder(0), "neg")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unregisterRemovesOnlyThatRange() {
        Bus bus = new Bus("port");
        Recorder a = new Recorder(0xA00);
        bus.register(0x10, 4, a, "a");
        bus.register(0x20, 4, new Recorder(0xB00), "b");
        assertThat(bus.unregister(0x10)).isTrue();
        assertThat(bus.unregister(0x10)).isFalse();
        assertThat(bus.unregister(0x22)).isFalse();
        assertThat(bus.find(0x10)).isNull();
        assertThat(bus.read(0x20, 1)).isEqualTo(0xB00);
        assertThat(bus.read(0x10, 1)).isEqualTo(0xFF);
        assertThat(a.log).isEmpty();
        // The freed range can be taken again.
        bus.register(0x10, 4, a, "a again");
        assertThat(bus.read(0x11, 1)).isEqualTo(0xA01);
    }

    @Test
    void unassignedReadsAreAllOnesForEachSize() {
        Bus bus = new Bus("port");
        assertThat(bus.read(0x1234, 1)).isEqualTo(0xFFL);
        assertThat(bus.read(0x1234, 2)).isEqualTo(0xFFFFL);
        assertThat(bus.read(0x1234, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(bus.read(0x1234, 8)).isEqualTo(-1L);
        bus.write(0x1234, 4, 0xDEAD); // dropped, nothing to see, nothing thrown
    }

    @Test
    void deviceThatThrowsDoesNotPropagateAndReadsAsAllOnes() {
        Bus bus = new Bus("MMIO");
        bus.register(0x1000, 0x100, THROWING, "buggy");
        assertThat(bus.read(0x1000, 1)).isEqualTo(0xFFL);
        assertThat(bus.read(0x1000, 2)).isEqualTo(0xFFFFL);
        assertThat(bus.read(0x1000, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(bus.read(0x1000, 8)).isEqualTo(-1L);
        for (int i = 0; i < 100; i++) {
            bus.write(0x1000, 4, i);
        }
    }

    @Test
    void silentDeviceReadsAllOnesAndIgnoresWrites() {
        Bus bus = new Bus("port");
        bus.register(0x80, 1, Bus.SILENT, "post");
        bus.write(0x80, 1, 0);
        assertThat(bus.read(0x80, 1)).isEqualTo(0xFFL);
        assertThat(bus.read(0x80, 4)).isEqualTo(0xFFFF_FFFFL);
    }
}
