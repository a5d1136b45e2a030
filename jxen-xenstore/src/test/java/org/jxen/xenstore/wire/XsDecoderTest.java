package org.jxen.xenstore.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XsDecoderTest {
    private static byte[] header(int type, int req, int tx, int len) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(req).putInt(tx).putInt(len).array();
    }

    /** Feeds {@code stream} cut into pieces of the given sizes (cycled); returns every packet decoded. */
    private static List<XsPacket> feed(XsDecoder d, byte[] stream, List<Integer> cuts) throws XsDecoder.ProtocolException {
        List<XsPacket> out = new ArrayList<>();
        int at = 0;
        int i = 0;
        while (at < stream.length) {
            int n = Math.min(cuts.isEmpty() ? stream.length : Math.max(1, cuts.get(i++ % cuts.size())), stream.length - at);
            ByteBuffer in = ByteBuffer.wrap(stream, at, n);
            XsPacket p;
            while ((p = d.next(in)) != null) {
                out.add(p);
            }
            assertThat(in.hasRemaining()).as("a null result means every byte was consumed").isFalse();
            at += n;
        }
        return out;
    }

    private static void assertSame(XsPacket actual, XsPacket expected) {
        assertThat(actual.type()).isEqualTo(expected.type());
        assertThat(actual.reqId()).isEqualTo(expected.reqId());
        assertThat(actual.txId()).isEqualTo(expected.txId());
        assertThat(actual.payload()).isEqualTo(expected.payload());
    }

    @Test
    void decodesByteAtATime() throws Exception {
        XsPacket p = XsPacket.of(XsOp.WRITE, 3, 4, "/local/domain/1/x\0value".getBytes());
        XsDecoder d = new XsDecoder();
        byte[] bytes = p.encode();
        for (int i = 0; i < bytes.length - 1; i++) {
            assertThat(d.next(ByteBuffer.wrap(bytes, i, 1))).isNull();
            assertThat(d.midMessage()).isTrue();
        }
        XsPacket back = d.next(ByteBuffer.wrap(bytes, bytes.length - 1, 1));
        assertSame(back, p);
        assertThat(d.midMessage()).isFalse();
    }

    @Test
    void decodesSeveralPacketsFromOneChunkAndAcrossChunks() throws Exception {
        XsPacket a = XsPacket.of(XsOp.READ, 1, 0, XsPacket.nulTerminated("/a"));
        XsPacket b = XsPacket.of(XsOp.TRANSACTION_START, 2, 0, new byte[0]);
        XsPacket c = XsPacket.of(XsOp.WRITE, 3, 0, new byte[XsPacket.PAYLOAD_MAX]);
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(a.encode());
        s.writeBytes(b.encode());
        s.writeBytes(c.encode());
        List<XsPacket> got = feed(new XsDecoder(), s.toByteArray(), List.of(7, 100, 3000, 5));
        assertThat(got).hasSize(3);
        assertSame(got.get(0), a);
        assertSame(got.get(1), b);
        assertSame(got.get(2), c);
    }

    @Test
    void anEmptyPayloadCompletesWithTheHeader() throws Exception {
        XsDecoder d = new XsDecoder();
        XsPacket p = d.next(ByteBuffer.wrap(header(6, 1, 0, 0)));
        assertThat(p).isNotNull();
        assertThat(p.payload()).isEmpty();
        assertThat(d.midMessage()).isFalse();
    }

    @Test
    void rejectsALengthOverThePayloadMaximum() {
        XsDecoder d = new XsDecoder();
        assertThatThrownBy(() -> d.next(ByteBuffer.wrap(header(2, 1, 0, XsPacket.PAYLOAD_MAX + 1))))
                .isInstanceOf(XsDecoder.ProtocolException.class).hasMessageContaining("4097").hasMessageContaining("4096");
        assertThatThrownBy(() -> new XsDecoder().next(ByteBuffer.wrap(header(2, 1, 0, -1))))
                .isInstanceOf(XsDecoder.ProtocolException.class).hasMessageContaining("4294967295");
    }

    @Test
    void rejectsTheLengthAsSoonAsTheHeaderIsCompleteWithoutWaitingForThePayload() throws Exception {
        XsDecoder d = new XsDecoder();
        byte[] h = header(2, 1, 0, 5000);
        assertThat(d.next(ByteBuffer.wrap(h, 0, 15))).isNull();
        assertThatThrownBy(() -> d.next(ByteBuffer.wrap(h, 15, 1))).isInstanceOf(XsDecoder.ProtocolException.class);
    }

    @Test
    void midMessageTellsAPartialHeaderOrPayloadFromABoundary() throws Exception {
        XsDecoder d = new XsDecoder();
        assertThat(d.midMessage()).isFalse();
        assertThat(d.next(ByteBuffer.wrap(header(2, 1, 0, 10), 0, 8))).isNull();
        assertThat(d.midMessage()).as("half a header").isTrue();
        assertThat(d.next(ByteBuffer.wrap(header(2, 1, 0, 10), 8, 8))).isNull();
        assertThat(d.midMessage()).as("a header, no payload yet").isTrue();
        assertThat(d.next(ByteBuffer.wrap(new byte[5]))).isNull();
        assertThat(d.midMessage()).as("half a payload").isTrue();
        assertThat(d.next(ByteBuffer.wrap(new byte[5]))).isNotNull();
        assertThat(d.midMessage()).isFalse();
        assertThat(d.next(ByteBuffer.allocate(0))).isNull();
        assertThat(d.midMessage()).isFalse();
    }

    // --- properties ---

    /** Bytes of the given length from a seed: cheap to generate, and a failing case is reproducible. */
    private static Arbitrary<byte[]> bytes(int min, int max) {
        return Combinators.combine(Arbitraries.integers().between(min, max), Arbitraries.longs()).as((n, seed) -> {
            byte[] b = new byte[n];
            new java.util.Random(seed).nextBytes(b);
            return b;
        });
    }

    @Provide
    Arbitrary<List<XsPacket>> packets() {
        Arbitrary<byte[]> payload = Arbitraries.oneOf(bytes(0, 64), bytes(4000, XsPacket.PAYLOAD_MAX));
        return Combinators.combine(Arbitraries.integers(), Arbitraries.integers(), Arbitraries.integers(), payload)
                .as(XsPacket::new).list().ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 300)
    void anyPacketsRoundTripHoweverTheStreamIsCut(@ForAll("packets") List<XsPacket> packets,
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 5000) Integer> cuts) throws Exception {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        packets.forEach(p -> s.writeBytes(p.encode()));
        XsDecoder d = new XsDecoder();
        List<XsPacket> got = feed(d, s.toByteArray(), cuts);
        assertThat(got).hasSameSizeAs(packets);
        for (int i = 0; i < got.size(); i++) {
            assertSame(got.get(i), packets.get(i));
        }
        assertThat(d.midMessage()).isFalse();
    }

    @Provide
    Arbitrary<byte[]> streams() {
        // Pure noise, and noise made of plausible frames (small lengths, truncated payloads) so the
        // decoder gets past the header check too.
        Arbitrary<byte[]> noise = bytes(0, 300);
        Arbitrary<byte[]> frame = Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(-2, 4200),
                bytes(0, 200)).as((t, len, body) -> {
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    o.writeBytes(header(t, 0, 0, len));
                    o.writeBytes(body);
                    return o.toByteArray();
                });
        return Arbitraries.oneOf(noise, frame.list().ofMaxSize(6).map(l -> {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            l.forEach(o::writeBytes);
            return o.toByteArray();
        }));
    }

    @Property(tries = 1000)
    void randomBytesNeverMakeTheDecoderThrowAnythingButProtocolException(@ForAll("streams") byte[] stream,
            @ForAll @Size(max = 6) List<@IntRange(min = 1, max = 400) Integer> cuts) {
        XsDecoder d = new XsDecoder();
        try {
            for (XsPacket p : feed(d, stream, cuts)) {
                assertThat(p.payload().length).isBetween(0, XsPacket.PAYLOAD_MAX);
            }
        } catch (XsDecoder.ProtocolException e) {
            assertThat(e.getMessage()).contains("expected: <= 4096");
            assertThat(d.midMessage()).isTrue();
        }
    }
}
