package org.jxen.kvm;

import java.lang.foreign.MemorySegment;

import org.jxen.sys.Fd;
import org.jxen.sys.LibC;

/** A KVM file descriptor with checked ioctl helpers that name the failing request. */
abstract class KvmFd implements AutoCloseable {
    final Fd fd;

    KvmFd(Fd fd) {
        this.fd = fd;
    }

    final int ioctl(String name, long request, MemorySegment arg) throws KvmException {
        int r = LibC.ioctlRaw(fd.get(), request, arg);
        if (r < 0) {
            throw new KvmException(name, fd.what(), -r);
        }
        return r;
    }

    final int ioctl(String name, long request, long arg) throws KvmException {
        int r = LibC.ioctlRaw(fd.get(), request, arg);
        if (r < 0) {
            throw new KvmException(name, fd.what(), -r);
        }
        return r;
    }

    /** The raw descriptor number. */
    public final int fd() {
        return fd.get();
    }

    @Override
    public void close() {
        fd.close();
    }
}
