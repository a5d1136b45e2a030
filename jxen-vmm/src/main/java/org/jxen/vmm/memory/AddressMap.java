package org.jxen.vmm.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * Where everything sits in the guest's physical address space. The only place these numbers
 * are written down; the machine builder, the boot loaders and the ACPI tables read them here.
 *
 * <pre>
 * 0x0000_0000 .. 0x0009_FFFF   RAM (640 KiB conventional memory)
 * 0x000A_0000 .. 0x000F_FFFF   reserved: legacy ISA hole; ACPI tables at 0xE0000
 * 0x0010_0000 .. lowEnd        RAM (lowEnd &lt;= 3 GiB)
 * 0xC000_0000 .. 0xDFFF_FFFF   32-bit PCI MMIO window
 * 0xE000_0000 .. 0xEFFF_FFFF   PCIe ECAM (MCFG), buses 0..255
 * 0xFEC0_0000                  IOAPIC
 * 0xFEE0_0000                  local APICs
 * 0xFFFB_C000 .. 0xFFFB_FFFF   KVM's identity-map page and real-mode TSS (Intel)
 * 0x1_0000_0000 .. highEnd     RAM above 4 GiB, when the guest has more than fits below
 * </pre>
 *
 * The RAM regions add up to exactly the memory the guest was given: the 384 KiB that the
 * legacy hole takes out of the first MiB are added at the top of low memory, so that a guest
 * with {@code memory=512} sees 512 MiB of RAM in its memory map.
 */
public final class AddressMap {
    public static final long KIB = 1024;
    public static final long MIB = 1024 * KIB;
    public static final long GIB = 1024 * MIB;

    /** End of conventional memory; the ISA hole starts here. */
    public static final long LEGACY_HOLE_START = 0xA_0000;
    /** Start of extended memory (1 MiB); the ISA hole ends here. */
    public static final long HIMEM_START = 0x10_0000;
    /** Where the ACPI tables go: the RSDP must be in 0xE0000..0xFFFFF (ACPI 6.x, 5.2.5.1). */
    public static final long ACPI_TABLES_START = 0xE_0000;
    public static final long ACPI_TABLES_END = 0x10_0000;
    /** RAM ends here at the most below 4 GiB; the 32-bit MMIO hole follows. */
    public static final long MMIO_HOLE_START = 3 * GIB;
    public static final long PCI_MMIO32_START = 0xC000_0000L;
    public static final long PCI_MMIO32_SIZE = 0x2000_0000L;
    public static final long PCIE_ECAM_START = 0xE000_0000L;
    public static final long PCIE_ECAM_SIZE = 0x1000_0000L;
    public static final long IOAPIC_START = 0xFEC0_0000L;
    public static final long LAPIC_START = 0xFEE0_0000L;
    /** KVM_SET_IDENTITY_MAP_ADDR (one page) and KVM_SET_TSS_ADDR (three pages), as QEMU places them. */
    public static final long KVM_IDENTITY_MAP = 0xFFFB_C000L;
    public static final long KVM_TSS = 0xFFFB_D000L;
    public static final long FOUR_GIB = 4 * GIB;
    /**
     * The least memory a map is drawn for: below 640 KiB the conventional-memory entry would
     * claim RAM that is not there, and the ACPI tables at 0xE0000 would have no backing.
     */
    public static final long MIN_MEMORY_BYTES = HIMEM_START;
    /** The most: 64 TiB, beyond any host, so that no address computed here can overflow. */
    public static final long MAX_MEMORY_BYTES = 1L << 46;

    // Boot structures in low RAM (the loaders write them; the guest owns the RAM afterwards).
    /** The boot GDT (and, for bzImage, the IDT after it). */
    public static final long BOOT_GDT = 0x500;
    public static final long BOOT_IDT = 0x520;
    /** PVH: hvm_start_info, then the module list, then the memory map. */
    public static final long PVH_START_INFO = 0x6000;
    public static final long PVH_MODLIST = 0x6040;
    public static final long PVH_MEMMAP = 0x6100;
    /** Multiboot information and its memory map (same page as PVH's: one loader runs). */
    public static final long MULTIBOOT_INFO = 0x6000;
    public static final long MULTIBOOT_MMAP = 0x6100;
    public static final long MULTIBOOT_MODS = 0x6800;
    public static final long MULTIBOOT_LOADER_NAME = 0x6f00;
    /** Linux boot protocol: the zero page (struct boot_params). */
    public static final long ZERO_PAGE = 0x7000;
    /** Identity page tables for the 64-bit Linux entry: PML4, PDPT, four PDs. */
    public static final long PML4 = 0x9000;
    public static final long PDPT = 0xA000;
    public static final long PD = 0xB000;
    /** The kernel command line (up to {@link #CMDLINE_MAX} bytes with the NUL). */
    public static final long CMDLINE = 0x2_0000;
    public static final int CMDLINE_MAX = 0x1_0000;

    private final long memoryBytes;
    private final long lowEnd;
    private final long highSize;

    /** The map for a guest given {@code memoryBytes} of RAM (a multiple of 4 KiB, 1 MiB to 64 TiB). */
    public AddressMap(long memoryBytes) {
        if (memoryBytes < MIN_MEMORY_BYTES || memoryBytes > MAX_MEMORY_BYTES || memoryBytes % (4 * KIB) != 0) {
            throw new IllegalArgumentException("memory: " + memoryBytes + " bytes (expected: a multiple of 4096 from "
                    + MIN_MEMORY_BYTES + " to " + MAX_MEMORY_BYTES + ")");
        }
        this.memoryBytes = memoryBytes;
        long backed = memoryBytes + (HIMEM_START - LEGACY_HOLE_START);
        this.lowEnd = Math.min(backed, MMIO_HOLE_START);
        this.highSize = backed - lowEnd;
    }

    /** RAM the guest was given, in bytes. */
    public long memoryBytes() {
        return memoryBytes;
    }

    /** End of RAM below 4 GiB. */
    public long lowEnd() {
        return lowEnd;
    }

    /** Bytes of RAM above 4 GiB (0 when all fits below). */
    public long highSize() {
        return highSize;
    }

    /** Bytes of backing memory (RAM plus the legacy hole, which is backed and holds the ACPI tables). */
    public long backingSize() {
        return lowEnd + highSize;
    }

    /** The backed regions: everything below {@link #lowEnd()} and the RAM above 4 GiB. */
    public List<MemoryRegion> backedRegions() {
        List<MemoryRegion> r = new ArrayList<>(2);
        r.add(new MemoryRegion(0, lowEnd, 0));
        if (highSize > 0) {
            r.add(new MemoryRegion(FOUR_GIB, highSize, lowEnd));
        }
        return r;
    }

    /** One entry of the guest's memory map (E820 types: 1 RAM, 2 reserved). */
    public record MapEntry(long start, long size, int type) {
        public static final int RAM = 1;
        public static final int RESERVED = 2;
    }

    /**
     * The memory map the guest sees (e820, PVH memmap, multiboot mmap): usable RAM adding up
     * to {@link #memoryBytes()}, the legacy hole and the ECAM window reserved.
     */
    public List<MapEntry> memoryMap() {
        List<MapEntry> m = new ArrayList<>();
        m.add(new MapEntry(0, LEGACY_HOLE_START, MapEntry.RAM));
        m.add(new MapEntry(LEGACY_HOLE_START, HIMEM_START - LEGACY_HOLE_START, MapEntry.RESERVED));
        if (lowEnd > HIMEM_START) {
            m.add(new MapEntry(HIMEM_START, lowEnd - HIMEM_START, MapEntry.RAM));
        }
        m.add(new MapEntry(PCIE_ECAM_START, PCIE_ECAM_SIZE, MapEntry.RESERVED));
        if (highSize > 0) {
            m.add(new MapEntry(FOUR_GIB, highSize, MapEntry.RAM));
        }
        return m;
    }

    /** The first address above all RAM, where a 64-bit PCI window may start. */
    public long ramTop() {
        return highSize > 0 ? FOUR_GIB + highSize : lowEnd;
    }
}
