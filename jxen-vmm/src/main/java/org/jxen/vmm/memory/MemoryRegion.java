package org.jxen.vmm.memory;

/**
 * One contiguous run of guest RAM: guest physical {@code [start, start + size)} backed by
 * {@code [backingOffset, backingOffset + size)} of the memfd.
 */
public record MemoryRegion(long start, long size, long backingOffset) {
    public long end() {
        return start + size;
    }

    public boolean contains(long gpa, long length) {
        return length >= 0 && Long.compareUnsigned(gpa, start) >= 0
                && Long.compareUnsigned(gpa - start, size) <= 0 && Long.compareUnsigned(length, size - (gpa - start)) <= 0;
    }
}
