package org.jxen.xen.xenbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.jxen.xen.abi.XenH;
import org.jxen.xenstore.server.DomainConnection;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.store.Access;
import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Perms;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test plays the guest's xenbus driver on a real ring page, against jxen's real XenStore server. */
class XenstoreRingTest {
    static final int DOMID = 5;
    final XenstoreServer server = new XenstoreServer(Quota.XEN_DEFAULTS);
    final MemorySegment page = Arena.ofAuto().allocate(4096, 4096);
    final AtomicInteger notifications = new AtomicInteger();
    XenstoreRing ring;

    @BeforeEach
    void domain() {
        server.withStore(s -> {
            try {
                s.write(s, Caller.DOM0, "/local/domain/5", new byte[0]);
                s.setPerms(s, Caller.DOM0, "/local/domain/5", Perms.of(DOMID, Access.NONE));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        server.introduceDomain(DOMID, 0xFEFFF, 1);
        ring = new XenstoreRing(page, server, DOMID, notifications::incrementAndGet);
    }

    int idx(int at) {
        return page.get(ValueLayout.JAVA_INT, at);
    }

    /** The guest writes a packet into req at req_prod (wrapping), then notifies. */
    void send(XsPacket p) {
        byte[] b = p.encode();
        int prod = idx(XenH.XS_REQ_PROD);
        for (byte x : b) {
            page.set(ValueLayout.JAVA_BYTE, XenH.XS_REQ + (prod++ & 1023), x);
        }
        page.set(ValueLayout.JAVA_INT, XenH.XS_REQ_PROD, prod);
        ring.kick();
    }

    /** The guest reads every whole packet waiting in rsp. */
    List<XsPacket> receive() {
        List<XsPacket> out = new ArrayList<>();
        int cons = idx(XenH.XS_RSP_CONS);
        int prod = idx(XenH.XS_RSP_PROD);
        while (prod - cons >= XsPacket.HEADER_SIZE) {
            byte[] h = new byte[16];
            for (int i = 0; i < 16; i++) {
                h[i] = page.get(ValueLayout.JAVA_BYTE, XenH.XS_RSP + ((cons + i) & 1023));
            }
            java.nio.ByteBuffer hb = java.nio.ByteBuffer.wrap(h).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int len = hb.getInt(12);
            if (prod - cons < 16 + len) {
                break;
            }
            byte[] body = new byte[len];
            for (int i = 0; i < len; i++) {
                body[i] = page.get(ValueLayout.JAVA_BYTE, XenH.XS_RSP + ((cons + 16 + i) & 1023));
            }
            out.add(new XsPacket(hb.getInt(0), hb.getInt(4), hb.getInt(8), body));
            cons += 16 + len;
        }
        page.set(ValueLayout.JAVA_INT, XenH.XS_RSP_CONS, cons);
        ring.kick();
        return out;
    }

    static XsPacket req(XsOp op, int id, String... strings) {
        return XsPacket.of(op, id, 0, XsPacket.nulTerminated(strings));
    }

    static String text(XsPacket p) {
        return new String(p.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void requestsThroughTheRingAreAnsweredByTheStoreAsThatDomain() {
        byte[] write = ("data/greeting\0hello").getBytes(StandardCharsets.UTF_8);
        send(XsPacket.of(XsOp.WRITE, 1, 0, write));
        send(req(XsOp.READ, 2, "data/greeting"));
        send(req(XsOp.READ, 3, "/local/domain/0/name"));
        List<XsPacket> r = receive();
        assertThat(r).extracting(XsPacket::reqId).containsExactly(1, 2, 3);
        assertThat(text(r.get(0))).isEqualTo("OK\0");
        assertThat(text(r.get(1))).isEqualTo("hello");
        assertThat(r.get(2).op()).as("domain 5 may not read dom0's nodes").isEqualTo(XsOp.ERROR);
        assertThat(notifications.get()).isPositive();
        // It really is in the store, under the domain's home.
        DomainConnection dom0 = new DomainConnection(server, 0, true, p -> { });
        List<XsPacket> seen = new ArrayList<>();
        DomainConnection reader = new DomainConnection(server, 0, true, seen::add);
        reader.request(req(XsOp.READ, 9, "/local/domain/5/data/greeting"));
        assertThat(text(seen.get(0))).isEqualTo("hello");
        dom0.close();
        reader.close();
    }

    @Test
    void watchEventsFromOtherWritersReachTheGuestAndManyRequestsWrapTheRing() {
        send(req(XsOp.WATCH, 1, "data", "tok"));
        List<XsPacket> first = receive();
        assertThat(first).extracting(XsPacket::op).contains(XsOp.WATCH, XsOp.WATCH_EVENT);
        List<XsPacket> dom0out = new ArrayList<>();
        DomainConnection dom0 = new DomainConnection(server, 0, true, dom0out::add);
        dom0.request(XsPacket.of(XsOp.WRITE, 7, 0, "/local/domain/5/data/key\0v".getBytes(StandardCharsets.UTF_8)));
        List<XsPacket> ev = receive();
        assertThat(ev).hasSize(1);
        assertThat(ev.get(0).op()).isEqualTo(XsOp.WATCH_EVENT);
        assertThat(text(ev.get(0))).isEqualTo("data/key\0tok\0");
        // 300 requests: several times around both rings, the guest reading as it goes.
        int answered = 0;
        for (int i = 0; i < 300; i++) {
            send(req(XsOp.READ, 100 + i, "data/key"));
            for (XsPacket p : receive()) {
                assertThat(p.reqId()).isEqualTo(100 + answered);
                assertThat(text(p)).isEqualTo("v");
                answered++;
            }
        }
        assertThat(answered).isEqualTo(300);
        dom0.close();
    }

    @Test
    void brokenRingsEndTheConnectionWithXensErrorAndTheServerCarriesOn() {
        page.set(ValueLayout.JAVA_INT, XenH.XS_REQ_PROD, 5000);
        ring.kick();
        assertThat(idx(XenH.XS_ERROR)).isEqualTo(XenH.XENSTORE_ERROR_RINGIDX);
        assertThat(ring.broken()).contains("request indices moved by 5000 bytes");
        // A new ring for the domain: a packet claiming 5000 bytes of payload is a protocol error.
        MemorySegment p2 = Arena.ofAuto().allocate(4096, 4096);
        XenstoreRing r2 = new XenstoreRing(p2, server, DOMID, () -> { });
        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, XsOp.READ.number()).putInt(12, 5000);
        MemorySegment.copy(h.array(), 0, p2, ValueLayout.JAVA_BYTE, XenH.XS_REQ, 16);
        p2.set(ValueLayout.JAVA_INT, XenH.XS_REQ_PROD, 16);
        r2.kick();
        assertThat(p2.get(ValueLayout.JAVA_INT, XenH.XS_ERROR)).isEqualTo(XenH.XENSTORE_ERROR_PROTO);
        // The server still serves others.
        List<XsPacket> seen = new ArrayList<>();
        DomainConnection dom0 = new DomainConnection(server, 0, true, seen::add);
        dom0.request(req(XsOp.READ, 1, "/local/domain/5"));
        assertThat(seen.get(0).op()).isEqualTo(XsOp.READ);
        dom0.close();
    }

    @Test
    void theConsoleRingCarriesOutputOutAndInputIn() {
        MemorySegment cpage = Arena.ofAuto().allocate(4096, 4096);
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        AtomicInteger kicks = new AtomicInteger();
        ConsoleRing c = new ConsoleRing(cpage, console::writeBytes, kicks::incrementAndGet);
        // The guest writes 3000 bytes in pieces (wrapping the 2048-byte ring), notifying each time.
        StringBuilder all = new StringBuilder();
        int prod = 0;
        for (int i = 0; i < 30; i++) {
            String line = String.format("line %03d of the guest's console output ....................................%n", i);
            all.append(line);
            for (byte b : line.getBytes(StandardCharsets.US_ASCII)) {
                cpage.set(ValueLayout.JAVA_BYTE, XenH.XENCONS_OUT + (prod++ & 2047), b);
            }
            cpage.set(ValueLayout.JAVA_INT, XenH.XENCONS_OUT_PROD, prod);
            c.kick();
        }
        assertThat(console.toString(StandardCharsets.US_ASCII)).isEqualTo(all.toString());
        assertThat(cpage.get(ValueLayout.JAVA_INT, XenH.XENCONS_OUT_CONS)).isEqualTo(prod);
        // Input: fills up to the ring's 1024 bytes, the rest waits.
        assertThat(c.input(new byte[1500])).isEqualTo(1024);
        assertThat(cpage.get(ValueLayout.JAVA_INT, XenH.XENCONS_IN_PROD)).isEqualTo(1024);
        cpage.set(ValueLayout.JAVA_INT, XenH.XENCONS_IN_CONS, 1000);
        assertThat(c.input("abc".getBytes())).isEqualTo(3);
        // Nonsense indices are counted and ignored.
        cpage.set(ValueLayout.JAVA_INT, XenH.XENCONS_OUT_PROD, prod + 99999);
        c.kick();
        assertThat(c.badIndices()).isEqualTo(1);
        assertThat(kicks.get()).isPositive();
    }
}
