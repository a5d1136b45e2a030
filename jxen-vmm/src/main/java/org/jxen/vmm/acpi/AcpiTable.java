package org.jxen.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A system description table under construction: the 36-byte header of ACPI 6.x, 5.2.6,
 * then the body, little-endian. {@link #toBytes()} fills in the length and the checksum.
 */
public final class AcpiTable {
    public static final String OEM_ID = "JXEN  ";
    public static final String CREATOR_ID = "JXEN";
    public static final int HEADER_SIZE = 36;

    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);

    public AcpiTable(String signature, int revision, String oemTableId) {
        if (signature.length() != 4 || oemTableId.length() > 8) {
            throw new IllegalArgumentException("ACPI table signature \"" + signature + "\" / OEM table id \"" + oemTableId + "\"");
        }
        buf.put(signature.getBytes(StandardCharsets.US_ASCII));
        buf.putInt(0); // length, set by toBytes
        buf.put((byte) revision);
        buf.put((byte) 0); // checksum, set by toBytes
        buf.put(OEM_ID.getBytes(StandardCharsets.US_ASCII));
        buf.put(String.format("%-8s", oemTableId).getBytes(StandardCharsets.US_ASCII));
        buf.putInt(1); // OEM revision
        buf.put(CREATOR_ID.getBytes(StandardCharsets.US_ASCII));
        buf.putInt(1); // creator revision
    }

    public AcpiTable u8(int v) {
        buf.put((byte) v);
        return this;
    }

    public AcpiTable u16(int v) {
        buf.putShort((short) v);
        return this;
    }

    public AcpiTable u32(long v) {
        buf.putInt((int) v);
        return this;
    }

    public AcpiTable u64(long v) {
        buf.putLong(v);
        return this;
    }

    public AcpiTable bytes(byte[] b) {
        buf.put(b);
        return this;
    }

    public AcpiTable zeros(int n) {
        for (int i = 0; i < n; i++) {
            buf.put((byte) 0);
        }
        return this;
    }

    /**
     * A Generic Address Structure (ACPI 6.x, 5.2.3.2): address space (0 memory, 1 system I/O),
     * register bit width, bit offset, access size (1 byte .. 4 qword), address.
     */
    public AcpiTable gas(int space, int bitWidth, int bitOffset, int accessSize, long address) {
        buf.put((byte) space).put((byte) bitWidth).put((byte) bitOffset).put((byte) accessSize).putLong(address);
        return this;
    }

    /** The current length, i.e. the offset of the next byte. */
    public int position() {
        return buf.position();
    }

    /** The finished table, with length and checksum set. */
    public byte[] toBytes() {
        byte[] out = new byte[buf.position()];
        buf.duplicate().flip().get(out);
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(4, out.length);
        out[9] = checksum(out);
        return out;
    }

    /** The byte that makes {@code data} sum to zero (with the checksum byte itself zero). */
    public static byte checksum(byte[] data) {
        int sum = 0;
        for (byte b : data) {
            sum += b;
        }
        return (byte) -sum;
    }
}
