package org.jxen.sys.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import org.jxen.sys.Errno;
import org.jxen.sys.Fd;
import org.jxen.sys.LibC;
import org.jxen.sys.SysException;

/**
 * A TAP interface ({@code /dev/net/tun}, Documentation/networking/tuntap.rst): frames written
 * here appear on the host interface as if received from the wire, and frames the host sends out
 * of it are read here. No packet-information header ({@code IFF_NO_PI}). Also the interface
 * operations a vif needs: MTU, up, and attaching to a bridge (the ioctls of linux/sockios.h
 * that {@code ip} and {@code brctl} use).
 *
 * <p>Threads: one reader and one writer at a time; the interface operations from any thread.
 */
public final class Tap extends Fd {
    /** The frames jxen reads at once: an Ethernet frame with a VLAN tag at a 65535-byte MTU. */
    public static final int MAX_FRAME = 65535 + 18;

    private final String name;

    private Tap(int fd, String name) {
        super(fd, "tap " + name);
        this.name = name;
    }

    /** Creates (or attaches to) the TAP interface {@code name}, which must be 1 to 15 bytes. */
    public static Tap open(String name) throws SysException {
        byte[] n = checkName(name);
        int fd = LibC.open("/dev/net/tun", LibC.O_RDWR);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = ifreq(arena, n);
            ifr.set(ValueLayout.JAVA_SHORT, NetH.IFNAMSIZ, (short) (NetH.IFF_TAP | NetH.IFF_NO_PI));
            int r = LibC.ioctlRaw(fd, NetH.TUNSETIFF, ifr);
            if (r < 0) {
                throw new SysException("ioctl(TUNSETIFF " + name + ")", -r);
            }
            return new Tap(fd, name);
        } catch (SysException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    static byte[] checkName(String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length >= NetH.IFNAMSIZ || name.contains("/") || name.contains(" ")) {
            throw new IllegalArgumentException("interface name '" + name + "' (expected: 1 to " + (NetH.IFNAMSIZ - 1)
                    + " bytes, no '/' or space)");
        }
        return n;
    }

    private static MemorySegment ifreq(Arena arena, byte[] name) {
        MemorySegment ifr = arena.allocate(NetH.IFREQ_SIZE, 8);
        MemorySegment.copy(name, 0, ifr, ValueLayout.JAVA_BYTE, 0, name.length);
        return ifr;
    }

    public String name() {
        return name;
    }

    /** Writes one frame (the whole of {@code frame}); returns false when the interface dropped it. */
    public boolean write(byte[] frame) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
            long n = LibC.writeRaw(get(), b, frame.length);
            if (n == -Errno.EIO) {
                return false; // the interface is down
            }
            if (n < 0) {
                throw new SysException("write(" + what() + ")", (int) -n);
            }
            return n == frame.length;
        }
    }

    /** Reads one frame, waiting up to {@code timeoutMillis}; null on timeout. */
    public byte[] read(int timeoutMillis) throws SysException {
        short[] r = LibC.poll(new int[] {get()}, new short[] {LibC.POLLIN}, timeoutMillis);
        if ((r[0] & LibC.POLLIN) == 0) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(MAX_FRAME);
            long n = LibC.readRaw(get(), b, MAX_FRAME);
            if (n < 0) {
                throw new SysException("read(" + what() + ")", (int) -n);
            }
            return b.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    // --- interface operations, through an AF_INET datagram socket ---

    private interface IfreqCall {
        void call(int sock, MemorySegment ifr) throws SysException;
    }

    private static void withIfreq(String ifname, IfreqCall call) throws SysException {
        byte[] n = checkName(ifname);
        int sock = (int) LibC.syscall(LibC.Nr.socket, NetH.AF_INET, NetH.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0, 0, 0, 0);
        if (sock < 0) {
            throw new SysException("socket(AF_INET)", -sock);
        }
        try (Arena arena = Arena.ofConfined()) {
            call.call(sock, ifreq(arena, n));
        } finally {
            LibC.close(sock);
        }
    }

    private static void ioctl(int sock, long request, MemorySegment ifr, String what) throws SysException {
        int r = LibC.ioctlRaw(sock, request, ifr);
        if (r < 0) {
            throw new SysException("ioctl(" + what + ")", -r);
        }
    }

    /** Sets the interface's MTU. */
    public static void setMtu(String ifname, int mtu) throws SysException {
        withIfreq(ifname, (s, ifr) -> {
            ifr.set(ValueLayout.JAVA_INT, NetH.IFNAMSIZ, mtu);
            ioctl(s, NetH.SIOCSIFMTU, ifr, "SIOCSIFMTU " + ifname + " " + mtu);
        });
    }

    public static int mtu(String ifname) throws SysException {
        int[] out = new int[1];
        withIfreq(ifname, (s, ifr) -> {
            ioctl(s, NetH.SIOCGIFMTU, ifr, "SIOCGIFMTU " + ifname);
            out[0] = ifr.get(ValueLayout.JAVA_INT, NetH.IFNAMSIZ);
        });
        return out[0];
    }

    /** Brings the interface up (IFF_UP), as {@code ip link set dev NAME up}. */
    public static void up(String ifname) throws SysException {
        withIfreq(ifname, (s, ifr) -> {
            ioctl(s, NetH.SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS " + ifname);
            short flags = ifr.get(ValueLayout.JAVA_SHORT, NetH.IFNAMSIZ);
            ifr.set(ValueLayout.JAVA_SHORT, NetH.IFNAMSIZ, (short) (flags | NetH.IFF_UP));
            ioctl(s, NetH.SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS " + ifname);
        });
    }

    /** Attaches interface {@code ifname} to bridge {@code bridge}, as {@code brctl addif}. */
    public static void addToBridge(String bridge, String ifname) throws SysException {
        int index = ifindex(ifname);
        withIfreq(bridge, (s, ifr) -> {
            ifr.set(ValueLayout.JAVA_INT, NetH.IFNAMSIZ, index);
            ioctl(s, NetH.SIOCBRADDIF, ifr, "SIOCBRADDIF " + bridge + " " + ifname);
        });
    }

    public static int ifindex(String ifname) throws SysException {
        int[] out = new int[1];
        withIfreq(ifname, (s, ifr) -> {
            ioctl(s, NetH.SIOCGIFINDEX, ifr, "SIOCGIFINDEX " + ifname);
            out[0] = ifr.get(ValueLayout.JAVA_INT, NetH.IFNAMSIZ);
        });
        return out[0];
    }
}
