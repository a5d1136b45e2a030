package org.jxen.vmm.vcpu;

import org.jxen.kvm.Sregs;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Page walks over tables built by hand in real guest memory (Intel SDM vol. 3, 4.3-4.5). */
class PageWalkerTest {
    static final long P = 1, RW = 2, PS = 0x80;
    static final long CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_LA57 = 1 << 12;

    GuestMemory mem;
    /** Next free page for a table. */
    long nextTable = 0x10_0000;

    @BeforeEach
    void create() throws Exception {
        mem = GuestMemory.create("walk", new AddressMap(16 * AddressMap.MIB));
    }

    @AfterEach
    void close() {
        mem.close();
    }

    long table() {
        long t = nextTable;
        nextTable += 4096;
        mem.zero(t, 4096);
        return t;
    }

    static Sregs longMode(long cr3, long cr4) {
        return new Sregs().cr0(Sregs.CR0_PE | Sregs.CR0_PG).cr4(Sregs.CR4_PAE | cr4).efer(Sregs.EFER_LME | Sregs.EFER_LMA)
                .cr3(cr3);
    }

    /** The table an entry points to, made if absent. */
    long next(long table, long linear, int shift) {
        long slot = table + ((linear >>> shift) & 0x1ff) * 8;
        long e = mem.readU64(slot);
        if ((e & P) == 0) {
            e = table() | P | RW;
            mem.writeU64(slot, e);
        }
        return e & 0x000F_FFFF_FFFF_F000L;
    }

    /** Maps {@code linear} to {@code phys} with a page of 4 KiB (level 1), 2 MiB (2) or 1 GiB (3). */
    void map(long top, int levels, long linear, long phys, int pageLevel) {
        long t = top;
        for (int level = levels; level > pageLevel; level--) {
            t = next(t, linear, 12 + 9 * (level - 1));
        }
        mem.writeU64(t + ((linear >>> (12 + 9 * (pageLevel - 1))) & 0x1ff) * 8, phys | P | RW | (pageLevel > 1 ? PS : 0));
    }

    @Test
    void fourLevelWalkTranslatesFourKibPages() {
        long pml4 = table();
        map(pml4, 4, 0x0000_0040_0020_3000L, 0x55_0000, 1);
        map(pml4, 4, 0xFFFF_FFFF_8000_1000L, 0x66_7000, 1); // the kernel's higher half
        Sregs s = longMode(pml4, 0);
        assertThat(PageWalker.translate(mem, s, 0x0000_0040_0020_3ABCL)).isEqualTo(0x55_0ABC);
        assertThat(PageWalker.translate(mem, s, 0xFFFF_FFFF_8000_1FFFL)).isEqualTo(0x66_7FFF);
        assertThat(PageWalker.translate(mem, s, 0x0000_0040_0020_4000L)).as("next page, not mapped").isEqualTo(-1);
    }

    @Test
    void fourLevelWalkStopsAtTwoMibAndOneGibPages() {
        long pml4 = table();
        map(pml4, 4, 0x20_0000, 0x1_2340_0000L, 2);
        map(pml4, 4, 0x80_0000_0000L, 0x2_4000_0000L, 3);
        Sregs s = longMode(pml4, 0);
        assertThat(PageWalker.translate(mem, s, 0x2F_FFFF)).isEqualTo(0x1_234F_FFFFL);
        assertThat(PageWalker.translate(mem, s, 0x20_0000)).isEqualTo(0x1_2340_0000L);
        assertThat(PageWalker.translate(mem, s, 0x80_3FFF_FFFFL)).isEqualTo(0x2_7FFF_FFFFL);
        assertThat(PageWalker.translate(mem, s, 0x80_1234_5678L)).isEqualTo(0x2_5234_5678L);
    }

    @Test
    void notPresentAtAnyLevelIsMinusOne() {
        long pml4 = table();
        map(pml4, 4, 0x40_0000, 0x9_0000, 1);
        Sregs s = longMode(pml4, 0);
        assertThat(PageWalker.translate(mem, s, 0x40_0000)).isEqualTo(0x9_0000);
        assertThat(PageWalker.translate(mem, s, 0x40_1000)).as("PTE").isEqualTo(-1);
        assertThat(PageWalker.translate(mem, s, 0x60_0000)).as("PDE").isEqualTo(-1);
        assertThat(PageWalker.translate(mem, s, 0x4000_0000L)).as("PDPTE").isEqualTo(-1);
        assertThat(PageWalker.translate(mem, s, 0x80_0000_0000L)).as("PML4E").isEqualTo(-1);
    }

    @Test
    void tablesOutsideRamAreMinusOneNotAnException() {
        long pml4 = table();
        mem.writeU64(pml4, 0xFEE0_0000L | P); // a PDPT in the APIC page
        assertThat(PageWalker.translate(mem, longMode(pml4, 0), 0x1000)).isEqualTo(-1);
        assertThat(PageWalker.translate(mem, longMode(0x7_0000_0000L, 0), 0x1000)).as("CR3 outside RAM").isEqualTo(-1);
    }

    @Test
    void fiveLevelWalkWithLa57() {
        long pml5 = table();
        long linear = 0x0100_0000_0000_0000L | 0x5000;
        map(pml5, 5, linear, 0xAB_C000, 1);
        assertThat(PageWalker.translate(mem, longMode(pml5, CR4_LA57), linear | 0x123)).isEqualTo(0xAB_C123);
    }

    @Test
    void paeWalkHandlesFourKibAndTwoMibPages() {
        long pdpt = 0x20_0000; // 32-byte aligned, four entries
        mem.zero(pdpt, 32);
        long pd = table();
        long pt = table();
        mem.writeU64(pdpt + 3 * 8, pd | P); // 0xC0000000..
        mem.writeU64(pd + 8, pt | P | RW); // 0xC0200000..
        mem.writeU64(pt + 5 * 8, 0x77_7000 | P);
        mem.writeU64(pd + 2 * 8, 0x80_0000 | P | PS); // 0xC0400000.. as a 2 MiB page
        Sregs s = new Sregs().cr0(Sregs.CR0_PE | Sregs.CR0_PG).cr4(CR4_PAE).efer(0).cr3(pdpt);
        assertThat(PageWalker.translate(mem, s, 0xC020_5ABCL)).isEqualTo(0x77_7ABC);
        assertThat(PageWalker.translate(mem, s, 0xC041_2345L)).isEqualTo(0x81_2345);
        assertThat(PageWalker.translate(mem, s, 0xC020_6000L)).isEqualTo(-1);
        assertThat(PageWalker.translate(mem, s, 0x0000_1000L)).as("PDPTE 0 not present").isEqualTo(-1);
    }

    @Test
    void thirtyTwoBitWalkHandlesFourKibAndFourMibPages() {
        long pd = table();
        long pt = table();
        mem.writeU32(pd + 1 * 4, (int) (pt | P | RW)); // 0x00400000..
        mem.writeU32(pt + 2 * 4, 0x33_3000 | (int) P);
        mem.writeU32(pd + 0x300 * 4, 0x0080_0000 | (int) (P | PS)); // 0xC0000000 as a 4 MiB page
        Sregs pse = new Sregs().cr0(Sregs.CR0_PE | Sregs.CR0_PG).cr4(CR4_PSE).efer(0).cr3(pd);
        assertThat(PageWalker.translate(mem, pse, 0x0040_2FFF)).isEqualTo(0x33_3FFF);
        assertThat(PageWalker.translate(mem, pse, 0xC012_3456L)).isEqualTo(0x0092_3456);
        assertThat(PageWalker.translate(mem, pse, 0x0080_0000)).isEqualTo(-1);
        // Without CR4.PSE the PS bit is ignored and the entry points at a page table.
        Sregs noPse = new Sregs().cr0(Sregs.CR0_PE | Sregs.CR0_PG).cr4(0).efer(0).cr3(pd);
        mem.zero(0x80_0000, 4096);
        mem.writeU32(0x80_0000 + 0x123 * 4, 0x44_4000 | (int) P);
        assertThat(PageWalker.translate(mem, noPse, 0xC012_3456L)).isEqualTo(0x44_4456);
    }

    @Test
    void pagingOffIsTheIdentityOnThirtyTwoBits() {
        Sregs off = new Sregs().cr0(Sregs.CR0_PE).cr4(0).efer(0).cr3(0x1234_5000L);
        assertThat(PageWalker.translate(mem, off, 0x10_0010)).isEqualTo(0x10_0010);
        assertThat(PageWalker.translate(mem, off, 0x1_FFFF_FFF0L)).isEqualTo(0xFFFF_FFF0L);
    }
}
