package org.jxen.net;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * An Ethernet address as xl.cfg writes it ({@code 00:16:3e:12:34:56}). A vif without {@code mac=}
 * gets a random one under Xen's OUI 00:16:3e (xl-network-configuration(5), "mac"), which the
 * toolstack keeps for the domain's life, reboots included.
 */
public record MacAddress(byte[] bytes) {
    /** Xen's organizationally unique identifier (IEEE, assigned to XenSource). */
    static final byte[] XEN_OUI = {0x00, 0x16, 0x3e};
    private static final SecureRandom RANDOM = new SecureRandom();

    public MacAddress {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        }
        bytes = bytes.clone();
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with '-'); a multicast address is refused, as a NIC's must be unicast. */
    public static MacAddress parse(String text) {
        String[] p = text.split("[:-]", -1);
        if (p.length != 6) {
            throw new IllegalArgumentException("MAC address '" + text + "' (expected: six hex bytes, aa:bb:cc:dd:ee:ff)");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (!p[i].matches("[0-9a-fA-F]{1,2}")) {
                throw new IllegalArgumentException("MAC address '" + text + "': '" + p[i] + "' is not a hex byte");
            }
            b[i] = (byte) Integer.parseInt(p[i], 16);
        }
        if ((b[0] & 1) != 0) {
            throw new IllegalArgumentException("MAC address '" + text + "' is a multicast address (the first byte is odd)");
        }
        return new MacAddress(b);
    }

    /** A random address under Xen's OUI. */
    public static MacAddress randomXen() {
        byte[] b = new byte[6];
        System.arraycopy(XEN_OUI, 0, b, 0, 3);
        byte[] r = new byte[3];
        RANDOM.nextBytes(r);
        // The last byte's low bits avoid nothing in particular; the first three are the OUI.
        System.arraycopy(r, 0, b, 3, 3);
        return new MacAddress(b);
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes).toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && java.util.Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }
}
