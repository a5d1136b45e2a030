package org.jxen.vmm.boot;

import java.util.List;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;

/**
 * Boots an ELF through its Xen PVH entry (xen/arch-x86/hvm/start_info.h; Xen's
 * docs/misc/pvh.pandoc): loads the segments at their physical addresses, writes
 * {@code struct hvm_start_info} version 1 with the command line, the module list (the initrd)
 * the RSDP and the memory map, and enters at the note's address in 32-bit protected mode with
 * EBX pointing at the start info.
 */
public final class PvhLoader {
    /** start_info.h: XEN_HVM_START_MAGIC_VALUE. */
    public static final int XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
    /** start_info.h: the version with memmap fields. */
    static final int START_INFO_VERSION = 1;
    // struct hvm_start_info offsets (start_info.h; checked by PvhLoaderTest).
    static final int SI_MAGIC = 0;
    static final int SI_VERSION = 4;
    static final int SI_FLAGS = 8;
    static final int SI_NR_MODULES = 12;
    static final int SI_MODLIST_PADDR = 16;
    static final int SI_CMDLINE_PADDR = 24;
    static final int SI_RSDP_PADDR = 32;
    static final int SI_MEMMAP_PADDR = 40;
    static final int SI_MEMMAP_ENTRIES = 48;
    static final int SI_SIZE = 56;
    static final int MODLIST_ENTRY_SIZE = 32;
    static final int MEMMAP_ENTRY_SIZE = 24;
    /** Room for memmap entries between PVH_MEMMAP and the zero page. */
    static final int MAX_MEMMAP_ENTRIES = (int) ((AddressMap.ZERO_PAGE - AddressMap.PVH_MEMMAP) / MEMMAP_ENTRY_SIZE);

    private PvhLoader() {}

    public static EntryState load(GuestMemory mem, BootSpec spec, ElfImage elf, byte[] image) throws BootException {
        long entry = elf.pvhEntry();
        long[] span = GuestLoad.loadSegments(elf, image, mem, spec.map());
        if (entry < span[0] || entry >= span[1]) {
            throw new BootException(String.format("%s: PVH entry 0x%x is outside the loaded image [0x%x, 0x%x)",
                    spec.kernel(), entry, span[0], span[1]));
        }
        long cmdline = GuestLoad.writeCmdline(mem, spec.cmdline(), AddressMap.CMDLINE_MAX);
        int nrModules = 0;
        mem.zero(AddressMap.PVH_START_INFO, AddressMap.PVH_MEMMAP - AddressMap.PVH_START_INFO);
        try (InitrdFile initrd = InitrdFile.open(spec.initrd())) {
            if (initrd != null) {
                // hvm_modlist_entry.paddr is 64-bit, but Linux's PVH entry (arch/x86/platform/pvh/
                // enlighten.c) copies it into the 32-bit boot_params.hdr.ramdisk_image: a Linux
                // kernel gets its initrd below 4 GiB or not at all.
                long at = GuestLoad.loadInitrd(mem, initrd, spec.map(), span[1], AddressMap.MMIO_HOLE_START, !elf.isLinux());
                long e = AddressMap.PVH_MODLIST;
                mem.writeU64(e, at);
                mem.writeU64(e + 8, initrd.size());
                mem.writeU64(e + 16, 0);
                mem.writeU64(e + 24, 0);
                nrModules = 1;
            }
        }
        List<AddressMap.MapEntry> map = spec.map().memoryMap();
        if (map.size() > MAX_MEMMAP_ENTRIES) {
            throw new IllegalStateException("memory map has " + map.size() + " entries (room for " + MAX_MEMMAP_ENTRIES + ")");
        }
        for (int i = 0; i < map.size(); i++) {
            long e = AddressMap.PVH_MEMMAP + (long) i * MEMMAP_ENTRY_SIZE;
            mem.writeU64(e, map.get(i).start());
            mem.writeU64(e + 8, map.get(i).size());
            mem.writeU32(e + 16, map.get(i).type());
            mem.writeU32(e + 20, 0);
        }
        long si = AddressMap.PVH_START_INFO;
        mem.writeU32(si + SI_MAGIC, XEN_HVM_START_MAGIC_VALUE);
        mem.writeU32(si + SI_VERSION, START_INFO_VERSION);
        mem.writeU32(si + SI_FLAGS, 0);
        mem.writeU32(si + SI_NR_MODULES, nrModules);
        mem.writeU64(si + SI_MODLIST_PADDR, nrModules > 0 ? AddressMap.PVH_MODLIST : 0);
        mem.writeU64(si + SI_CMDLINE_PADDR, cmdline);
        mem.writeU64(si + SI_RSDP_PADDR, spec.rsdp());
        mem.writeU64(si + SI_MEMMAP_PADDR, AddressMap.PVH_MEMMAP);
        mem.writeU32(si + SI_MEMMAP_ENTRIES, map.size());
        return EntryState.protected32(entry, 0, si);
    }
}
