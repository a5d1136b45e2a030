package org.jxen.xenstore.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reassembles packets from a byte stream that arrives in arbitrary pieces. A header that
 * announces more than {@link XsPacket#PAYLOAD_MAX} bytes is a protocol violation: xenstored
 * kills such a connection (xenstore.txt), so {@link #next()} throws and the caller closes it.
 *
 * <p>Not thread-safe: one per connection, used by its reader.
 */
public final class XsDecoder {
    /** The peer broke the framing; the connection cannot continue. */
    public static final class ProtocolException extends Exception {
        private static final long serialVersionUID = 1L;

        public ProtocolException(String message) {
            super(message);
        }
    }

    private final ByteBuffer header = ByteBuffer.allocate(XsPacket.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] payload;
    private int filled;

    /**
     * Consumes bytes from {@code in} and returns the next whole packet, or null when more bytes
     * are needed (all of {@code in} has then been consumed).
     */
    public XsPacket next(ByteBuffer in) throws ProtocolException {
        if (payload == null) {
            while (header.hasRemaining() && in.hasRemaining()) {
                header.put(in.get());
            }
            if (header.hasRemaining()) {
                return null;
            }
            int len = header.getInt(12);
            if (len < 0 || len > XsPacket.PAYLOAD_MAX) {
                throw new ProtocolException("payload length " + Integer.toUnsignedString(len) + " (expected: <= "
                        + XsPacket.PAYLOAD_MAX + ")");
            }
            payload = new byte[len];
            filled = 0;
        }
        int n = Math.min(in.remaining(), payload.length - filled);
        in.get(payload, filled, n);
        filled += n;
        if (filled < payload.length) {
            return null;
        }
        XsPacket p = new XsPacket(header.getInt(0), header.getInt(4), header.getInt(8), payload);
        header.clear();
        payload = null;
        return p;
    }

    /** Whether a packet has been started but not finished (a peer that leaves now left mid-message). */
    public boolean midMessage() {
        return header.position() > 0 || payload != null;
    }
}
