package org.jxen.sys.net;

import org.jxen.sys.ioc.Ioc;

/** TAP and network-interface constants: {@code linux/if_tun.h}, {@code linux/sockios.h}, {@code linux/if.h}. */
public final class NetH {
    private NetH() {}

    /** {@code TUNSETIFF}: {@code _IOW('T', 202, int)} (linux/if_tun.h). */
    public static final long TUNSETIFF = Ioc.iow('T', 202, 4);
    /** {@code TUNSETVNETHDRSZ}: {@code _IOW('T', 216, int)}. */
    public static final long TUNSETVNETHDRSZ = Ioc.iow('T', 216, 4);
    // TUNSETIFF flags (linux/if_tun.h).
    public static final short IFF_TAP = 0x0002;
    public static final short IFF_NO_PI = 0x1000;
    public static final short IFF_VNET_HDR = 0x4000;
    // Socket ioctls (linux/sockios.h).
    public static final int SIOCGIFFLAGS = 0x8913;
    public static final int SIOCSIFFLAGS = 0x8914;
    public static final int SIOCGIFMTU = 0x8921;
    public static final int SIOCSIFMTU = 0x8922;
    public static final int SIOCGIFINDEX = 0x8933;
    public static final int SIOCBRADDIF = 0x89a2;
    public static final int SIOCBRDELIF = 0x89a3;
    /** {@code IFF_UP} (linux/if.h, enum net_device_flags). */
    public static final short IFF_UP = 0x1;
    /** {@code IFNAMSIZ} (linux/if.h). */
    public static final int IFNAMSIZ = 16;
    /** {@code sizeof(struct ifreq)} on x86_64: the name, then a 24-byte union. */
    public static final int IFREQ_SIZE = 40;
    /** {@code AF_INET} and {@code SOCK_DGRAM} (bits/socket.h): the socket the interface ioctls go through. */
    public static final int AF_INET = 2;
    public static final int SOCK_DGRAM = 2;
}
