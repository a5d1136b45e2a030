package org.jxen.vmm.boot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;

/** Steps the loaders share: copying segments, placing modules, writing the command line. */
final class GuestLoad {
    /** Largest initrd jxen reads; the guest's memory is the real limit. */
    static final long MAX_INITRD_BYTES = 4L << 30;
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
     * Places a module (initrd) as high as possible in low RAM, below {@code limit}, page
     * aligned, above {@code floor} (the end of the kernel).
     */
    static long placeModule(Path file, byte[] data, AddressMap map, long floor, long limit) throws BootException {
        long top = Math.min(map.lowEnd(), limit);
        long addr = (top - data.length) & ~(PAGE - 1);
        if (data.length > top || addr < floor) {
            throw new BootException(String.format("initrd %s (%d MiB) does not fit in guest memory (%d MiB) above the "
                    + "kernel; give the guest more memory", file, (data.length + (1 << 20) - 1) >> 20, map.memoryBytes() >> 20));
        }
        return addr;
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

    static byte[] readInitrd(Path initrd) throws BootException {
        return initrd == null ? null : KernelFormat.readFile(initrd, "initrd", MAX_INITRD_BYTES);
    }

    static List<AddressMap.MapEntry> memoryMap(AddressMap map) {
        return map.memoryMap();
    }
}
