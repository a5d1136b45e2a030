package org.jxen.vmm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Page tables built in guest RAM by the test, walked as the CPU walks them. */
class PageWalkerTest {
    final GuestMemory memory;
    final PageWalker w;
    static final long CR3 = 0x10_0000;

    PageWalkerTest() throws Exception {
        memory = GuestMemory.create("walk", new AddressMap(64 * AddressMap.MIB));
        w = new PageWalker(memory);
        // PML4[1] -> PDPT at 0x101000; PDPT[0] -> PD at 0x102000; PDPT[3] = a 1 GiB page at 0.
        memory.writeU64(CR3 + 8, 0x10_1000 | 3);
        memory.writeU64(0x10_1000, 0x10_2000 | 3);
        memory.writeU64(0x10_1000 + 3 * 8, 0x0 | 0x83);
        // PD[1] = a 2 MiB page at 0x400000; PD[2] -> PT at 0x103000 whose entry 5 maps 0x2345000.
        memory.writeU64(0x10_2000 + 8, 0x40_0000 | 0x83);
        memory.writeU64(0x10_2000 + 16, 0x10_3000 | 3);
        memory.writeU64(0x10_3000 + 5 * 8, 0x234_5000 | 3);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    static long va(long pml4, long pdpt, long pd, long pt, long off) {
        return pml4 << 39 | pdpt << 30 | pd << 21 | pt << 12 | off;
    }

    @Test
    void fourKTwoMAndOneGPagesTranslate() throws Exception {
        assertThat(w.translate(va(1, 0, 2, 5, 0x123), CR3, true)).isEqualTo(0x234_5123L);
        assertThat(w.translate(va(1, 0, 1, 7, 0x10), CR3, true)).isEqualTo(0x40_0000L + 7 * 4096 + 0x10);
        assertThat(w.translate(va(1, 3, 0, 0, 0x42) + 0x1234_5000L % (1L << 30), CR3, true))
                .isEqualTo(0x1234_5042L);
        assertThat(w.translate(0xABCDE, CR3, false)).as("paging off").isEqualTo(0xABCDEL);
    }

    @Test
    void aRangeAcrossPagesIsCopiedPageByPage() throws Exception {
        memory.writeU64(0x10_3000 + 6 * 8, 0x100_0000 | 3); // the next linear page maps far away
        memory.write(0x234_5FFC, new byte[] {1, 2, 3, 4});
        memory.write(0x100_0000, new byte[] {5, 6});
        assertThat(w.read(va(1, 0, 2, 5, 0xFFC), 6, CR3, true)).containsExactly(1, 2, 3, 4, 5, 6);
        w.write(va(1, 0, 2, 5, 0xFFE), new byte[] {9, 9, 9}, CR3, true);
        assertThat(memory.read(0x100_0000, 1)).containsExactly(9);
    }

    @Test
    void unmappedAddressesAndTablesOutsideRamFault() {
        assertThatThrownBy(() -> w.translate(va(2, 0, 0, 0, 0), CR3, true)).hasMessageContaining("is not mapped");
        assertThatThrownBy(() -> w.translate(va(1, 0, 2, 9, 0), CR3, true)).hasMessageContaining("is not mapped");
        memory.writeU64(0x10_2000 + 24, 0x7_0000_0000L | 3);
        assertThatThrownBy(() -> w.translate(va(1, 0, 3, 0, 0), CR3, true)).hasMessageContaining("outside guest RAM");
        assertThatThrownBy(() -> w.read(0x7_0000_0000L, 4, 0, false)).hasMessageContaining("maps outside guest RAM");
    }
}
