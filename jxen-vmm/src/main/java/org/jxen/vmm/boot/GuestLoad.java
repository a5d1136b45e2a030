package org.jxen.vmm.boot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;

/** Steps the loaders share: copying segments, placing modules, writing the command line. */
final class GuestLoad {
    static final long PAGE = 4096;

    private GuestLoad() {}

    /** Checks that {@code [start, start + size)} is RAM the kernel may occupy (not the legacy hole). */
    static void checkKernelRange(Path kernel, AddressMap map, long start, long size, String what) throws BootException {
        long end = start + size;
        // start and size come from the kernel file: a negative size or an end that wraps past
        // 2^63 must not pass the range check. Kernels live above 1 MiB: below it sit the boot
        // structures, the command line and the ACPI tables.
        boolean ok = size >= 0 && end >= start && start >= AddressMap.HIMEM_START && end <= map.lowEnd();
        if (!ok) {
            // Start and size, not the end: the end of a hostile range wraps and would mislead.
            throw new BootException(String.format("%s: %s of 0x%x bytes at 0x%x is outside guest RAM from 1 MiB to 0x%x "
                    + "(memory: %d MiB); give the guest more memory or relink the kernel above 1 MiB", kernel, what,
                    size, start, map.lowEnd(), map.memoryBytes() >> 20));
        }
    }

    /** Copies the PT_LOAD segments to their physical addresses and zeroes their BSS. */
    static long[] loadSegments(ElfImage elf, byte[] image, GuestMemory mem, AddressMap map) throws BootException {
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (ElfImage.Segment s : elf.loads()) {
            if (s.memSize() == 0) {
                continue;
            }
            checkKernelRange(elf.path(), map, s.paddr(), s.memSize(), "ELF segment");
            mem.slice(s.paddr(), s.fileSize()).copyFrom(java.lang.foreign.MemorySegment.ofArray(image)
                    .asSlice(s.offset(), s.fileSize()));
            mem.zero(s.paddr() + s.fileSize(), s.memSize() - s.fileSize());
            lo = Math.min(lo, s.paddr());
            hi = Math.max(hi, s.paddr() + s.memSize());
        }
        return new long[] {lo, hi};
    }

    /**
     * Places the initrd page aligned, as high as possible in low RAM below {@code limit} and above
     * {@code floor} (the end of the kernel); when it does not fit there and the boot protocol
     * takes 64-bit addresses ({@code above4G}), as high as possible in the RAM above 4 GiB.
     * Low RAM first, so that an initrd that fits goes where it always went.
     */
    static long placeModule(InitrdFile initrd, AddressMap map, long floor, long limit, boolean above4G)
            throws BootException {
        long size = initrd.size();
        long top = Math.min(map.lowEnd(), limit);
        long low = (top - size) & -PAGE;
        if (size <= top && low >= floor) {
            return low;
        }
        long high = (map.ramTop() - size) & -PAGE;
        if (above4G && map.highSize() > 0 && size <= map.highSize() && high >= AddressMap.FOUR_GIB) {
            return high;
        }
        String where = String.format("between 0x%x and 0x%x", floor, top)
                + (above4G ? String.format(" or in the %d MiB above 4 GiB", map.highSize() >> 20) : "");
        // More memory helps only while low RAM ends below the protocol's limit, or when RAM above 4 GiB would do.
        String advice = above4G || map.lowEnd() < Math.min(limit, AddressMap.MMIO_HOLE_START)
                ? "give the guest more memory" : "use a smaller initrd";
        throw new BootException(String.format("initrd %s (%d MiB) does not fit in guest memory (%d MiB) above the "
                + "kernel: it must lie %s; %s", initrd.path(), (size + (1 << 20) - 1) >> 20, map.memoryBytes() >> 20,
                where, advice));
    }

    /** Places the initrd and copies it into guest memory; returns its address. */
    static long loadInitrd(GuestMemory mem, InitrdFile initrd, AddressMap map, long floor, long limit, boolean above4G)
            throws BootException {
        long at = placeModule(initrd, map, floor, limit, above4G);
        initrd.copyTo(mem, at);
        return at;
    }

    /** Writes the NUL-terminated command line at {@link AddressMap#CMDLINE}; returns its address. */
    static long writeCmdline(GuestMemory mem, String cmdline, int max) throws BootException {
        byte[] b = cmdline.getBytes(StandardCharsets.UTF_8);
        int limit = Math.min(max, AddressMap.CMDLINE_MAX);
        if (b.length + 1 > limit) {
            throw new BootException("command line is " + b.length + " bytes (expected: at most " + (limit - 1) + ")");
        }
        if (cmdline.indexOf('\0') >= 0) {
            throw new BootException("command line contains a NUL character");
        }
        mem.writeCString(AddressMap.CMDLINE, cmdline);
        return AddressMap.CMDLINE;
    }

    static List<AddressMap.MapEntry> memoryMap(AddressMap map) {
        return map.memoryMap();
    }
}
