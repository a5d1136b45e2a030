package org.jxen.vmm.memory;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryRegionTest {
    private final MemoryRegion r = new MemoryRegion(0x1000, 0x1000, 0);

    @Test
    void containsRangesInside() {
        assertThat(r.contains(0x1000, 0x1000)).isTrue();
        assertThat(r.contains(0x1000, 1)).isTrue();
        assertThat(r.contains(0x1FFF, 1)).isTrue();
        assertThat(r.end()).isEqualTo(0x2000);
    }

    @Test
    void rejectsRangesRunningPastTheEndOrStartingBefore() {
        assertThat(r.contains(0x1FFF, 2)).isFalse();
        assertThat(r.contains(0x2000, 1)).isFalse();
        assertThat(r.contains(0x0FFF, 1)).isFalse();
        assertThat(r.contains(0x0FFF, 2)).isFalse();
        assertThat(r.contains(0x1000, 0x1001)).isFalse();
    }

    @Test
    void zeroLengthIsInsideUpToAndIncludingTheEnd() {
        assertThat(r.contains(0x1000, 0)).isTrue();
        assertThat(r.contains(0x2000, 0)).isTrue();
        assertThat(r.contains(0x2001, 0)).isFalse();
        assertThat(r.contains(0x0FFF, 0)).isFalse();
    }

    @Test
    void rejectsNegativeLength() {
        assertThat(r.contains(0x1000, -1)).isFalse();
        assertThat(r.contains(0x1800, Long.MIN_VALUE)).isFalse();
    }

    @Test
    void rejectsRangesWhoseEndOverflows() {
        assertThat(r.contains(0x1800, Long.MAX_VALUE)).isFalse();
        assertThat(r.contains(-1L, 2)).isFalse();
        assertThat(r.contains(Long.MAX_VALUE, 0x1000)).isFalse();
        assertThat(r.contains(Long.MIN_VALUE, 1)).isFalse();
    }

    @Test
    void regionAtTheTopOfTheAddressSpaceComparesUnsigned() {
        MemoryRegion top = new MemoryRegion(0xFFFF_FFFF_FFFF_F000L, 0x1000, 0);
        assertThat(top.contains(0xFFFF_FFFF_FFFF_F000L, 0x1000)).isTrue();
        assertThat(top.contains(-1L, 1)).isTrue();
        assertThat(top.contains(-1L, 2)).isFalse();
        assertThat(top.contains(0, 1)).isFalse();
        assertThat(top.contains(0x7FFF_FFFF_FFFF_F000L, 1)).isFalse();
    }
}
