package org.jxen.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls jxen makes. Every one goes through a single downcall, glibc's
 * {@code syscall(2)} with the number from {@code asm/unistd_64.h} ({@link Nr}): the FFM linker
 * then builds one method handle for the whole process instead of one per libc function, which
 * is most of the cost of starting to talk to the kernel (docs/PERFORMANCE.md). Pointer
 * arguments are passed as the addresses of native segments.
 *
 * <p>Each wrapper returns the call's value or throws {@link SysException} naming the call and
 * errno; the {@code raw} variants used on hot paths (the vCPU loop) return {@code -errno}.
 *
 * <p>Calling thread: any. errno is captured per call into a per-thread buffer.
 */
public final class LibC {
    /** System call numbers, asm/unistd_64.h ({@code __NR_<name>}); checked by LibCTest. */
    public static final class Nr {
        public static final long read = 0;
        public static final long write = 1;
        public static final long close = 3;
        public static final long lseek = 8;
        public static final long poll = 7;
        public static final long mmap = 9;
        public static final long munmap = 11;
        public static final long rt_sigaction = 13;
        public static final long rt_sigprocmask = 14;
        public static final long ioctl = 16;
        public static final long pread64 = 17;
        public static final long madvise = 28;
        public static final long getpid = 39;
        public static final long sendfile = 40;
        public static final long socket = 41;
        public static final long connect = 42;
        public static final long sendmsg = 46;
        public static final long recvmsg = 47;
        public static final long shutdown = 48;
        public static final long bind = 49;
        public static final long listen = 50;
        public static final long socketpair = 53;
        public static final long getsockopt = 55;
        public static final long sched_setaffinity = 203;
        public static final long sched_getaffinity = 204;
        public static final long accept4 = 288;
        public static final long ftruncate = 77;
        public static final long rt_sigtimedwait = 128;
        public static final long gettid = 186;
        public static final long tgkill = 234;
        public static final long openat = 257;
        public static final long eventfd2 = 290;
        public static final long memfd_create = 319;

        private Nr() {}
    }

    // sys/mman.h
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MADV_DONTDUMP = 16;
    /** Frees a range of a shared file mapping and its backing (a hole punched in the memfd). */
    public static final int MADV_REMOVE = 9;
    // stdio.h and linux/fs.h: lseek's whence.
    public static final int SEEK_SET = 0;
    public static final int SEEK_END = 2;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;
    // linux/memfd.h
    public static final int MFD_CLOEXEC = 0x0001;
    // asm-generic/fcntl.h
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 02;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_NONBLOCK = 04000;
    public static final int AT_FDCWD = -100;
    // sys/eventfd.h
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    // asm-generic/signal-defs.h
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final int SIG_SETMASK = 2;
    /** The kernel's sigset (rt_sigprocmask, KVM_SET_SIGNAL_MASK): 64 bits on x86_64. */
    public static final long KERNEL_SIGSET_SIZE = 8;
    /** The kernel's {@code struct sigaction} on x86_64: handler, flags, restorer, mask. */
    public static final long KERNEL_SIGACTION_SIZE = 32;
    // asm-generic/poll.h
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;
    public static final short POLLRDHUP = 0x2000;
    // sys/socket.h (bits/socket.h, bits/socket_type.h) and asm-generic/socket.h
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    public static final int SOL_SOCKET = 1;
    public static final int SO_PEERCRED = 17;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    /** {@code struct pollfd} (asm-generic/poll.h): int fd, short events, short revents. */
    public static final long POLLFD_SIZE = 8;
    /** {@code struct timespec} on x86_64: time_t tv_sec, long tv_nsec. */
    public static final long TIMESPEC_SIZE = 16;
    // asm-generic/ioctls.h and asm-generic/termbits.h: the kernel's struct termios.
    public static final int TCGETS = 0x5401;
    public static final int TCSETS = 0x5402;
    public static final int NCCS = 19;
    /** The kernel's {@code struct termios}: four tcflag_t, c_line, c_cc[NCCS]. */
    public static final long KERNEL_TERMIOS_SIZE = 4 * 4 + 1 + NCCS;
    public static final int VTIME = 5;
    public static final int VMIN = 6;
    public static final int IGNBRK = 0x001;
    public static final int BRKINT = 0x002;
    public static final int PARMRK = 0x008;
    public static final int ISTRIP = 0x020;
    public static final int INLCR = 0x040;
    public static final int IGNCR = 0x080;
    public static final int ICRNL = 0x100;
    public static final int IXON = 0x0400;
    public static final int OPOST = 0x01;
    public static final int CSIZE = 0x30;
    public static final int CS8 = 0x30;
    public static final int PARENB = 0x100;
    public static final int ISIG = 0x1;
    public static final int ICANON = 0x2;
    public static final int ECHO = 0x8;
    public static final int ECHONL = 0x40;
    public static final int IEXTEN = 0x8000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));
    /** long syscall(long number, ...): the six arguments as longs (variadic from the second). */
    private static final MethodHandle SYSCALL = link("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1),
            Linker.Option.captureCallState("errno"));

    private LibC() {}

    @SuppressWarnings("restricted")
    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** Only error messages need strerror: linked on first use. */
    private static final class StrError {
        static final MethodHandle STRERROR = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * One system call; returns its result, or {@code -errno} when it failed. Arguments are
     * integers or addresses of native memory.
     */
    public static long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            MemorySegment st = CAPTURE.get();
            long r = (long) SYSCALL.invokeExact(st, nr, a1, a2, a3, a4, a5, a6);
            return r == -1 ? -(int) ERRNO.get(st, 0L) : r;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static long syscall(long nr, long a1, long a2, long a3) {
        return syscall(nr, a1, a2, a3, 0, 0, 0);
    }

    private static long address(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("system call argument must be native memory");
        }
        return s.address();
    }

    private static long check(long r, String call) throws SysException {
        if (r < 0) {
            throw new SysException(call, (int) -r);
        }
        return r;
    }

    /** {@code open(2)} (as openat relative to the working directory), close-on-exec. */
    public static int open(String path, int flags) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            return (int) check(syscall(Nr.openat, AT_FDCWD, address(arena.allocateFrom(path)), flags | O_CLOEXEC),
                    "open(" + path + ")");
        }
    }

    /** {@code close(2)}; errors are returned, not thrown, because nothing can be done about them. */
    public static int close(int fd) {
        return (int) syscall(Nr.close, fd, 0, 0);
    }

    /** {@code read(2)} into {@code buf}; returns the count, or {@code -errno}. */
    public static long readRaw(int fd, MemorySegment buf, long len) {
        return syscall(Nr.read, fd, address(buf), len);
    }

    /** {@code write(2)} from {@code buf}; returns the count, or {@code -errno}. */
    public static long writeRaw(int fd, MemorySegment buf, long len) {
        return syscall(Nr.write, fd, address(buf), len);
    }

    /**
     * {@code pread(2)}: up to {@code buf.byteSize()} bytes from file offset {@code offset} into
     * {@code buf}; returns the count (0 at end of file), or {@code -errno}.
     */
    public static long preadRaw(int fd, MemorySegment buf, long offset) {
        return syscall(Nr.pread64, fd, address(buf), buf.byteSize(), offset, 0, 0);
    }

    /**
     * {@code sendfile(2)} of up to {@code count} bytes from {@code inFd} at {@code inOffset} to
     * {@code outFd} at its file position (which advances); returns the count (0 at the end of
     * the input), or {@code -errno}. The input's own file position is left alone.
     */
    public static long sendfileRaw(int outFd, int inFd, long inOffset, long count) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment off = arena.allocate(JAVA_LONG);
            off.set(JAVA_LONG, 0, inOffset);
            return syscall(Nr.sendfile, outFd, inFd, address(off), count, 0, 0);
        }
    }

    /** {@code lseek(2)}; returns the new offset, or {@code -errno}. */
    public static long lseekRaw(int fd, long offset, int whence) {
        return syscall(Nr.lseek, fd, offset, whence);
    }

    /** {@code ioctl(2)} with a pointer argument; returns the result, or {@code -errno}. */
    public static int ioctlRaw(int fd, long request, MemorySegment arg) {
        return (int) syscall(Nr.ioctl, fd, request, address(arg));
    }

    /** {@code ioctl(2)} with an integer argument; returns the result, or {@code -errno}. */
    public static int ioctlRaw(int fd, long request, long arg) {
        return (int) syscall(Nr.ioctl, fd, request, arg);
    }

    /** {@code mmap(2)} of a file; the returned segment has the mapping's size. */
    @SuppressWarnings("restricted")
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) throws SysException {
        long p = syscall(Nr.mmap, 0, length, prot, flags, fd, offset);
        // The kernel returns addresses, or -errno in the last page of the address space.
        if (p < 0 && p > -4096) {
            throw new SysException("mmap(" + what + ", " + length + " bytes)", (int) -p);
        }
        return MemorySegment.ofAddress(p).reinterpret(length);
    }

    /** {@code munmap(2)}. */
    public static void munmap(MemorySegment mapping) throws SysException {
        check(syscall(Nr.munmap, address(mapping), mapping.byteSize(), 0), "munmap");
    }

    /** {@code madvise(2)}; advice is a hint, so failure is returned rather than thrown. */
    public static int madvise(MemorySegment range, int advice) {
        return (int) syscall(Nr.madvise, address(range), range.byteSize(), advice);
    }

    /** {@code memfd_create(2)}. */
    public static int memfdCreate(String name, int flags) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            return (int) check(syscall(Nr.memfd_create, address(arena.allocateFrom(name)), flags, 0),
                    "memfd_create(" + name + ")");
        }
    }

    /** {@code ftruncate(2)}. */
    public static void ftruncate(int fd, long length) throws SysException {
        check(syscall(Nr.ftruncate, fd, length, 0), "ftruncate(" + length + ")");
    }

    /** {@code eventfd(2)}. */
    public static int eventfd(int initval, int flags) throws SysException {
        return (int) check(syscall(Nr.eventfd2, initval, flags, 0), "eventfd");
    }

    /**
     * {@code poll(2)} on one descriptor for {@code POLLIN}: 1 when readable (or hung up), 0 on
     * timeout, {@code -errno} on failure.
     */
    public static int pollIn(int fd, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(POLLFD_SIZE, 8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            return (int) syscall(Nr.poll, address(pfd), 1, timeoutMillis);
        }
    }

    /**
     * {@code poll(2)} on several descriptors; returns each one's {@code revents} (all zero on
     * timeout). EINTR is retried with the same timeout.
     */
    public static short[] poll(int[] fds, short[] events, int timeoutMillis) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfds = arena.allocate(POLLFD_SIZE * fds.length, 8);
            for (int i = 0; i < fds.length; i++) {
                pfds.set(JAVA_INT, POLLFD_SIZE * i, fds[i]);
                pfds.set(ValueLayout.JAVA_SHORT, POLLFD_SIZE * i + 4, events[i]);
            }
            long r;
            do {
                r = syscall(Nr.poll, address(pfds), fds.length, timeoutMillis);
            } while (r == -Errno.EINTR);
            check(r, "poll");
            short[] revents = new short[fds.length];
            for (int i = 0; i < fds.length; i++) {
                revents[i] = pfds.get(ValueLayout.JAVA_SHORT, POLLFD_SIZE * i + 6);
            }
            return revents;
        }
    }

    /**
     * {@code sched_setaffinity(2)} for thread {@code tid}: it may run only on the CPUs set in
     * {@code cpus} (bit n = CPU n).
     */
    public static void setAffinity(int tid, java.util.BitSet cpus) throws SysException {
        long[] words = cpus.toLongArray();
        try (Arena arena = Arena.ofConfined()) {
            // The kernel wants a multiple of sizeof(long); 1024 CPUs (glibc's cpu_set_t) at least.
            int n = Math.max(words.length, 16);
            MemorySegment mask = arena.allocate(8L * n, 8);
            for (int i = 0; i < words.length; i++) {
                mask.setAtIndex(JAVA_LONG, i, words[i]);
            }
            check(syscall(Nr.sched_setaffinity, tid, 8L * n, mask.address()), "sched_setaffinity(" + tid + ")");
        }
    }

    /** {@code sched_getaffinity(2)}: the CPUs thread {@code tid} may run on. */
    public static java.util.BitSet getAffinity(int tid) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(8L * 16, 8);
            long n = check(syscall(Nr.sched_getaffinity, tid, 8L * 16, mask.address()), "sched_getaffinity(" + tid + ")");
            return java.util.BitSet.valueOf(mask.asSlice(0, n).toArray(JAVA_LONG));
        }
    }

    /** {@code getpid(2)}. */
    public static int getpid() {
        return (int) syscall(Nr.getpid, 0, 0, 0);
    }

    /** {@code gettid(2)}: the calling thread's kernel id. */
    public static int gettid() {
        return (int) syscall(Nr.gettid, 0, 0, 0);
    }

    /** {@code tgkill(2)}: sends {@code signal} to thread {@code tid} of this process; 0 or {@code -errno}. */
    public static int tgkill(int tid, int signal) {
        return (int) syscall(Nr.tgkill, getpid(), tid, signal);
    }

    /** Sets {@code SIG_IGN} for a signal ({@code rt_sigaction(2)}), so a stray process-directed one is dropped. */
    public static void ignoreSignal(int signal) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            // struct sigaction (kernel): sa_handler = SIG_IGN (1), sa_flags 0, no restorer, empty mask.
            MemorySegment act = arena.allocate(KERNEL_SIGACTION_SIZE, 8);
            act.set(JAVA_LONG, 0, 1L);
            check(syscall(Nr.rt_sigaction, signal, address(act), 0, KERNEL_SIGSET_SIZE, 0, 0), "rt_sigaction(" + signal + ")");
        }
    }

    /** A kernel sigset holding just {@code signal} (bit signal-1, as the kernel numbers them). */
    public static MemorySegment sigset(Arena arena, int signal) {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("signal: " + signal + " (expected: 1..64)");
        }
        MemorySegment set = arena.allocate(KERNEL_SIGSET_SIZE, 8);
        set.set(JAVA_LONG, 0, 1L << (signal - 1));
        return set;
    }

    /**
     * {@code rt_sigprocmask(2)}: changes the calling thread's signal mask by {@code how} with
     * {@code set}, and stores the previous mask into {@code old} (a kernel sigset).
     */
    public static void sigprocmask(int how, MemorySegment set, MemorySegment old) throws SysException {
        check(syscall(Nr.rt_sigprocmask, how, address(set), address(old), KERNEL_SIGSET_SIZE, 0, 0), "rt_sigprocmask");
    }

    /**
     * Takes one pending instance of a signal in {@code set} without waiting
     * ({@code rt_sigtimedwait(2)} with a zero timeout). Returns the signal, or {@code -errno}
     * ({@code -EAGAIN} when none was pending).
     */
    public static int sigtimedwaitNow(MemorySegment set, MemorySegment zeroTimespec) {
        return (int) syscall(Nr.rt_sigtimedwait, address(set), 0, address(zeroTimespec), KERNEL_SIGSET_SIZE, 0, 0);
    }

    /** Whether {@code fd} is a terminal (the TCGETS ioctl succeeds, as isatty(3) does it). */
    public static boolean isatty(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return ioctlRaw(fd, TCGETS, arena.allocate(KERNEL_TERMIOS_SIZE, 4)) == 0;
        }
    }

    /** {@code TCGETS}: the terminal's settings into a kernel termios buffer. */
    public static void tcgetattr(int fd, MemorySegment termios) throws SysException {
        check(ioctlRaw(fd, TCGETS, termios), "ioctl(TCGETS) on fd " + fd);
    }

    /** {@code TCSETS}: applies a kernel termios buffer at once (TCSANOW). */
    public static void tcsetattr(int fd, MemorySegment termios) throws SysException {
        check(ioctlRaw(fd, TCSETS, termios), "ioctl(TCSETS) on fd " + fd);
    }

    /** Raw mode, as termios(3) defines cfmakeraw: no input or output processing, no echo, no signals, 8 bits. */
    public static void cfmakeraw(MemorySegment t) {
        t.set(JAVA_INT, 0, t.get(JAVA_INT, 0) & ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
        t.set(JAVA_INT, 4, t.get(JAVA_INT, 4) & ~OPOST);
        t.set(JAVA_INT, 8, (t.get(JAVA_INT, 8) & ~(CSIZE | PARENB)) | CS8);
        t.set(JAVA_INT, 12, t.get(JAVA_INT, 12) & ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN));
        t.set(ValueLayout.JAVA_BYTE, 17 + VMIN, (byte) 1);
        t.set(ValueLayout.JAVA_BYTE, 17 + VTIME, (byte) 0);
    }

    /** {@code strerror(3)}, or null when libc cannot say. */
    @SuppressWarnings("restricted")
    static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) StrError.STRERROR.invokeExact(errno);
            return p.address() == 0 ? null : p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }
}
