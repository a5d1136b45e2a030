package org.jxen.sys;

import java.lang.foreign.MemorySegment;

/**
 * A file opened read-only and copied without the Java heap: inside the kernel to another file
 * ({@code sendfile(2)}, such as into the memfd of guest RAM) or with {@code pread(2)} straight
 * into native memory; and asked where its data lies ({@code lseek(2)} with
 * {@code SEEK_DATA}/{@code SEEK_HOLE}), so that the holes of a sparse file need not be read.
 *
 * <p>Calling thread: any. Reads are positional, so they share no file offset; the seeks move it,
 * which no read here depends on.
 */
public final class FileFd extends Fd {
    private FileFd(int fd, String path) {
        super(fd, path);
    }

    /** Opens {@code path} read-only, close-on-exec. */
    public static FileFd openReadOnly(String path) throws SysException {
        return new FileFd(LibC.open(path, LibC.O_RDONLY), path);
    }

    /** The file's size now: {@code lseek(fd, 0, SEEK_END)}. */
    public long size() throws SysException {
        return check(LibC.lseekRaw(get(), 0, LibC.SEEK_END), "lseek(" + what() + ", SEEK_END)");
    }

    /**
     * Reads from {@code offset} into {@code dst} (native memory) until {@code dst} is full or the
     * file ends; returns the bytes read, less than {@code dst.byteSize()} only at end of file.
     */
    public long readFully(MemorySegment dst, long offset) throws SysException {
        long done = 0;
        while (done < dst.byteSize()) {
            // One pread moves at most MAX_RW_COUNT (2 GiB - 4 KiB, linux/fs.h), so large ranges loop.
            long n = LibC.preadRaw(get(), dst.asSlice(done), offset + done);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n == 0) {
                break;
            }
            done += check(n, "pread(" + what() + ", offset " + (offset + done) + ")");
        }
        return done;
    }

    /**
     * Copies {@code count} bytes from {@code offset} to {@code out} at {@code outOffset} inside the
     * kernel ({@code sendfile(2)}), so that the bytes pass through no user memory and no page
     * fault of a mapping of {@code out}; returns the bytes copied, less than {@code count} only
     * at end of file. Moves {@code out}'s file position, which its owner must not rely on.
     */
    public long sendFully(Fd out, long outOffset, long offset, long count) throws SysException {
        long at = LibC.lseekRaw(out.get(), outOffset, LibC.SEEK_SET);
        check(at, "lseek(" + out.what() + ", " + outOffset + ", SEEK_SET)");
        long done = 0;
        while (done < count) {
            // One sendfile moves at most MAX_RW_COUNT (2 GiB - 4 KiB, linux/fs.h), so large ranges loop.
            long n = LibC.sendfileRaw(out.get(), get(), offset + done, count - done);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n == 0) {
                break;
            }
            done += check(n, "sendfile(" + what() + ", offset " + (offset + done) + ", to " + out.what() + ")");
        }
        return done;
    }

    /**
     * The start of the first data at or after {@code from}, or -1 when only a hole (or the end of
     * the file) follows. A file system that does not track holes reports all of its file as data.
     */
    public long nextData(long from) throws SysException {
        return seek(from, LibC.SEEK_DATA, "SEEK_DATA");
    }

    /** The start of the first hole at or after {@code from} (the end of the file counts as one), or -1 past the end. */
    public long nextHole(long from) throws SysException {
        return seek(from, LibC.SEEK_HOLE, "SEEK_HOLE");
    }

    private long seek(long from, int whence, String name) throws SysException {
        long r = LibC.lseekRaw(get(), from, whence);
        // lseek(2): ENXIO when from is at or past the end of the file (and, for SEEK_DATA, when only a hole follows).
        return r == -Errno.ENXIO ? -1 : check(r, "lseek(" + what() + ", " + from + ", " + name + ")");
    }

    private static long check(long r, String call) throws SysException {
        if (r < 0) {
            throw new SysException(call, (int) -r);
        }
        return r;
    }
}
