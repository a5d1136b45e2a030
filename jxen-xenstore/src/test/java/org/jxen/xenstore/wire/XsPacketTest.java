package org.jxen.xenstore.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XsPacketTest {
    @Test
    void encodesTheHeaderAsFourLittleEndianWordsThenThePayload() {
        XsPacket p = XsPacket.of(XsOp.WRITE, 0x01020304, 7, "/a\0v".getBytes(StandardCharsets.US_ASCII));
        byte[] bytes = p.encode();
        assertThat(bytes).hasSize(XsPacket.HEADER_SIZE + 4);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).isEqualTo(XsOp.WRITE.number());
        assertThat(b.getInt()).isEqualTo(0x01020304);
        assertThat(b.getInt()).isEqualTo(7);
        assertThat(b.getInt()).isEqualTo(4);
        assertThat(bytes[4]).isEqualTo((byte) 0x04);
        assertThat(new String(bytes, 16, 4, StandardCharsets.US_ASCII)).isEqualTo("/a\0v");
    }

    @Test
    void roundTripsThroughTheDecoder() throws Exception {
        XsPacket p = new XsPacket(0xfffffffe, -1, 0x80000000, new byte[] {0, 1, 2, (byte) 0xff});
        XsPacket back = new XsDecoder().next(ByteBuffer.wrap(p.encode()));
        assertThat(back.type()).isEqualTo(p.type());
        assertThat(back.reqId()).isEqualTo(p.reqId());
        assertThat(back.txId()).isEqualTo(p.txId());
        assertThat(back.payload()).isEqualTo(p.payload());
        assertThat(back.op()).isNull();
    }

    @Test
    void rejectsAPayloadOverTheMaximum() {
        assertThat(new XsPacket(0, 0, 0, new byte[XsPacket.PAYLOAD_MAX]).payload()).hasSize(4096);
        assertThatThrownBy(() -> new XsPacket(0, 0, 0, new byte[XsPacket.PAYLOAD_MAX + 1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4097").hasMessageContaining("4096");
    }

    @Test
    void replyKeepsTypeAndIdsAndErrorKeepsTheIds() {
        XsPacket req = XsPacket.of(XsOp.READ, 42, 9, XsPacket.nulTerminated("/a"));
        XsPacket ok = req.reply(new byte[] {1});
        assertThat(ok.op()).isEqualTo(XsOp.READ);
        assertThat(ok.reqId()).isEqualTo(42);
        assertThat(ok.txId()).isEqualTo(9);
        XsPacket err = req.error(XsError.ENOENT);
        assertThat(err.op()).isEqualTo(XsOp.ERROR);
        assertThat(err.reqId()).isEqualTo(42);
        assertThat(err.txId()).isEqualTo(9);
        assertThat(err.payload()).isEqualTo("ENOENT\0".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void stringsSplitAtNulsAndKeepAnUnterminatedTail() {
        assertThat(XsPacket.strings(new byte[0], 0)).isEmpty();
        assertThat(XsPacket.strings(XsPacket.nulTerminated(""), 0)).containsExactly("");
        assertThat(XsPacket.strings(XsPacket.nulTerminated("a", "", "bc"), 0)).containsExactly("a", "", "bc");
        assertThat(XsPacket.strings("a\0tail".getBytes(StandardCharsets.US_ASCII), 0)).containsExactly("a", "tail");
        assertThat(XsPacket.strings("skip\0a\0".getBytes(StandardCharsets.US_ASCII), 5)).containsExactly("a");
        assertThat(XsPacket.nulTerminated("ab", "c")).isEqualTo("ab\0c\0".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void toStringNamesTheOpOrTheNumber() {
        assertThat(XsPacket.of(XsOp.READ, 1, 0, new byte[3]).toString()).isEqualTo("READ req 1 tx 0 len 3");
        assertThat(new XsPacket(-1, -1, 0, new byte[0]).toString()).isEqualTo("type 4294967295 req 4294967295 tx 0 len 0");
    }
}
