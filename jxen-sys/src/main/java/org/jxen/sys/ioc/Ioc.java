package org.jxen.sys.ioc;

/**
 * Builds ioctl request numbers the way the {@code _IO}, {@code _IOR}, {@code _IOW} and
 * {@code _IOWR} macros of {@code asm-generic/ioctl.h} do on x86.
 */
public final class Ioc {
    // asm-generic/ioctl.h: _IOC_NRBITS 8, _IOC_TYPEBITS 8, _IOC_SIZEBITS 14, _IOC_DIRBITS 2.
    private static final int NR_SHIFT = 0;
    private static final int TYPE_SHIFT = 8;
    private static final int SIZE_SHIFT = 16;
    private static final int DIR_SHIFT = 30;
    private static final int SIZE_MASK = (1 << 14) - 1;
    // asm-generic/ioctl.h: _IOC_NONE 0, _IOC_WRITE 1, _IOC_READ 2.
    private static final int NONE = 0;
    private static final int WRITE = 1;
    private static final int READ = 2;

    private Ioc() {}

    /** {@code _IOC(dir, type, nr, size)}. */
    public static long ioc(int dir, int type, int nr, long size) {
        if (size < 0 || size > SIZE_MASK) {
            throw new IllegalArgumentException("ioctl argument size: " + size + " (expected: 0.." + SIZE_MASK + ")");
        }
        return ((long) dir << DIR_SHIFT | (long) type << TYPE_SHIFT | (long) nr << NR_SHIFT
                | size << SIZE_SHIFT) & 0xffff_ffffL;
    }

    /** {@code _IO(type, nr)}: no argument. */
    public static long io(int type, int nr) {
        return ioc(NONE, type, nr, 0);
    }

    /** {@code _IOR(type, nr, size)}: the kernel writes {@code size} bytes to the argument. */
    public static long ior(int type, int nr, long size) {
        return ioc(READ, type, nr, size);
    }

    /** {@code _IOW(type, nr, size)}: the kernel reads {@code size} bytes from the argument. */
    public static long iow(int type, int nr, long size) {
        return ioc(WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, size)}: both directions. */
    public static long iowr(int type, int nr, long size) {
        return ioc(READ | WRITE, type, nr, size);
    }
}
