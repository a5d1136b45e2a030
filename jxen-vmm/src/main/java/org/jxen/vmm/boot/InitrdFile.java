package org.jxen.vmm.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import org.jxen.sys.Errno;
import org.jxen.sys.FileFd;
import org.jxen.sys.SysException;
import org.jxen.vmm.memory.GuestMemory;

/**
 * An initrd (boot module 0) on its way into guest memory. Its size is taken once, when it is
 * opened, so that the loader can place it by size; {@link #copyTo} then has the kernel copy the
 * file into the memfd of guest RAM ({@link GuestMemory#copyFrom}): no Java heap or direct buffer
 * holds any of it, so the host pays the guest RAM it fills and nothing more. The holes of a
 * sparse file are not read but discarded in guest memory (they read as zero there too). A file
 * that changes size between the two steps is an error, not a torn initrd.
 *
 * <p>Calling thread: the one building the VM (control), before any vCPU runs.
 */
final class InitrdFile implements AutoCloseable {
    /** Largest initrd jxen loads (bzImage's two 32-bit size fields reach further; guest RAM is the real limit). */
    static final long MAX_BYTES = 4L << 30;

    private final Path path;
    private final FileFd fd;
    private final long size;

    private InitrdFile(Path path, FileFd fd, long size) {
        this.path = path;
        this.fd = fd;
        this.size = size;
    }

    /**
     * Opens {@code path} (null when the guest has no initrd: then null, which try-with-resources
     * accepts) and checks that it is a non-empty regular file of at most {@link #MAX_BYTES}.
     */
    static InitrdFile open(Path path) throws BootException {
        if (path == null) {
            return null;
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BootException("initrd " + path + " does not exist");
        } catch (IOException e) {
            throw new BootException("cannot read initrd " + path + ": " + e.getMessage(), e);
        }
        if (!attrs.isRegularFile()) {
            String what = attrs.isDirectory() ? "a directory" : "not a regular file";
            throw new BootException("initrd " + path + " is " + what);
        }
        FileFd fd;
        try {
            fd = FileFd.openReadOnly(path.toString());
        } catch (SysException e) {
            throw switch (e.errno()) {
                case Errno.ENOENT -> new BootException("initrd " + path + " does not exist");
                case Errno.EACCES -> new BootException("initrd " + path + " is not readable (permission denied)");
                default -> new BootException("cannot read initrd " + path + ": " + e.getMessage(), e);
            };
        }
        try {
            long size = fd.size();
            if (size == 0) {
                throw new BootException("initrd " + path + " is empty");
            }
            if (size > MAX_BYTES) {
                throw new BootException("initrd " + path + " is " + size + " bytes (expected: at most " + MAX_BYTES + ")");
            }
            return new InitrdFile(path, fd, size);
        } catch (SysException e) {
            fd.close();
            throw new BootException("cannot read initrd " + path + ": " + e.getMessage(), e);
        } catch (BootException e) {
            fd.close();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    /** The size taken at {@link #open}; the loader places the initrd by it. */
    long size() {
        return size;
    }

    /**
     * Copies the whole file to guest {@code [gpa, gpa + size)}, which the loader has placed in one
     * RAM region: data extents by {@link GuestMemory#copyFrom}, holes by {@link GuestMemory#discard}.
     */
    void copyTo(GuestMemory mem, long gpa) throws BootException {
        try {
            long pos = 0;
            while (pos < size) {
                long data = fd.nextData(pos);
                long dataStart = data < 0 ? size : Math.min(data, size);
                if (dataStart > pos) {
                    mem.discard(gpa + pos, dataStart - pos);
                    pos = dataStart;
                    continue;
                }
                long hole = fd.nextHole(pos);
                // A hole at pos (or none) here means the file changed under us: read on to the
                // end, holes read as zero, and the size check below tells whether it matters.
                long dataEnd = hole <= pos ? size : Math.min(hole, size);
                if (mem.copyFrom(fd, pos, gpa + pos, dataEnd - pos) != dataEnd - pos) {
                    throw changedSize();
                }
                pos = dataEnd;
            }
            if (fd.size() != size) {
                throw changedSize();
            }
        } catch (SysException e) {
            throw new BootException("cannot read initrd " + path + ": " + e.getMessage(), e);
        }
    }

    private BootException changedSize() throws SysException {
        return new BootException(String.format("initrd %s changed size while it was read (%d bytes when opened, %d now)",
                path, size, fd.size()));
    }

    @Override
    public void close() {
        fd.close();
    }
}
