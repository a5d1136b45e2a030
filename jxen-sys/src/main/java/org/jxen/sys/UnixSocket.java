package org.jxen.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Unix-domain stream socket (unix(7)) with what the JDK's channels cannot do: pass file
 * descriptors ({@code SCM_RIGHTS}) and read the peer's credentials with its pid
 * ({@code SO_PEERCRED}). The {@code xl} launcher protocol needs both (docs/XL-LAUNCHER.md).
 *
 * <p>Every call blocks its thread (a platform thread: a blocking downcall would pin a virtual
 * thread's carrier). {@link #shutdown(int)} from another thread wakes a blocked
 * {@link #accept()} or read.
 */
public final class UnixSocket extends Fd {
    /** {@code sizeof(struct sockaddr_un)} (sys/un.h): sa_family_t, then sun_path[108]. */
    static final int SOCKADDR_UN_SIZE = 110;
    static final int SUN_PATH_MAX = 108;
    /** {@code struct msghdr} on x86_64 (sys/socket.h): name, namelen, iov, iovlen, control, controllen, flags. */
    static final long MSGHDR_SIZE = 56;
    static final long MSGHDR_IOV = 16;
    static final long MSGHDR_IOVLEN = 24;
    static final long MSGHDR_CONTROL = 32;
    static final long MSGHDR_CONTROLLEN = 40;
    static final long MSGHDR_FLAGS = 48;
    /** {@code struct cmsghdr} (sys/socket.h): size_t len, int level, int type, then the data. */
    static final long CMSGHDR_SIZE = 16;
    /** {@code struct ucred} (sys/socket.h): pid, uid, gid. */
    static final long UCRED_SIZE = 12;

    private UnixSocket(int fd, String what) {
        super(fd, what);
    }

    /** The peer's credentials, as the kernel recorded them at connect time. */
    public record Credentials(int pid, int uid, int gid) {}

    /** What one {@link #receive} got: the bytes and the descriptors that came with them. */
    public record Received(byte[] data, List<Fd> fds) {}

    private static int newSocket() throws SysException {
        return (int) check(LibC.syscall(LibC.Nr.socket, LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, 0, 0, 0),
                "socket(AF_UNIX)");
    }

    private static MemorySegment address(Arena arena, String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length >= SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path " + path + " is " + p.length + " bytes (expected: less than "
                    + SUN_PATH_MAX + ", sys/un.h sun_path)");
        }
        MemorySegment a = arena.allocate(SOCKADDR_UN_SIZE, 8);
        a.set(ValueLayout.JAVA_SHORT, 0, (short) LibC.AF_UNIX);
        MemorySegment.copy(p, 0, a, ValueLayout.JAVA_BYTE, 2, p.length);
        return a;
    }

    /** Binds {@code path} (which must not exist) and listens. */
    public static UnixSocket listen(String path, int backlog) throws SysException {
        int fd = newSocket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = address(arena, path);
            check(LibC.syscall(LibC.Nr.bind, fd, a.address(), SOCKADDR_UN_SIZE, 0, 0, 0), "bind(" + path + ")");
            check(LibC.syscall(LibC.Nr.listen, fd, backlog, 0, 0, 0, 0), "listen(" + path + ")");
            return new UnixSocket(fd, "socket " + path);
        } catch (SysException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** Connects to the socket at {@code path}. */
    public static UnixSocket connect(String path) throws SysException {
        int fd = newSocket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = address(arena, path);
            check(LibC.syscall(LibC.Nr.connect, fd, a.address(), SOCKADDR_UN_SIZE, 0, 0, 0), "connect(" + path + ")");
            return new UnixSocket(fd, "connection to " + path);
        } catch (SysException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** Two connected sockets ({@code socketpair(2)}), for tests and in-process pipes. */
    public static UnixSocket[] pair() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(8, 4);
            check(LibC.syscall(LibC.Nr.socketpair, LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds.address(), 0, 0),
                    "socketpair");
            return new UnixSocket[] {new UnixSocket(fds.get(ValueLayout.JAVA_INT, 0), "socketpair end 0"),
                new UnixSocket(fds.get(ValueLayout.JAVA_INT, 4), "socketpair end 1")};
        }
    }

    /** Waits for a connection; close-on-exec. */
    public UnixSocket accept() throws SysException {
        int fd = (int) check(LibC.syscall(LibC.Nr.accept4, get(), 0, 0, LibC.SOCK_CLOEXEC, 0, 0), "accept(" + what() + ")");
        return new UnixSocket(fd, "connection on " + what());
    }

    /** The peer's pid, uid and gid ({@code SO_PEERCRED}, socket(7)). */
    public Credentials peer() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(UCRED_SIZE, 4);
            MemorySegment len = arena.allocate(4, 4);
            len.set(ValueLayout.JAVA_INT, 0, (int) UCRED_SIZE);
            check(LibC.syscall(LibC.Nr.getsockopt, get(), LibC.SOL_SOCKET, LibC.SO_PEERCRED, cred.address(), len.address(), 0),
                    "getsockopt(SO_PEERCRED)");
            return new Credentials(cred.get(ValueLayout.JAVA_INT, 0), cred.get(ValueLayout.JAVA_INT, 4),
                    cred.get(ValueLayout.JAVA_INT, 8));
        }
    }

    /** Sends all of {@code data}, with {@code fds} attached to its first byte. */
    public void send(byte[] data, int... fds) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment iov = arena.allocate(16, 8);
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            long off = 0;
            boolean first = true;
            while (off < data.length || (first && fds.length > 0)) {
                iov.set(ValueLayout.JAVA_LONG, 0, buf.address() + off);
                iov.set(ValueLayout.JAVA_LONG, 8, data.length - off);
                msg.fill((byte) 0);
                msg.set(ValueLayout.JAVA_LONG, MSGHDR_IOV, iov.address());
                msg.set(ValueLayout.JAVA_LONG, MSGHDR_IOVLEN, 1);
                if (first && fds.length > 0) {
                    long space = CMSGHDR_SIZE + align8(4L * fds.length);
                    MemorySegment cmsg = arena.allocate(space, 8);
                    cmsg.set(ValueLayout.JAVA_LONG, 0, CMSGHDR_SIZE + 4L * fds.length);
                    cmsg.set(ValueLayout.JAVA_INT, 8, LibC.SOL_SOCKET);
                    cmsg.set(ValueLayout.JAVA_INT, 12, LibC.SCM_RIGHTS);
                    for (int i = 0; i < fds.length; i++) {
                        cmsg.set(ValueLayout.JAVA_INT, CMSGHDR_SIZE + 4L * i, fds[i]);
                    }
                    msg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROL, cmsg.address());
                    msg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN, space);
                }
                long n = LibC.syscall(LibC.Nr.sendmsg, get(), msg.address(), LibC.MSG_NOSIGNAL, 0, 0, 0);
                if (n == -Errno.EINTR) {
                    continue;
                }
                off += check(n, "sendmsg(" + what() + ")");
                first = false;
            }
        }
    }

    /**
     * Receives up to {@code maxBytes} (at least one byte unless the peer closed: then the data
     * is empty) and up to {@code maxFds} descriptors, close-on-exec. Descriptors beyond
     * {@code maxFds} are closed by the kernel (the message is flagged {@code MSG_CTRUNC}); then
     * the ones received are closed too and the call fails, so a client cannot leak descriptors
     * into the daemon.
     */
    public Received receive(int maxBytes, int maxFds) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, maxBytes));
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
            iov.set(ValueLayout.JAVA_LONG, 8, maxBytes);
            long space = CMSGHDR_SIZE + align8(4L * Math.max(1, maxFds));
            MemorySegment cmsg = arena.allocate(space, 8);
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(ValueLayout.JAVA_LONG, MSGHDR_IOV, iov.address());
            msg.set(ValueLayout.JAVA_LONG, MSGHDR_IOVLEN, 1);
            msg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROL, cmsg.address());
            msg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN, space);
            long n;
            do {
                n = LibC.syscall(LibC.Nr.recvmsg, get(), msg.address(), LibC.MSG_CMSG_CLOEXEC, 0, 0, 0);
            } while (n == -Errno.EINTR);
            check(n, "recvmsg(" + what() + ")");
            List<Fd> fds = new ArrayList<>();
            long controlLen = msg.get(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN);
            // Walk the control messages the kernel wrote (CMSG_FIRSTHDR/CMSG_NXTHDR, bounded by controllen).
            long at = 0;
            while (at + CMSGHDR_SIZE <= controlLen) {
                long len = cmsg.get(ValueLayout.JAVA_LONG, at);
                int level = cmsg.get(ValueLayout.JAVA_INT, at + 8);
                int type = cmsg.get(ValueLayout.JAVA_INT, at + 12);
                if (len < CMSGHDR_SIZE || at + len > controlLen) {
                    break;
                }
                if (level == LibC.SOL_SOCKET && type == LibC.SCM_RIGHTS) {
                    for (long o = CMSGHDR_SIZE; o + 4 <= len; o += 4) {
                        fds.add(new Fd(cmsg.get(ValueLayout.JAVA_INT, at + o), "descriptor from " + what()));
                    }
                }
                at += align8(len);
            }
            if ((msg.get(ValueLayout.JAVA_INT, MSGHDR_FLAGS) & LibC.MSG_CTRUNC) != 0) {
                fds.forEach(Fd::close);
                throw new SysException("recvmsg(" + what() + "): more than " + maxFds + " descriptors sent", Errno.EMSGSIZE);
            }
            return new Received(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), List.copyOf(fds));
        }
    }

    /** Reads exactly {@code len} bytes, or fewer only when the peer closed. */
    public byte[] readFully(int len) throws SysException {
        byte[] out = new byte[len];
        int got = 0;
        while (got < len) {
            Received r = receive(len - got, 0);
            if (r.data().length == 0) {
                return java.util.Arrays.copyOf(out, got);
            }
            System.arraycopy(r.data(), 0, out, got, r.data().length);
            got += r.data().length;
        }
        return out;
    }

    /** {@code shutdown(2)}: {@link LibC#SHUT_RD}, {@link LibC#SHUT_WR} or {@link LibC#SHUT_RDWR}. */
    public void shutdown(int how) {
        if (isOpen()) {
            LibC.syscall(LibC.Nr.shutdown, get(), how, 0, 0, 0, 0);
        }
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    private static long check(long r, String call) throws SysException {
        if (r < 0) {
            throw new SysException(call, (int) -r);
        }
        return r;
    }
}
