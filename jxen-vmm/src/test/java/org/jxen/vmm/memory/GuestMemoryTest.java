package org.jxen.vmm.memory;

import java.util.Arrays;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.jxen.vmm.memory.AddressMap.GIB;
import static org.jxen.vmm.memory.AddressMap.KIB;
import static org.jxen.vmm.memory.AddressMap.MIB;

/**
 * A real {@link GuestMemory} (a memfd, no KVM): 2 MiB below 4 GiB, and a map with 64 KiB above
 * 4 GiB (the memfd is sparse, so the 3 GiB below cost nothing until touched).
 */
class GuestMemoryTest {
    static final long HOLE = AddressMap.HIMEM_START - AddressMap.LEGACY_HOLE_START;
    static GuestMemory small;
    static GuestMemory split;

    @BeforeAll
    @BeforeContainer
    static void create() throws Exception {
        if (small == null) {
            small = GuestMemory.create("test-small", new AddressMap(2 * MIB));
            split = GuestMemory.create("test-split", new AddressMap(3 * GIB - HOLE + 64 * KIB));
        }
    }

    @AfterAll
    @AfterContainer
    static void close() {
        if (small != null) {
            small.close();
            split.close();
            small = null;
            split = null;
        }
    }

    @Test
    void readsBackWhatWasWrittenLittleEndian() {
        small.writeU64(0x1000, 0x1122_3344_5566_7788L);
        assertThat(small.readU64(0x1000)).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(small.readU32(0x1000)).isEqualTo(0x5566_7788);
        assertThat(small.readU16(0x1000)).isEqualTo(0x7788);
        assertThat(small.readByte(0x1000)).isEqualTo((byte) 0x88);
        assertThat(small.readByte(0x1007)).isEqualTo((byte) 0x11);
        small.writeU16(0x1001, 0xFFEE);
        assertThat(small.readU16(0x1001)).isEqualTo(0xFFEE);
        small.writeU32(0x1003, 0xCAFEBABE);
        assertThat(small.readU32(0x1003)).isEqualTo(0xCAFEBABE);
    }

    @Test
    void copiesByteArraysAndCStrings() {
        small.write(0x2000, new byte[] {1, 2, 3, 4});
        assertThat(small.read(0x2000, 4)).containsExactly(1, 2, 3, 4);
        small.writeCString(0x3000, "console=ttyS0");
        assertThat(new String(small.read(0x3000, 13))).isEqualTo("console=ttyS0");
        assertThat(small.readByte(0x3000 + 13)).isZero();
        small.zero(0x2000, 4);
        assertThat(small.read(0x2000, 4)).containsOnly(0);
    }

    @Test
    void discardZeroesTheRangeWithPartialPagesAtBothEndsAndNothingAround() {
        byte[] junk = new byte[5 * 4096];
        Arrays.fill(junk, (byte) 0x6b);
        small.write(0x10_0000, junk);
        small.discard(0x10_0000 + 100, 3 * 4096 + 50); // from inside page 0 to inside page 3
        byte[] after = small.read(0x10_0000, junk.length);
        for (int i = 0; i < after.length; i++) {
            boolean inside = i >= 100 && i < 100 + 3 * 4096 + 50;
            assertThat(after[i]).as("byte %d", i).isEqualTo(inside ? (byte) 0 : (byte) 0x6b);
        }
        small.write(0x10_0000, junk);
        small.discard(0x10_0000 + 10, 20); // within one page: no whole page to hand back
        assertThat(small.read(0x10_0000, 40)).containsExactly(expectZeroes(junk, 10, 30, 40));
        small.discard(0x10_0000, 5 * 4096); // page-aligned both ends
        assertThat(small.read(0x10_0000, 5 * 4096)).containsOnly(0);
        assertThatThrownBy(() -> small.discard(2 * MIB + HOLE - 8, 16)).isInstanceOf(GuestMemoryException.class);
    }

    @Test
    void copyFromFillsTheRangeFromTheFileThroughTheMemfd(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        byte[] data = new byte[3 * 4096 + 5];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        java.nio.file.Path f = java.nio.file.Files.write(dir.resolve("data"), data);
        long top = 4 * GIB; // the region above 4 GiB: backed from lowEnd of the memfd, not from its gpa
        split.write(top, new byte[64 * 1024]);
        try (org.jxen.sys.FileFd file = org.jxen.sys.FileFd.openReadOnly(f.toString())) {
            assertThat(split.copyFrom(file, 4, top + 100, data.length - 4)).isEqualTo(data.length - 4);
            assertThat(split.read(top + 100, data.length - 4)).isEqualTo(Arrays.copyOfRange(data, 4, data.length));
            assertThat(split.readByte(top + 99)).isZero();
            assertThat(split.copyFrom(file, 0, 0x1000, 8192 * 2)).as("short at the end of the file").isEqualTo(data.length);
            assertThatThrownBy(() -> split.copyFrom(file, 0, top + 60 * KIB, 8 * KIB)).isInstanceOf(GuestMemoryException.class);
        }
        // A directory cannot be spliced (EINVAL): the fallback preads, which says EISDIR.
        try (org.jxen.sys.FileFd d = org.jxen.sys.FileFd.openReadOnly(dir.toString())) {
            assertThatThrownBy(() -> split.copyFrom(d, 0, 0x1000, 16)).isInstanceOf(org.jxen.sys.SysException.class)
                    .hasMessageContaining("pread(").hasMessageContaining("EISDIR");
        }
    }

    private static byte[] expectZeroes(byte[] src, int from, int to, int length) {
        byte[] b = Arrays.copyOf(src, length);
        Arrays.fill(b, from, to, (byte) 0);
        return b;
    }

    @Test
    void lastByteOfRamIsAccessibleAndTheNextIsNot() {
        long end = 2 * MIB + HOLE;
        small.writeByte(end - 1, 0x5A);
        assertThat(small.readByte(end - 1)).isEqualTo((byte) 0x5A);
        assertThat(small.contains(end - 1, 1)).isTrue();
        assertThat(small.contains(end, 1)).isFalse();
        assertThatThrownBy(() -> small.readByte(end)).isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining(Long.toHexString(end));
        assertThatThrownBy(() -> small.readU64(end - 4)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> small.writeU32(end - 2, 0)).isInstanceOf(GuestMemoryException.class);
    }

    @Test
    void rejectsAddressesOutsideRamWithTheRange() {
        GuestMemoryException e = (GuestMemoryException) catchThrowable(() -> small.read(0xFEE0_0000L, 16));
        assertThat(e).isNotNull();
        assertThat(e.address()).isEqualTo(0xFEE0_0000L);
        assertThat(e.length()).isEqualTo(16);
        assertThatThrownBy(() -> small.slice(-1L, 1)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> small.slice(0, -1)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> small.read(0x1000, -5)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> small.slice(0x1000, Long.MAX_VALUE)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> small.zero(Long.MAX_VALUE, 2)).isInstanceOf(GuestMemoryException.class);
    }

    @Test
    void rangeStraddlingTheMmioHoleAndHighRamThrows() {
        assertThat(split.regions()).hasSize(2);
        long lowEnd = 3 * GIB;
        // Each side on its own is RAM; together they are not one region.
        split.writeU32(lowEnd - 4, 0x01020304);
        split.writeU32(AddressMap.FOUR_GIB, 0x05060708);
        assertThatThrownBy(() -> split.read(lowEnd - 4, 8)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> split.readU64(lowEnd - 4)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> split.readByte(AddressMap.PCIE_ECAM_START)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> split.readByte(AddressMap.FOUR_GIB - 1)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> split.read(AddressMap.FOUR_GIB + 64 * KIB - 4, 8))
                .isInstanceOf(GuestMemoryException.class);
    }

    @Test
    void highRegionIsItsOwnBackingNotAnAliasOfLowRam() {
        long high = AddressMap.FOUR_GIB;
        split.writeU64(high + 0x100, 0xA5A5_A5A5_5A5A_5A5AL);
        split.writeU64(0x100, 0);
        split.writeU64(3 * GIB - 0x1000 + 0x100, 0);
        assertThat(split.readU64(high + 0x100)).isEqualTo(0xA5A5_A5A5_5A5A_5A5AL);
        assertThat(split.readU64(0x100)).isZero();
        assertThat(split.readU64(3 * GIB - 0x1000 + 0x100)).isZero();
        // The last byte of high RAM (exactly 64 KiB: the hole was made up below) is there.
        long highEnd = high + 64 * KIB;
        split.writeByte(highEnd - 1, 7);
        assertThat(split.readByte(highEnd - 1)).isEqualTo((byte) 7);
        assertThat(split.hostAddress(1) - split.hostAddress(0)).isEqualTo(3 * GIB);
    }

    @Test
    void closeTwiceIsHarmless() throws Exception {
        GuestMemory m = GuestMemory.create("test-close", new AddressMap(MIB));
        m.writeByte(0, 1);
        m.close();
        m.close();
    }

    @Provide
    Arbitrary<long[]> ranges() {
        long lowEnd = 3 * GIB;
        long highEnd = AddressMap.FOUR_GIB + 64 * KIB;
        // Addresses near every edge (0, the end of low RAM, 4 GiB, the end of high RAM, the
        // top of the address space) and anywhere at all; lengths small, at the edges and wild.
        Arbitrary<Long> edge = Arbitraries.of(0L, lowEnd, AddressMap.FOUR_GIB, highEnd, 0L, -1L, Long.MAX_VALUE);
        Arbitrary<Long> gpa = Arbitraries.oneOf(
                Combinators.combine(edge, Arbitraries.longs().between(-64, 64)).as(Long::sum),
                Arbitraries.longs());
        Arbitrary<Long> len = Arbitraries.oneOf(Arbitraries.longs().between(-2, 64),
                Arbitraries.of(0L, 4096L, Long.MAX_VALUE, Long.MIN_VALUE, -1L), Arbitraries.longs());
        return Combinators.combine(gpa, len).as((g, l) -> new long[] {g, l});
    }

    @Property(tries = 2000)
    void everyRangeEitherRoundTripsOrThrowsGuestMemoryException(@ForAll("ranges") long[] range) {
        long gpa = range[0];
        long len = range[1];
        // The oracle, computed independently of MemoryRegion: [gpa, gpa + len) inside one region.
        long highEnd = AddressMap.FOUR_GIB + 64 * KIB;
        boolean sane = len >= 0 && gpa >= 0 && gpa <= Long.MAX_VALUE - len;
        boolean inRam = sane && ((gpa + len <= 3 * GIB) || (gpa >= AddressMap.FOUR_GIB && gpa + len <= highEnd));
        try {
            var seg = split.slice(gpa, len);
            assertThat(inRam).as("slice(0x%x, %d) succeeded outside RAM", gpa, len).isTrue();
            assertThat(seg.byteSize()).isEqualTo(len);
            if (len > 0 && len <= 64) {
                byte[] data = new byte[(int) len];
                Arrays.fill(data, (byte) (gpa ^ len));
                split.write(gpa, data);
                assertThat(split.read(gpa, (int) len)).containsExactly(data);
            }
        } catch (GuestMemoryException e) {
            assertThat(inRam).as("slice(0x%x, %d) refused inside RAM", gpa, len).isFalse();
            assertThat(e.address()).isEqualTo(gpa);
            assertThat(e.length()).isEqualTo(len);
        }
    }
}
