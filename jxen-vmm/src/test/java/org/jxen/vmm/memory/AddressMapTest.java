package org.jxen.vmm.memory;

import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jxen.vmm.memory.AddressMap.GIB;
import static org.jxen.vmm.memory.AddressMap.KIB;
import static org.jxen.vmm.memory.AddressMap.MIB;

class AddressMapTest {
    private static final long HOLE = AddressMap.HIMEM_START - AddressMap.LEGACY_HOLE_START;

    static long ramIn(List<AddressMap.MapEntry> map) {
        return map.stream().filter(e -> e.type() == AddressMap.MapEntry.RAM).mapToLong(AddressMap.MapEntry::size).sum();
    }

    @Property
    void ramInTheMapAddsUpToExactlyTheMemoryGiven(@ForAll @LongRange(min = 256, max = 64L * 1024 * 1024) long pages) {
        AddressMap map = new AddressMap(pages * 4 * KIB);
        assertThat(ramIn(map.memoryMap())).isEqualTo(map.memoryBytes());
        // The backing is the RAM plus the (backed) legacy hole, and the regions cover exactly it.
        assertThat(map.backingSize()).isEqualTo(map.memoryBytes() + HOLE);
        assertThat(map.backedRegions().stream().mapToLong(MemoryRegion::size).sum()).isEqualTo(map.backingSize());
        assertThat(map.lowEnd()).isLessThanOrEqualTo(AddressMap.MMIO_HOLE_START);
    }

    @Property
    void memoryMapIsSortedAndDoesNotOverlap(@ForAll @LongRange(min = 256, max = 64L * 1024 * 1024) long pages) {
        List<AddressMap.MapEntry> m = new AddressMap(pages * 4 * KIB).memoryMap();
        for (int i = 1; i < m.size(); i++) {
            assertThat(m.get(i).start()).isGreaterThanOrEqualTo(m.get(i - 1).start() + m.get(i - 1).size());
        }
        // No RAM entry reaches into the 32-bit MMIO hole.
        m.stream().filter(e -> e.type() == AddressMap.MapEntry.RAM && e.start() < AddressMap.FOUR_GIB)
                .forEach(e -> assertThat(e.start() + e.size()).isLessThanOrEqualTo(AddressMap.MMIO_HOLE_START));
    }

    @Test
    void smallGuestHasAllRamBelowFourGib() {
        AddressMap map = new AddressMap(512 * MIB);
        assertThat(map.lowEnd()).isEqualTo(512 * MIB + HOLE);
        assertThat(map.highSize()).isZero();
        assertThat(map.ramTop()).isEqualTo(map.lowEnd());
        assertThat(map.backedRegions()).containsExactly(new MemoryRegion(0, 512 * MIB + HOLE, 0));
        assertThat(map.memoryMap()).containsExactly(
                new AddressMap.MapEntry(0, 640 * KIB, AddressMap.MapEntry.RAM),
                new AddressMap.MapEntry(640 * KIB, 384 * KIB, AddressMap.MapEntry.RESERVED),
                new AddressMap.MapEntry(MIB, 511 * MIB + HOLE, AddressMap.MapEntry.RAM),
                new AddressMap.MapEntry(0xE000_0000L, 0x1000_0000L, AddressMap.MapEntry.RESERVED));
    }

    @Test
    void memoryThatJustFillsThreeGibHasNothingAboveFourGib() {
        AddressMap map = new AddressMap(3 * GIB - HOLE);
        assertThat(map.lowEnd()).isEqualTo(3 * GIB);
        assertThat(map.highSize()).isZero();
        assertThat(map.backedRegions()).hasSize(1);
        assertThat(map.memoryMap()).noneMatch(e -> e.start() == AddressMap.FOUR_GIB);
    }

    @Test
    void onePageMoreThanFitsBelowThreeGibGoesAboveFourGib() {
        AddressMap map = new AddressMap(3 * GIB - HOLE + 4 * KIB);
        assertThat(map.lowEnd()).isEqualTo(3 * GIB);
        assertThat(map.highSize()).isEqualTo(4 * KIB);
        assertThat(map.ramTop()).isEqualTo(AddressMap.FOUR_GIB + 4 * KIB);
        assertThat(map.backedRegions()).containsExactly(
                new MemoryRegion(0, 3 * GIB, 0),
                new MemoryRegion(AddressMap.FOUR_GIB, 4 * KIB, 3 * GIB));
        assertThat(map.memoryMap()).last().isEqualTo(new AddressMap.MapEntry(AddressMap.FOUR_GIB, 4 * KIB, AddressMap.MapEntry.RAM));
    }

    @Test
    void largeGuestSplitsAroundTheMmioHole() {
        AddressMap map = new AddressMap(8 * GIB);
        assertThat(map.lowEnd()).isEqualTo(3 * GIB);
        assertThat(map.highSize()).isEqualTo(5 * GIB + HOLE);
        assertThat(ramIn(map.memoryMap())).isEqualTo(8 * GIB);
        // The high region's backing follows the low one in the memfd.
        assertThat(map.backedRegions().get(1).backingOffset()).isEqualTo(3 * GIB);
    }

    @Test
    void smallestMapStillBacksTheAcpiTables() {
        AddressMap map = new AddressMap(AddressMap.MIN_MEMORY_BYTES);
        assertThat(ramIn(map.memoryMap())).isEqualTo(AddressMap.MIN_MEMORY_BYTES);
        assertThat(map.lowEnd()).isGreaterThanOrEqualTo(AddressMap.ACPI_TABLES_END);
    }

    @Test
    void rejectsZeroNegativeUnalignedTinyAndHugeSizes() {
        for (long bad : new long[] {0, -4096, 4095, 4097, 512 * MIB + 1, 4 * KIB, 640 * KIB - 4 * KIB,
                AddressMap.MAX_MEMORY_BYTES + 4 * KIB, Long.MAX_VALUE - 4095, Long.MIN_VALUE}) {
            assertThatThrownBy(() -> new AddressMap(bad)).as("memory %d", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("memory: " + bad + " bytes");
        }
    }

    @Test
    void fixedAddressesDoNotOverlapRam() {
        AddressMap map = new AddressMap(3 * GIB);
        assertThat(AddressMap.PCI_MMIO32_START).isGreaterThanOrEqualTo(map.lowEnd());
        assertThat(AddressMap.PCIE_ECAM_START).isEqualTo(AddressMap.PCI_MMIO32_START + AddressMap.PCI_MMIO32_SIZE);
        assertThat(AddressMap.PCIE_ECAM_START + AddressMap.PCIE_ECAM_SIZE).isLessThanOrEqualTo(AddressMap.IOAPIC_START);
        // The boot structures sit in conventional memory, below the legacy hole.
        for (long a : new long[] {AddressMap.BOOT_GDT, AddressMap.PVH_START_INFO, AddressMap.ZERO_PAGE, AddressMap.PML4,
                AddressMap.PD + 3 * 4096, AddressMap.CMDLINE + AddressMap.CMDLINE_MAX}) {
            assertThat(a).isLessThanOrEqualTo(AddressMap.LEGACY_HOLE_START);
        }
    }
}
