package org.jxen.sys;

/** An anonymous in-memory file ({@code memfd_create(2)}), the backing of guest RAM. */
public final class MemFd extends Fd {
    private final long size;

    public MemFd(String name, long size) throws SysException {
        super(LibC.memfdCreate(name, LibC.MFD_CLOEXEC), "memfd " + name);
        this.size = size;
        try {
            LibC.ftruncate(get(), size);
        } catch (SysException e) {
            close();
            throw e;
        }
    }

    public long size() {
        return size;
    }
}
