package org.jxen.xenstore.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A test's end of a {@link DomainConnection}: sends packets through {@link XenstoreServer#handle},
 * checks that every reply echoes the request's ids (xenstore.txt), and keeps watch events apart.
 */
final class WireClient {
    final DomainConnection conn;
    final List<XsPacket> events = new ArrayList<>();
    private final List<XsPacket> replies = new ArrayList<>();
    private int nextReq = 1000;

    WireClient(XenstoreServer server, int domid, boolean privileged) {
        conn = new DomainConnection(server, domid, privileged, p -> {
            if (p.op() == XsOp.WATCH_EVENT) {
                assertThat(p.reqId()).as("WATCH_EVENT req_id").isZero();
                assertThat(p.txId()).as("WATCH_EVENT tx_id").isZero();
                events.add(p);
            } else {
                replies.add(p);
            }
        });
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Sends a raw packet; returns its single reply, after checking the ids it echoes. */
    XsPacket send(XsPacket request) {
        replies.clear();
        conn.request(request);
        assertThat(replies).as("replies to %s", request).hasSize(1);
        XsPacket r = replies.getFirst();
        // As a transport does once the reply is in the domain's ring.
        conn.sent(r);
        assertThat(r.reqId()).as("req_id echoed").isEqualTo(request.reqId());
        assertThat(r.txId()).as("tx_id echoed").isEqualTo(request.txId());
        if (r.op() != XsOp.ERROR) {
            assertThat(r.type()).as("reply type").isEqualTo(request.type());
        }
        return r;
    }

    XsPacket call(XsOp op, int tx, byte[] payload) {
        return send(XsPacket.of(op, nextReq++, tx, payload));
    }

    XsPacket call(int type, int tx, byte[] payload) {
        return send(new XsPacket(type, nextReq++, tx, payload));
    }

    /** A request of NUL-terminated strings that must succeed; the reply payload as text (NULs kept). */
    String ok(XsOp op, int tx, String... args) {
        XsPacket r = call(op, tx, XsPacket.nulTerminated(args));
        assertThat(r.op()).as("%s %s: %s", op, List.of(args), r.op() == XsOp.ERROR ? XsError.fromPayload(r.payload()) : "")
                .isEqualTo(op);
        return text(r.payload());
    }

    String ok(XsOp op, String... args) {
        return ok(op, 0, args);
    }

    /** The error a request of NUL-terminated strings must fail with. */
    XsError err(XsOp op, int tx, String... args) {
        return error(call(op, tx, XsPacket.nulTerminated(args)));
    }

    XsError err(XsOp op, String... args) {
        return err(op, 0, args);
    }

    static XsError error(XsPacket reply) {
        assertThat(reply.op()).as("an ERROR reply, got %s", reply).isEqualTo(XsOp.ERROR);
        byte[] p = reply.payload();
        assertThat(p[p.length - 1]).as("error name NUL-terminated").isZero();
        XsError e = XsError.fromPayload(p);
        assertThat(e).as("error name from xsd_errors: %s", text(p)).isNotNull();
        return e;
    }

    /** WRITE: {@code <path>|<value|>}, the value not terminated. */
    XsPacket writeRaw(int tx, String path, byte[] value) {
        byte[] p = bytes(path);
        byte[] payload = new byte[p.length + 1 + value.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(value, 0, payload, p.length + 1, value.length);
        return call(XsOp.WRITE, tx, payload);
    }

    void write(int tx, String path, String value) {
        XsPacket r = writeRaw(tx, path, bytes(value));
        assertThat(r.op()).as("WRITE %s: %s", path, r.op() == XsOp.ERROR ? text(r.payload()) : "").isEqualTo(XsOp.WRITE);
        assertThat(text(r.payload())).isEqualTo("OK\0");
    }

    void write(String path, String value) {
        write(0, path, value);
    }

    XsError writeErr(int tx, String path, byte[] value) {
        return error(writeRaw(tx, path, value));
    }

    String read(String path) {
        return ok(XsOp.READ, path);
    }

    int start() {
        String id = ok(XsOp.TRANSACTION_START, "");
        assertThat(id).matches("[0-9]+\0");
        int tx = Integer.parseUnsignedInt(id.substring(0, id.length() - 1));
        assertThat(tx).isNotZero();
        return tx;
    }

    /** The events received since the last call, as "path token". */
    List<String> takeEvents() {
        List<String> out = new ArrayList<>();
        for (XsPacket e : events) {
            byte[] p = e.payload();
            assertThat(p[p.length - 1]).isZero();
            List<String> s = XsPacket.strings(p, 0);
            assertThat(s).hasSize(2);
            out.add(s.get(0) + " " + s.get(1));
        }
        events.clear();
        return out;
    }
}
