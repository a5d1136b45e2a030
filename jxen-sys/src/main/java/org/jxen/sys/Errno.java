package org.jxen.sys;

/**
 * The errno values jxen reacts to, from {@code asm-generic/errno-base.h} and
 * {@code asm-generic/errno.h}, and a describer for any value.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOTTY = 25;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIMEDOUT = 110;
    public static final int EPIPE = 32;
    public static final int EMSGSIZE = 90;
    public static final int ECONNREFUSED = 111;
    public static final int ECONNRESET = 104;

    private static final String[] NAMES = new String[134];

    static {
        String[] pairs = {
            "1", "EPERM", "2", "ENOENT", "3", "ESRCH", "4", "EINTR", "5", "EIO", "6", "ENXIO", "7", "E2BIG",
            "8", "ENOEXEC", "9", "EBADF", "10", "ECHILD", "11", "EAGAIN", "12", "ENOMEM", "13", "EACCES",
            "14", "EFAULT", "16", "EBUSY", "17", "EEXIST", "19", "ENODEV", "20", "ENOTDIR", "21", "EISDIR",
            "22", "EINVAL", "23", "ENFILE", "24", "EMFILE", "25", "ENOTTY", "27", "EFBIG", "28", "ENOSPC",
            "32", "EPIPE", "34", "ERANGE", "38", "ENOSYS", "95", "EOPNOTSUPP", "110", "ETIMEDOUT",
            "90", "EMSGSIZE", "104", "ECONNRESET", "111", "ECONNREFUSED",
        };
        for (int i = 0; i < pairs.length; i += 2) {
            NAMES[Integer.parseInt(pairs[i])] = pairs[i + 1];
        }
    }

    private Errno() {}

    /** The symbolic name, such as {@code EINTR}, or {@code errno N} when jxen does not know it. */
    public static String name(int errno) {
        return errno > 0 && errno < NAMES.length && NAMES[errno] != null ? NAMES[errno] : "errno " + errno;
    }

    /** {@code EINTR (Interrupted system call)}: the name and libc's description. */
    public static String describe(int errno) {
        String text = LibC.strerror(errno);
        return text == null ? name(errno) : name(errno) + " (" + text + ")";
    }
}
