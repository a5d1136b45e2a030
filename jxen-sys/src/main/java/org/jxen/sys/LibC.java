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
 * Downcalls to the C library. Each wrapper either returns the call's value or throws
 * {@link SysException} naming the call and errno; the {@code raw} variants used on hot paths
 * (the vCPU loop) return {@code -errno} instead of throwing.
 *
 * <p>Calling thread: any. errno is captured per call into a per-thread buffer.
 */
public final class LibC {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    // sys/mman.h
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MADV_DONTDUMP = 16;
    // linux/memfd.h
    public static final int MFD_CLOEXEC = 0x0001;
    // asm-generic/fcntl.h
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 02;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_NONBLOCK = 04000;
    // sys/eventfd.h
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    // asm-generic/signal-defs.h: SIG_BLOCK 0, SIG_UNBLOCK 1, SIG_SETMASK 2
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    // glibc sigset_t is 1024 bits; the kernel's (KVM_SET_SIGNAL_MASK) is 64 bits.
    public static final long SIGSET_T_SIZE = 128;
    public static final long KERNEL_SIGSET_SIZE = 8;
    // asm-generic/poll.h
    public static final short POLLIN = 0x1;
    // termios.h
    public static final int TCSANOW = 0;
    /** glibc's {@code struct termios} on x86_64 (bits/termios-struct.h): 60 bytes. */
    public static final long TERMIOS_SIZE = 60;
    /** {@code struct pollfd} (asm-generic/poll.h): int fd, short events, short revents. */
    public static final long POLLFD_SIZE = 8;
    /** {@code struct timespec} on x86_64: time_t tv_sec, long tv_nsec. */
    public static final long TIMESPEC_SIZE = 16;

    private static final MethodHandle OPEN = capture("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = capture("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = capture("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = capture("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle IOCTL_PTR = capture("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG = capture("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = capture("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = capture("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = capture("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MEMFD_CREATE = capture("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE = capture("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle EVENTFD = capture("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = capture("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PTHREAD_SELF = plain("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle PTHREAD_KILL = plain("pthread_kill", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = plain("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGADDSET = plain("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGDELSET = plain("sigdelset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGTIMEDWAIT = capture("sigtimedwait", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle SIGRTMIN = plain("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SIGNAL = plain("signal", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle ISATTY = plain("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = capture("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = capture("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = plain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle GETPID = plain("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = plain("gettid", FunctionDescriptor.of(JAVA_INT));

    private LibC() {}

    @SuppressWarnings("restricted")
    private static MethodHandle plain(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static MethodHandle capture(String name, FunctionDescriptor fd, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = CAPTURE_ERRNO;
        return plain(name, fd, all);
    }

    private static MemorySegment state() {
        return CAPTURE.get();
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    private static int check(int r, MemorySegment state, String call) throws SysException {
        if (r < 0) {
            throw new SysException(call, errno(state));
        }
        return r;
    }

    /** {@code open(2)}. */
    public static int open(String path, int flags) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            int r = (int) OPEN.invokeExact(st, arena.allocateFrom(path), flags | O_CLOEXEC, 0);
            return check(r, st, "open(" + path + ")");
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code close(2)}; errors are returned, not thrown, because nothing can be done about them. */
    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(state(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code read(2)} into {@code buf}; returns the count, or {@code -errno}. */
    public static long readRaw(int fd, MemorySegment buf, long len) {
        try {
            MemorySegment st = state();
            long r = (long) READ.invokeExact(st, fd, buf, len);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code write(2)} from {@code buf}; returns the count, or {@code -errno}. */
    public static long writeRaw(int fd, MemorySegment buf, long len) {
        try {
            MemorySegment st = state();
            long r = (long) WRITE.invokeExact(st, fd, buf, len);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ioctl(2)} with a pointer argument; returns the result, or {@code -errno}. */
    public static int ioctlRaw(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment st = state();
            int r = (int) IOCTL_PTR.invokeExact(st, fd, request, arg);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ioctl(2)} with an integer argument; returns the result, or {@code -errno}. */
    public static int ioctlRaw(int fd, long request, long arg) {
        try {
            MemorySegment st = state();
            int r = (int) IOCTL_LONG.invokeExact(st, fd, request, arg);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code mmap(2)} of a file; the returned segment has the mapping's size. */
    @SuppressWarnings("restricted")
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) throws SysException {
        try {
            MemorySegment st = state();
            MemorySegment p = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == -1L) {
                throw new SysException("mmap(" + what + ", " + length + " bytes)", errno(st));
            }
            return p.reinterpret(length);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code munmap(2)}. */
    public static void munmap(MemorySegment mapping) throws SysException {
        try {
            MemorySegment st = state();
            check((int) MUNMAP.invokeExact(st, mapping, mapping.byteSize()), st, "munmap");
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code madvise(2)}; advice is a hint, so failure is returned rather than thrown. */
    public static int madvise(MemorySegment range, int advice) {
        try {
            return (int) MADVISE.invokeExact(state(), range, range.byteSize(), advice);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code memfd_create(2)}. */
    public static int memfdCreate(String name, int flags) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            int r = (int) MEMFD_CREATE.invokeExact(st, arena.allocateFrom(name), flags);
            return check(r, st, "memfd_create(" + name + ")");
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ftruncate(2)}. */
    public static void ftruncate(int fd, long length) throws SysException {
        try {
            MemorySegment st = state();
            check((int) FTRUNCATE.invokeExact(st, fd, length), st, "ftruncate(" + length + ")");
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code eventfd(2)}. */
    public static int eventfd(int initval, int flags) throws SysException {
        try {
            MemorySegment st = state();
            return check((int) EVENTFD.invokeExact(st, initval, flags), st, "eventfd");
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code poll(2)} on one descriptor for {@code POLLIN}: 1 when readable (or hung up), 0 on
     * timeout, {@code -errno} on failure.
     */
    public static int pollIn(int fd, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            // struct pollfd { int fd; short events; short revents; } (poll.h)
            MemorySegment pfd = arena.allocate(POLLFD_SIZE);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            MemorySegment st = state();
            int r = (int) POLL.invokeExact(st, pfd, 1L, timeoutMillis);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pthread_self(3)} of the calling thread. */
    public static long pthreadSelf() {
        try {
            return (long) PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pthread_kill(3)}; returns 0 or an error number (ESRCH when the thread ended). */
    public static int pthreadKill(long thread, int signal) {
        try {
            return (int) PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code SIGRTMIN} as glibc reports it (NPTL reserves the first real-time signals). */
    public static int sigrtmin() {
        try {
            return (int) SIGRTMIN.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Sets {@code SIG_IGN} for a signal, so that a stray process-directed one is dropped. */
    public static void ignoreSignal(int signal) {
        try {
            // signal.h: SIG_IGN is ((__sighandler_t) 1)
            MemorySegment unused = (MemorySegment) SIGNAL.invokeExact(signal, MemorySegment.ofAddress(1));
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** A glibc {@code sigset_t} holding just {@code signal}. */
    public static MemorySegment sigset(Arena arena, int signal) {
        MemorySegment set = arena.allocate(SIGSET_T_SIZE, 8);
        try {
            int r = (int) SIGEMPTYSET.invokeExact(set);
            r |= (int) SIGADDSET.invokeExact(set, signal);
            if (r != 0) {
                throw new IllegalArgumentException("signal: " + signal + " (expected: 1..64)");
            }
        } catch (Throwable t) {
            throw unexpected(t);
        }
        return set;
    }

    /** Removes {@code signal} from a glibc {@code sigset_t}. */
    public static void sigdelset(MemorySegment set, int signal) {
        try {
            int r = (int) SIGDELSET.invokeExact(set, signal);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code pthread_sigmask(3)}: changes the calling thread's mask by {@code how} with
     * {@code set}, and stores the previous mask into {@code old} when it is not NULL.
     */
    public static void pthreadSigmask(int how, MemorySegment set, MemorySegment old) throws SysException {
        try {
            int r = (int) PTHREAD_SIGMASK.invokeExact(how, set, old);
            if (r != 0) {
                throw new SysException("pthread_sigmask", r);
            }
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Takes one pending instance of a signal in {@code set} without waiting
     * ({@code sigtimedwait} with a zero timeout). Returns the signal, or {@code -errno}
     * ({@code -EAGAIN} when none was pending).
     */
    public static int sigtimedwaitNow(MemorySegment set, MemorySegment zeroTimespec) {
        try {
            MemorySegment st = state();
            int r = (int) SIGTIMEDWAIT.invokeExact(st, set, MemorySegment.NULL, zeroTimespec);
            return r < 0 ? -errno(st) : r;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code isatty(3)}. */
    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code tcgetattr(3)} into a {@link #TERMIOS_SIZE}-byte buffer. */
    public static void tcgetattr(int fd, MemorySegment termios) throws SysException {
        try {
            MemorySegment st = state();
            check((int) TCGETATTR.invokeExact(st, fd, termios), st, "tcgetattr(" + fd + ")");
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code tcsetattr(3)} with {@code TCSANOW}. */
    public static void tcsetattr(int fd, MemorySegment termios) throws SysException {
        try {
            MemorySegment st = state();
            check((int) TCSETATTR.invokeExact(st, fd, TCSANOW, termios), st, "tcsetattr(" + fd + ")");
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code cfmakeraw(3)} on a termios buffer. */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            CFMAKERAW.invokeExact(termios);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getpid(2)}. */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code gettid(2)} of the calling thread. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code strerror(3)}, or null when libc cannot say. */
    @SuppressWarnings("restricted")
    static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            return p.address() == 0 ? null : p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }
}
