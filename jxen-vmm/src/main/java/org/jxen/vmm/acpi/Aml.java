package org.jxen.vmm.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes AML byte code (ACPI 6.x, chapter 20 "ACPI Machine Language Specification") for the
 * few constructs a DSDT needs. Each method returns the encoded term; callers nest them.
 */
public final class Aml {
    // ACPI 6.x, 20.2.x opcodes.
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0A;
    static final int WORD_PREFIX = 0x0B;
    static final int DWORD_PREFIX = 0x0C;
    static final int STRING_PREFIX = 0x0D;
    static final int QWORD_PREFIX = 0x0E;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int METHOD_OP = 0x14;
    static final int RETURN_OP = 0xA4;
    static final int EXT_OP_PREFIX = 0x5B;
    static final int DEVICE_OP = 0x82;
    static final int ROOT_CHAR = '\\';
    static final int DUAL_NAME_PREFIX = 0x2E;
    static final int MULTI_NAME_PREFIX = 0x2F;

    private Aml() {}

    /** Concatenates terms. */
    public static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * A name string: an optional root prefix and 1..n four-character segments separated by
     * dots, each padded with '_' (ACPI 6.x, 20.2.2).
     */
    public static byte[] nameString(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String rest = name;
        if (rest.startsWith("\\")) {
            out.write(ROOT_CHAR);
            rest = rest.substring(1);
        }
        if (rest.isEmpty()) {
            out.write(0);
            return out.toByteArray();
        }
        // Limit -1 keeps trailing empty segments, so that "ABC." is refused rather than read as "ABC".
        String[] segs = rest.split("\\.", -1);
        if (segs.length > 255) {
            throw new IllegalArgumentException("AML name \"" + name + "\" has " + segs.length + " segments (expected: <= 255)");
        }
        if (segs.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segs.length > 2) {
            out.write(MULTI_NAME_PREFIX);
            out.write(segs.length);
        }
        for (String s : segs) {
            out.writeBytes(nameSeg(s));
        }
        return out.toByteArray();
    }

    static byte[] nameSeg(String seg) {
        if (seg.isEmpty() || seg.length() > 4 || !seg.matches("[A-Z_][A-Z0-9_]*")) {
            throw new IllegalArgumentException("AML name segment: \"" + seg + "\" (expected: 1-4 of A-Z, 0-9, _; not starting with a digit)");
        }
        StringBuilder b = new StringBuilder(seg);
        while (b.length() < 4) {
            b.append('_');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** PkgLength (ACPI 6.x, 20.2.4) for a body of {@code bodyLength} bytes, counting itself. */
    static byte[] pkgLength(int bodyLength) {
        // The encoded length includes the PkgLength bytes themselves.
        if (bodyLength + 1 < 0x40) {
            return new byte[] {(byte) (bodyLength + 1)};
        }
        if (bodyLength + 2 < 0x1000) {
            int len = bodyLength + 2;
            return new byte[] {(byte) (0x40 | (len & 0xf)), (byte) (len >> 4)};
        }
        if (bodyLength + 3 < 0x10_0000) {
            int len = bodyLength + 3;
            return new byte[] {(byte) (0x80 | (len & 0xf)), (byte) (len >> 4), (byte) (len >> 12)};
        }
        int len = bodyLength + 4;
        if (len >= 0x1000_0000) {
            throw new IllegalArgumentException("AML package of " + bodyLength + " bytes (expected: < 256 MiB)");
        }
        return new byte[] {(byte) (0xC0 | (len & 0xf)), (byte) (len >> 4), (byte) (len >> 12), (byte) (len >> 20)};
    }

    private static byte[] withPkgLength(int op, byte[] body) {
        return cat(new byte[] {(byte) op}, pkgLength(body.length), body);
    }

    /** An integer in the shortest encoding (ZeroOp, OneOp, Byte/Word/DWord/QWordConst). */
    public static byte[] integer(long v) {
        if (v == 0) {
            return new byte[] {ZERO_OP};
        }
        if (v == 1) {
            return new byte[] {ONE_OP};
        }
        if (v > 0 && v <= 0xff) {
            return new byte[] {BYTE_PREFIX, (byte) v};
        }
        if (v > 0 && v <= 0xffff) {
            return new byte[] {WORD_PREFIX, (byte) v, (byte) (v >> 8)};
        }
        if (v > 0 && v <= 0xffff_ffffL) {
            return new byte[] {DWORD_PREFIX, (byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
        }
        byte[] b = new byte[9];
        b[0] = QWORD_PREFIX;
        for (int i = 0; i < 8; i++) {
            b[1 + i] = (byte) (v >> (8 * i));
        }
        return b;
    }

    /** A string constant. */
    public static byte[] string(String s) {
        return cat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /**
     * A compressed EISA ID, such as {@code PNP0A08} (ACPI 6.x, 6.1.5 _HID: three letters in
     * 5 bits each, four hex digits), encoded as a DWordConst.
     */
    public static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("EISA ID: \"" + id + "\" (expected: three capitals and four hex digits)");
        }
        int c1 = id.charAt(0) - 0x40;
        int c2 = id.charAt(1) - 0x40;
        int c3 = id.charAt(2) - 0x40;
        int vendor = c1 << 10 | c2 << 5 | c3;
        int product = Integer.parseInt(id.substring(3), 16);
        // Stored big-endian in the DWord: vendor word then product word, each byte-swapped.
        int v = ((vendor >> 8) & 0xff) | (vendor & 0xff) << 8 | ((product >> 8) & 0xff) << 16 | (product & 0xff) << 24;
        return new byte[] {DWORD_PREFIX, (byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /** {@code Name(name, value)}. */
    public static byte[] name(String name, byte[] value) {
        return cat(new byte[] {NAME_OP}, nameString(name), value);
    }

    /** {@code Scope(name) { terms }}. */
    public static byte[] scope(String name, byte[]... terms) {
        return withPkgLength(SCOPE_OP, cat(nameString(name), cat(terms)));
    }

    /** {@code Device(name) { terms }}. */
    public static byte[] device(String name, byte[]... terms) {
        byte[] body = cat(nameString(name), cat(terms));
        return cat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, pkgLength(body.length), body);
    }

    /** {@code Method(name, 0, NotSerialized) { Return(value) }}. */
    public static byte[] methodReturning(String name, byte[] value) {
        byte[] body = cat(nameString(name), new byte[] {0}, new byte[] {(byte) RETURN_OP}, value);
        return withPkgLength(METHOD_OP, body);
    }

    /** {@code Package() { elements }}. */
    public static byte[] pkg(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("AML package elements: " + elements.length + " (expected: <= 255)");
        }
        return withPkgLength(PACKAGE_OP, cat(new byte[] {(byte) elements.length}, cat(elements)));
    }

    /** {@code Buffer() { bytes }}. */
    public static byte[] buffer(byte[] bytes) {
        return withPkgLength(BUFFER_OP, cat(integer(bytes.length), bytes));
    }

    /** A resource template: the descriptors followed by an End Tag with checksum 0 (6.4.2.9). */
    public static byte[] resourceTemplate(byte[]... descriptors) {
        return buffer(cat(cat(descriptors), new byte[] {0x79, 0x00}));
    }

    /** I/O port descriptor, 16-bit decode (ACPI 6.x, 6.4.2.5). */
    public static byte[] io(int min, int max, int align, int length) {
        return new byte[] {0x47, 0x01, (byte) min, (byte) (min >> 8), (byte) max, (byte) (max >> 8), (byte) align, (byte) length};
    }

    /** IRQ descriptor without flags: edge-triggered, active-high (ACPI 6.x, 6.4.2.1). */
    public static byte[] irqNoFlags(int irq) {
        int mask = 1 << irq;
        return new byte[] {0x22, (byte) mask, (byte) (mask >> 8)};
    }

    /** Word Address Space descriptor for a bus-number range (ACPI 6.x, 6.4.3.5.3). */
    public static byte[] wordBusNumber(int min, int max) {
        return wordAddress(2, 0x0C, 0, min, max);
    }

    /** Word Address Space descriptor for an I/O range (ACPI 6.x, 6.4.3.5.3). */
    public static byte[] wordIo(int min, int max) {
        return wordAddress(1, 0x0C, 0x03, min, max);
    }

    private static byte[] wordAddress(int type, int generalFlags, int typeFlags, int min, int max) {
        int len = max - min + 1;
        return new byte[] {(byte) 0x88, 0x0D, 0x00, (byte) type, (byte) generalFlags, (byte) typeFlags,
                0, 0, (byte) min, (byte) (min >> 8), (byte) max, (byte) (max >> 8), 0, 0, (byte) len, (byte) (len >> 8)};
    }

    /** DWord Address Space descriptor for memory, non-cacheable read/write (ACPI 6.x, 6.4.3.5.2). */
    public static byte[] dwordMemory(long min, long max) {
        long len = max - min + 1;
        byte[] b = new byte[3 + 0x17];
        b[0] = (byte) 0x87;
        b[1] = 0x17;
        b[2] = 0x00;
        b[3] = 0x00; // memory range
        b[4] = 0x0C; // min and max fixed, producer
        b[5] = 0x01; // read/write, non-cacheable
        putLe(b, 6, 0, 4);
        putLe(b, 10, min, 4);
        putLe(b, 14, max, 4);
        putLe(b, 18, 0, 4);
        putLe(b, 22, len, 4);
        return b;
    }

    /** QWord Address Space descriptor for memory (ACPI 6.x, 6.4.3.5.1). */
    public static byte[] qwordMemory(long min, long max) {
        long len = max - min + 1;
        byte[] b = new byte[3 + 0x2B];
        b[0] = (byte) 0x8A;
        b[1] = 0x2B;
        b[2] = 0x00;
        b[3] = 0x00;
        b[4] = 0x0C;
        b[5] = 0x01;
        putLe(b, 6, 0, 8);
        putLe(b, 14, min, 8);
        putLe(b, 22, max, 8);
        putLe(b, 30, 0, 8);
        putLe(b, 38, len, 8);
        return b;
    }

    /** 32-bit Fixed Memory Range descriptor (ACPI 6.x, 6.4.3.4). */
    public static byte[] memory32Fixed(long base, long length, boolean writable) {
        byte[] b = new byte[12];
        b[0] = (byte) 0x86;
        b[1] = 0x09;
        b[2] = 0x00;
        b[3] = (byte) (writable ? 1 : 0);
        putLe(b, 4, base, 4);
        putLe(b, 8, length, 4);
        return b;
    }

    private static void putLe(byte[] b, int at, long v, int n) {
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) (v >> (8 * i));
        }
    }
}
