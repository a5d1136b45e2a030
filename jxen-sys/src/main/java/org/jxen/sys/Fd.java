package org.jxen.sys;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned file descriptor. {@link #close()} is idempotent and thread-safe: the descriptor is
 * closed exactly once, by whichever thread gets there first.
 */
public class Fd implements AutoCloseable {
    private final AtomicInteger fd;
    private final String what;

    /** Takes ownership of {@code fd}; {@code what} names it in errors ("/dev/kvm", "vm 3"). */
    public Fd(int fd, String what) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd: " + fd + " (expected: >= 0)");
        }
        this.fd = new AtomicInteger(fd);
        this.what = what;
    }

    /** Opens {@code path} read-write. */
    public static Fd open(String path) throws SysException {
        return new Fd(LibC.open(path, LibC.O_RDWR), path);
    }

    /** The raw number; fails once closed so a stale number is never reused by mistake. */
    public int get() {
        int v = fd.get();
        if (v < 0) {
            throw new IllegalStateException(what + " is closed");
        }
        return v;
    }

    /** What this descriptor is, for messages. */
    public String what() {
        return what;
    }

    public boolean isOpen() {
        return fd.get() >= 0;
    }

    @Override
    public void close() {
        int v = fd.getAndSet(-1);
        if (v >= 0) {
            LibC.close(v);
        }
    }

    @Override
    public String toString() {
        return what + " (fd " + fd.get() + ")";
    }
}
