package org.jxen.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;

/**
 * Boots a Multiboot v1 kernel (Multiboot Specification 0.6.96, sections 3.1 and 3.3) the way
 * QEMU's {@code -kernel} does: an ELF is loaded by its program headers, any other image by the
 * header's address fields; the boot information carries memory sizes, the memory map, the
 * command line, the initrd as module 0 and the loader's name.
 */
public final class MultibootLoader {
    // Multiboot 0.6.96, 3.1.1 and 3.2.
    static final int HEADER_MAGIC = 0x1BADB002;
    static final int BOOTLOADER_MAGIC = 0x2BADB002;
    static final int SEARCH_BYTES = 8192;
    static final int FLAG_PAGE_ALIGN = 1;
    static final int FLAG_MEMORY_INFO = 1 << 1;
    static final int FLAG_VIDEO_MODE = 1 << 2;
    static final int FLAG_AOUT_KLUDGE = 1 << 16;
    /** Bits 0-15 are requirements; a loader that does not know one must refuse (3.1.2). */
    static final int KNOWN_REQUIRED = FLAG_PAGE_ALIGN | FLAG_MEMORY_INFO | FLAG_VIDEO_MODE;
    // Multiboot 0.6.96, 3.3: boot information flags and offsets.
    static final int INFO_MEMORY = 1;
    static final int INFO_CMDLINE = 1 << 2;
    static final int INFO_MODS = 1 << 3;
    static final int INFO_MEM_MAP = 1 << 6;
    static final int INFO_BOOT_LOADER_NAME = 1 << 9;
    static final int MBI_FLAGS = 0;
    static final int MBI_MEM_LOWER = 4;
    static final int MBI_MEM_UPPER = 8;
    static final int MBI_CMDLINE = 16;
    static final int MBI_MODS_COUNT = 20;
    static final int MBI_MODS_ADDR = 24;
    static final int MBI_MMAP_LENGTH = 44;
    static final int MBI_MMAP_ADDR = 48;
    static final int MBI_BOOT_LOADER_NAME = 64;
    static final int MBI_SIZE = 88;
    static final int MMAP_ENTRY_SIZE = 24;

    private MultibootLoader() {}

    /** The offset of a valid Multiboot header in the first 8 KiB, or -1. */
    public static int findHeader(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int limit = Math.min(image.length, SEARCH_BYTES) - 12;
        for (int at = 0; at <= limit; at += 4) {
            if (b.getInt(at) == HEADER_MAGIC && b.getInt(at) + b.getInt(at + 4) + b.getInt(at + 8) == 0) {
                return at;
            }
        }
        return -1;
    }

    public static EntryState load(GuestMemory mem, BootSpec spec, byte[] image) throws BootException {
        Path kernel = spec.kernel();
        AddressMap map = spec.map();
        int hdr = findHeader(image);
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int flags = b.getInt(hdr + 4);
        int unknown = flags & 0xffff & ~KNOWN_REQUIRED;
        if (unknown != 0) {
            throw new BootException(String.format("%s: Multiboot header requires features 0x%x that jxen does not provide",
                    kernel, unknown));
        }
        long entry;
        long imageEnd;
        if ((flags & FLAG_AOUT_KLUDGE) != 0) {
            if (hdr + 32 > image.length) {
                throw new BootException(kernel + ": truncated Multiboot header (address fields missing)");
            }
            long headerAddr = Integer.toUnsignedLong(b.getInt(hdr + 12));
            long loadAddr = Integer.toUnsignedLong(b.getInt(hdr + 16));
            long loadEndAddr = Integer.toUnsignedLong(b.getInt(hdr + 20));
            long bssEndAddr = Integer.toUnsignedLong(b.getInt(hdr + 24));
            entry = Integer.toUnsignedLong(b.getInt(hdr + 28));
            if (headerAddr < loadAddr) {
                throw new BootException(String.format("%s: Multiboot header_addr 0x%x is below load_addr 0x%x", kernel,
                        headerAddr, loadAddr));
            }
            long fileOffset = hdr - (headerAddr - loadAddr);
            if (fileOffset < 0) {
                throw new BootException(String.format("%s: Multiboot header_addr 0x%x is 0x%x bytes above load_addr 0x%x, "
                        + "but the header is at file offset 0x%x", kernel, headerAddr, headerAddr - loadAddr, loadAddr, hdr));
            }
            if (loadEndAddr != 0 && loadEndAddr <= loadAddr) {
                throw new BootException(String.format("%s: Multiboot load_end_addr 0x%x is not above load_addr 0x%x", kernel,
                        loadEndAddr, loadAddr));
            }
            long loadSize = loadEndAddr == 0 ? image.length - fileOffset : loadEndAddr - loadAddr;
            if (loadSize <= 0 || fileOffset + loadSize > image.length) {
                throw new BootException(String.format("%s: truncated Multiboot image: 0x%x bytes from file offset 0x%x do "
                        + "not fit in a %d-byte file", kernel, loadSize, fileOffset, image.length));
            }
            if (bssEndAddr != 0 && bssEndAddr < loadAddr + loadSize) {
                throw new BootException(String.format("%s: Multiboot bss_end_addr 0x%x is below the end of the loaded "
                        + "image 0x%x", kernel, bssEndAddr, loadAddr + loadSize));
            }
            imageEnd = bssEndAddr == 0 ? loadAddr + loadSize : bssEndAddr;
            GuestLoad.checkKernelRange(kernel, map, loadAddr, imageEnd - loadAddr, "Multiboot image");
            mem.write(loadAddr, java.util.Arrays.copyOfRange(image, (int) fileOffset, (int) (fileOffset + loadSize)));
            mem.zero(loadAddr + loadSize, imageEnd - loadAddr - loadSize);
            if (entry < loadAddr || entry >= imageEnd) {
                throw new BootException(String.format("%s: Multiboot entry 0x%x is outside the image [0x%x, 0x%x)",
                        kernel, entry, loadAddr, imageEnd));
            }
        } else {
            if (image.length < 4 || image[0] != 0x7f || image[1] != 'E') {
                throw new BootException(kernel + ": Multiboot header without address fields (flag 16) in a file that "
                        + "is not ELF");
            }
            ElfImage elf = ElfImage.parse(kernel, image);
            long[] span = GuestLoad.loadSegments(elf, image, mem, map);
            imageEnd = span[1];
            entry = physicalEntry(elf);
            if (entry < span[0] || entry >= span[1]) {
                throw new BootException(String.format("%s: ELF entry 0x%x is outside the loaded image [0x%x, 0x%x)",
                        kernel, entry, span[0], span[1]));
            }
        }
        writeInfo(mem, spec, imageEnd);
        return EntryState.protected32(entry, BOOTLOADER_MAGIC, AddressMap.MULTIBOOT_INFO);
    }

    /** The ELF entry as a physical address: translated through the segment that contains it. */
    private static long physicalEntry(ElfImage elf) {
        long e = elf.entry();
        for (ElfImage.Segment s : elf.loads()) {
            if (e >= s.vaddr() && e < s.vaddr() + s.memSize()) {
                return s.paddr() + (e - s.vaddr());
            }
        }
        return e;
    }

    private static void writeInfo(GuestMemory mem, BootSpec spec, long imageEnd) throws BootException {
        AddressMap map = spec.map();
        long mbi = AddressMap.MULTIBOOT_INFO;
        mem.zero(mbi, AddressMap.PVH_MEMMAP - mbi);
        int flags = INFO_MEMORY | INFO_CMDLINE | INFO_MEM_MAP | INFO_BOOT_LOADER_NAME;
        mem.writeU32(mbi + MBI_MEM_LOWER, (int) (AddressMap.LEGACY_HOLE_START / 1024));
        mem.writeU32(mbi + MBI_MEM_UPPER, (int) Math.min((map.lowEnd() - AddressMap.HIMEM_START) / 1024, 0xffff_ffffL));
        mem.writeU32(mbi + MBI_CMDLINE, (int) GuestLoad.writeCmdline(mem, spec.cmdline(), AddressMap.CMDLINE_MAX));
        List<AddressMap.MapEntry> entries = map.memoryMap();
        for (int i = 0; i < entries.size(); i++) {
            long e = AddressMap.MULTIBOOT_MMAP + (long) i * MMAP_ENTRY_SIZE;
            mem.writeU32(e, MMAP_ENTRY_SIZE - 4);
            mem.writeU64(e + 4, entries.get(i).start());
            mem.writeU64(e + 12, entries.get(i).size());
            mem.writeU32(e + 20, entries.get(i).type());
        }
        mem.writeU32(mbi + MBI_MMAP_LENGTH, entries.size() * MMAP_ENTRY_SIZE);
        mem.writeU32(mbi + MBI_MMAP_ADDR, (int) AddressMap.MULTIBOOT_MMAP);
        try (InitrdFile initrd = InitrdFile.open(spec.initrd())) {
            if (initrd != null) {
                // mod_start and mod_end are 32-bit (Multiboot 0.6.96, 3.3): low RAM only.
                long at = GuestLoad.loadInitrd(mem, initrd, map, imageEnd, AddressMap.MMIO_HOLE_START, false);
                writeModule(mem, at, initrd.size());
                flags |= INFO_MODS;
            }
        }
        mem.writeCString(AddressMap.MULTIBOOT_LOADER_NAME, "jxen");
        mem.writeU32(mbi + MBI_BOOT_LOADER_NAME, (int) AddressMap.MULTIBOOT_LOADER_NAME);
        mem.writeU32(mbi + MBI_FLAGS, flags);
    }

    /** Module 0 (the initrd) and the info's module count and address. */
    private static void writeModule(GuestMemory mem, long at, long size) {
        long mbi = AddressMap.MULTIBOOT_INFO;
        long m = AddressMap.MULTIBOOT_MODS;
        mem.writeU32(m, (int) at);
        mem.writeU32(m + 4, (int) (at + size));
        mem.writeCString(AddressMap.MULTIBOOT_LOADER_NAME + 0x40, "initrd");
        mem.writeU32(m + 8, (int) (AddressMap.MULTIBOOT_LOADER_NAME + 0x40));
        mem.writeU32(m + 12, 0);
        mem.writeU32(mbi + MBI_MODS_COUNT, 1);
        mem.writeU32(mbi + MBI_MODS_ADDR, (int) m);
    }
}
