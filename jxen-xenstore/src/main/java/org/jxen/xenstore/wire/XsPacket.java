package org.jxen.xenstore.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One message: {@code struct xsd_sockmsg} (type, req_id, tx_id, len; four little-endian u32 on
 * x86) followed by {@code len} bytes of payload, at most {@link #PAYLOAD_MAX}.
 *
 * @param type the type number (kept as a number: an unknown one must still be answered)
 * @param reqId the request id, echoed in the reply
 * @param txId the transaction id (0: none)
 * @param payload the payload
 */
public record XsPacket(int type, int reqId, int txId, byte[] payload) {
    /** xs_wire.h: sizeof(struct xsd_sockmsg). */
    public static final int HEADER_SIZE = 16;
    /** xs_wire.h: XENSTORE_PAYLOAD_MAX. */
    public static final int PAYLOAD_MAX = 4096;
    /** xs_wire.h: XENSTORE_ABS_PATH_MAX and XENSTORE_REL_PATH_MAX. */
    public static final int ABS_PATH_MAX = 3072;
    public static final int REL_PATH_MAX = 2048;

    public XsPacket {
        if (payload.length > PAYLOAD_MAX) {
            throw new IllegalArgumentException("XenStore payload: " + payload.length + " bytes (expected: <= " + PAYLOAD_MAX + ")");
        }
    }

    public static XsPacket of(XsOp op, int reqId, int txId, byte[] payload) {
        return new XsPacket(op.number(), reqId, txId, payload);
    }

    /** The op, or null if the type number names none. */
    public XsOp op() {
        return XsOp.of(type);
    }

    /** Header and payload, ready to send. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(reqId).putInt(txId).putInt(payload.length).put(payload);
        return b.array();
    }

    /** The reply to this request with the same type, ids and the given payload. */
    public XsPacket reply(byte[] replyPayload) {
        return new XsPacket(type, reqId, txId, replyPayload);
    }

    /** The XS_ERROR reply to this request. */
    public XsPacket error(XsError error) {
        return new XsPacket(XsOp.ERROR.number(), reqId, txId, error.payload());
    }

    /**
     * The payload from {@code from} split at NULs: the strings each followed by a NUL. Bytes after
     * the last NUL (an unterminated string) come last, as one more string; callers that need
     * terminated strings check the payload's last byte.
     *
     * <p>Strings are bytes on the wire (xenstored copies them with strcpy): they are decoded as
     * ISO-8859-1, one char per byte, so a watch token of any bytes comes back in its events byte
     * for byte and two different tokens never compare equal. Paths are checked for their ASCII
     * alphabet separately.
     */
    public static List<String> strings(byte[] payload, int from) {
        List<String> out = new ArrayList<>();
        int start = from;
        for (int i = from; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        if (start < payload.length) {
            out.add(new String(payload, start, payload.length - start, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    /**
     * Strings, each followed by a NUL: the payload format of most requests and replies. Encoded
     * as ISO-8859-1, the inverse of {@link #strings} (a char above 0xFF becomes '?').
     */
    public static byte[] nulTerminated(String... strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : strings) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        XsOp op = op();
        return (op == null ? "type " + Integer.toUnsignedString(type) : op.name()) + " req "
                + Integer.toUnsignedString(reqId) + " tx " + Integer.toUnsignedString(txId) + " len " + payload.length;
    }
}
