package org.jxen.block.raw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jxen.block.BlockBackend;
import org.jxen.block.ImageException;

/**
 * A raw image or block device: the disk's bytes are the file's. Reads and writes go straight
 * to the file at the same offset; flush is fdatasync ({@code force(false)}).
 */
public final class RawImage implements BlockBackend {
    /** Zeros written at most this much at a time. */
    private static final int ZERO_CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel ch;
    private final long size;
    private final boolean readOnly;

    private RawImage(Path path, FileChannel ch, long size, boolean readOnly) {
        this.path = path;
        this.ch = ch;
        this.size = size;
        this.readOnly = readOnly;
    }

    public static RawImage open(Path path, boolean readOnly) throws IOException {
        FileChannel ch = org.jxen.block.BlockBackends.openFile(path, readOnly, "raw image");
        try {
            // A block device's size is its end, not its file size (which is 0).
            long size = Files.isRegularFile(path) ? ch.size() : ch.position(0).size();
            if (size == 0 && !Files.isRegularFile(path)) {
                size = endOf(ch);
            }
            if (size % SECTOR != 0) {
                throw new ImageException("raw image " + path + " is " + size + " bytes, not a multiple of " + SECTOR
                        + " (a disk is made of whole sectors)");
            }
            return new RawImage(path, ch, size, readOnly);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static long endOf(FileChannel ch) throws IOException {
        // FileChannel.size() of a block device is 0 on Linux; reading the last byte finds the end.
        long lo = 0;
        long hi = 1L << 50;
        ByteBuffer one = ByteBuffer.allocate(1);
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            one.clear();
            if (ch.read(one, mid - 1) > 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public String describe() {
        return "raw image " + path;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        BlockBackend.checkRange(this, offset, dst.remaining(), false);
        long at = offset;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, at);
            if (n < 0) {
                throw new ImageException(describe() + " ended at " + at + " while " + size + " bytes were expected");
            }
            at += n;
        }
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        BlockBackend.checkRange(this, offset, src.remaining(), true);
        long at = offset;
        while (src.hasRemaining()) {
            at += ch.write(src, at);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!readOnly) {
            ch.force(false);
        }
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        BlockBackend.checkRange(this, offset, length, true);
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(length, 1)));
        long at = offset;
        while (at < offset + length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), offset + length - at));
            while (zeros.hasRemaining()) {
                at += ch.write(zeros, at);
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        ch.close();
    }
}
