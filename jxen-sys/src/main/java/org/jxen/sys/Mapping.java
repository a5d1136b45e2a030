package org.jxen.sys;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An owned {@code mmap} region. The segment is valid until {@link #close()}, which unmaps it
 * once; callers must stop using the segment first (the VM closes its vCPUs before its memory).
 */
public final class Mapping implements AutoCloseable {
    private final MemorySegment segment;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Mapping(MemorySegment segment) {
        this.segment = segment;
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset}, shared and read-write. */
    public static Mapping shared(Fd fd, long offset, long length) throws SysException {
        return new Mapping(LibC.mmap(length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd.get(), offset, fd.what()));
    }

    /** Maps {@code length} bytes of anonymous private memory, reserved lazily. */
    public static Mapping anonymous(long length, String what) throws SysException {
        return new Mapping(LibC.mmap(length, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0, what));
    }

    public MemorySegment segment() {
        return segment;
    }

    public long address() {
        return segment.address();
    }

    public long size() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                LibC.munmap(segment);
            } catch (SysException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }
}
