package org.jxen.vmm.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jxen.sys.Errno;
import org.jxen.sys.FileFd;
import org.jxen.sys.LibC;
import org.jxen.sys.Mapping;
import org.jxen.sys.MemFd;
import org.jxen.sys.SysException;

/**
 * The guest's RAM: one memfd mapped once into jxen, cut into {@link MemoryRegion}s at guest
 * physical addresses. Every access names a guest range and is checked against the regions; a
 * range outside RAM, or straddling two regions, throws {@link GuestMemoryException} (never
 * touches host memory). Little-endian, as x86 is.
 *
 * <p>Thread-safe for concurrent access to different bytes; the guest and devices racing on the
 * same bytes is the guest's business (devices read a guest-owned field once, into a local).
 */
public final class GuestMemory implements AutoCloseable {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    /** The host's base page (x86-64: 4 KiB), the unit madvise(2) works in. */
    private static final long HOST_PAGE = 4096;

    private final MemFd memfd;
    private final Mapping mapping;
    private final MemoryRegion[] regions;
    private final MemorySegment[] slices;

    private GuestMemory(MemFd memfd, Mapping mapping, List<MemoryRegion> regions) {
        this.memfd = memfd;
        this.mapping = mapping;
        this.regions = regions.toArray(MemoryRegion[]::new);
        this.slices = new MemorySegment[this.regions.length];
        for (int i = 0; i < this.regions.length; i++) {
            slices[i] = mapping.segment().asSlice(this.regions[i].backingOffset(), this.regions[i].size());
        }
    }

    /** Creates memory for {@code map}: a memfd of its backing size, mapped shared. */
    public static GuestMemory create(String name, AddressMap map) throws SysException {
        MemFd fd = new MemFd("jxen-" + name, map.backingSize());
        try {
            Mapping m = Mapping.shared(fd, 0, map.backingSize());
            LibC.madvise(m.segment(), LibC.MADV_DONTDUMP);
            return new GuestMemory(fd, m, map.backedRegions());
        } catch (SysException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** The regions, for registering with KVM. */
    public List<MemoryRegion> regions() {
        return List.of(regions);
    }

    /** The host address where region {@code i} is mapped. */
    public long hostAddress(int i) {
        return slices[i].address();
    }

    /** The memfd backing all regions (for sharing with other processes later). */
    public MemFd memfd() {
        return memfd;
    }

    /** Whether {@code [gpa, gpa + length)} lies within one region of RAM. */
    public boolean contains(long gpa, long length) {
        for (MemoryRegion r : regions) {
            if (r.contains(gpa, length)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A view of guest range {@code [gpa, gpa + length)}, valid while the memory is open.
     *
     * @throws GuestMemoryException when the range is not inside one RAM region
     */
    public MemorySegment slice(long gpa, long length) {
        for (int i = 0; i < regions.length; i++) {
            if (regions[i].contains(gpa, length)) {
                return slices[i].asSlice(gpa - regions[i].start(), length);
            }
        }
        throw new GuestMemoryException(gpa, length);
    }

    public MemorySegment slice(GuestAddress gpa, long length) {
        return slice(gpa.value(), length);
    }

    public byte readByte(long gpa) {
        return slice(gpa, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    public int readU16(long gpa) {
        return Short.toUnsignedInt(slice(gpa, 2).get(U16, 0));
    }

    public int readU32(long gpa) {
        return slice(gpa, 4).get(U32, 0);
    }

    public long readU64(long gpa) {
        return slice(gpa, 8).get(U64, 0);
    }

    public void writeByte(long gpa, int v) {
        slice(gpa, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) v);
    }

    public void writeU16(long gpa, int v) {
        slice(gpa, 2).set(U16, 0, (short) v);
    }

    public void writeU32(long gpa, int v) {
        slice(gpa, 4).set(U32, 0, v);
    }

    public void writeU64(long gpa, long v) {
        slice(gpa, 8).set(U64, 0, v);
    }

    public void write(long gpa, byte[] data) {
        MemorySegment.copy(data, 0, slice(gpa, data.length), ValueLayout.JAVA_BYTE, 0, data.length);
    }

    public byte[] read(long gpa, int length) {
        return slice(gpa, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Writes a NUL-terminated ASCII/UTF-8 string. */
    public void writeCString(long gpa, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment dst = slice(gpa, b.length + 1L);
        MemorySegment.copy(b, 0, dst, ValueLayout.JAVA_BYTE, 0, b.length);
        dst.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
    }

    /** Zeroes a range. */
    public void zero(long gpa, long length) {
        slice(gpa, length).fill((byte) 0);
    }

    /**
     * Fills guest {@code [gpa, gpa + length)} with the bytes of {@code file} from
     * {@code fileOffset}, inside the kernel: {@code sendfile(2)} into the memfd at the range's
     * backing offset. The bytes pass through neither the Java heap nor jxen's mapping of guest
     * RAM, so filling it costs no page fault per page (on a nested host, pread(2) into the
     * mapping was ten times slower: bench/results/initrd-load-*.json). Where the file's file
     * system cannot sendfile (EINVAL), falls back to pread(2) into the mapping. Returns the
     * bytes copied, less than {@code length} only at the end of the file.
     *
     * <p>Calling thread: the one building the machine; it moves the memfd's file position,
     * which nothing else uses.
     *
     * @throws GuestMemoryException when the range is not inside one RAM region
     */
    public long copyFrom(FileFd file, long fileOffset, long gpa, long length) throws SysException {
        MemorySegment dst = slice(gpa, length);
        try {
            return file.sendFully(memfd, backingOffset(gpa, length), fileOffset, length);
        } catch (SysException e) {
            if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOSYS) {
                throw e;
            }
            return file.readFully(dst, fileOffset);
        }
    }

    private long backingOffset(long gpa, long length) {
        for (MemoryRegion r : regions) {
            if (r.contains(gpa, length)) {
                return r.backingOffset() + (gpa - r.start());
            }
        }
        throw new GuestMemoryException(gpa, length);
    }

    /**
     * Zeroes a range and hands its whole pages back to the host: {@code MADV_REMOVE} punches them
     * out of the memfd, so they read as zero and cost nothing until touched again. The partial
     * pages at either end are zeroed in place. Used for the holes of a sparse boot file, so that
     * a mostly empty multi-GiB initrd costs no host memory.
     */
    public void discard(long gpa, long length) {
        MemorySegment range = slice(gpa, length);
        long head = Math.min(length, -range.address() & (HOST_PAGE - 1));
        long whole = (length - head) & -HOST_PAGE;
        range.asSlice(0, head).fill((byte) 0);
        if (whole > 0) {
            MemorySegment pages = range.asSlice(head, whole);
            if (LibC.madvise(pages, LibC.MADV_REMOVE) != 0) {
                pages.fill((byte) 0); // madvise(2): MADV_REMOVE fails (EINVAL) on locked pages
            }
        }
        range.asSlice(head + whole).fill((byte) 0);
    }

    @Override
    public void close() {
        mapping.close();
        memfd.close();
    }
}
