package org.jxen.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A disk as a guest sees it: {@link #size()} bytes, read and written at byte offsets that are
 * multiples of {@link #SECTOR} in lengths that are too (virtio-blk's and Xen's blkif's unit).
 * Implementations: {@link org.jxen.block.raw.RawImage}, {@link org.jxen.block.qcow2.Qcow2Image}.
 * A request that goes past the end, or is not sector-aligned, is an {@link ImageException}
 * and changes nothing.
 *
 * <p>Threads: one request at a time per backend (the device's queue worker); the
 * implementations lock internally so a second caller waits.
 */
public interface BlockBackend extends AutoCloseable {
    /** The sector: the unit of offsets and lengths (virtio 1.2 §5.2.6, blkif). */
    int SECTOR = 512;

    /** Virtual size in bytes, a multiple of {@link #SECTOR}. */
    long size();

    boolean readOnly();

    /** What the backend is, for messages ("qcow2 image /var/lib/xen/images/web.qcow2"). */
    String describe();

    /** Fills {@code dst}'s remaining bytes from the disk at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src}'s remaining bytes at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (fdatasync of every file involved). */
    void flush() throws IOException;

    /**
     * The range reads as zeros afterwards, and its space may be given back; by default it is
     * zeroed as {@link #writeZeroes} does.
     */
    default void discard(long offset, long length) throws IOException {
        writeZeroes(offset, length);
    }

    /** The range reads as zeros afterwards. */
    void writeZeroes(long offset, long length) throws IOException;

    @Override
    void close() throws IOException;

    /** Checks a request against the disk; the message names the backend and the range. */
    static void checkRange(BlockBackend b, long offset, long length, boolean write) throws ImageException {
        if (write && b.readOnly()) {
            throw new ImageException(b.describe() + " is read-only (access=r)");
        }
        if (offset < 0 || length < 0 || offset % SECTOR != 0 || length % SECTOR != 0) {
            throw new ImageException(b.describe() + ": offset " + offset + " and length " + length
                    + " must be multiples of " + SECTOR);
        }
        if (offset > b.size() || length > b.size() - offset) {
            throw new ImageException(b.describe() + ": " + length + " bytes at " + offset + " go past the end ("
                    + b.size() + " bytes)");
        }
    }
}
