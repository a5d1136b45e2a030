package org.jxen.xen.backend.vif;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.Testbed;
import org.jxen.xen.backend.XenbusState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The test is netfront in domain 8: the handshake, a frame each way, closing. */
class VifBackendTest {
    final List<VifBackend> backends = new ArrayList<>();
    final List<byte[]> tap = new CopyOnWriteArrayList<>();
    final Testbed t;

    VifBackendTest() throws Exception {
        t = new Testbed(8, "vif", 0, (path, token) -> backends.stream().filter(b -> b.watchToken().equals(token))
                .forEach(VifBackend::frontendChanged));
    }

    @AfterEach
    void close() {
        t.close();
    }

    VifBackend backend() {
        VifBackend b = new VifBackend(t.xs, t.dom0, t.router, t.grants, 8, "00:16:3e:01:02:03", 0, tap::add, t.back, t.front);
        backends.add(b);
        b.start();
        return b;
    }

    @Test
    void aFrontendConnectsAndFramesGoBothWays() throws Exception {
        VifBackend b = backend();
        t.awaitBackend(XenbusState.INIT_WAIT);
        assertThat(t.read(t.back + "/feature-rx-copy")).isEqualTo("1");
        assertThat(t.read(t.back + "/mac")).isEqualTo("00:16:3e:01:02:03");
        t.grant(1, 0x101);
        t.grant(2, 0x102);
        int port = t.guest.allocUnbound(XenH.DOMID_SELF, 0);
        t.frontWrite("tx-ring-ref", "1");
        t.frontWrite("rx-ring-ref", "2");
        t.frontWrite("event-channel", Integer.toString(port));
        t.frontWrite("request-rx-copy", "1");
        t.frontWrite("state", Integer.toString(XenbusState.CONNECTED));
        t.awaitBackend(XenbusState.CONNECTED);
        // Out: one 64-byte frame in page 0x200.
        byte[] frame = new byte[64];
        frame[0] = (byte) 0xff;
        frame[63] = 7;
        t.mem.write(0x200 * 4096, frame);
        t.grant(3, 0x200);
        long slot = 0x101 * 4096 + XenH.BLKIF_SRING_RING;
        t.mem.writeU32(slot, 3);
        t.mem.writeU16(slot + XenH.NETIF_TX_REQ_ID, 5);
        t.mem.writeU16(slot + XenH.NETIF_TX_REQ_SIZE, 64);
        t.mem.writeU32(0x101 * 4096 + XenH.BLKIF_SRING_REQ_PROD, 1);
        t.mem.writeU32(0x101 * 4096 + XenH.BLKIF_SRING_RSP_EVENT, 1);
        assertThat(t.guest.send(port)).isZero();
        assertThat(tap).hasSize(1);
        assertThat(tap.get(0)).isEqualTo(frame);
        // In: the guest posts a buffer; a frame from the TAP lands in it.
        t.grant(4, 0x300);
        long rx = 0x102 * 4096 + XenH.BLKIF_SRING_RING;
        t.mem.writeU16(rx, 9);
        t.mem.writeU32(rx + XenH.NETIF_RX_REQ_GREF, 4);
        t.mem.writeU32(0x102 * 4096 + XenH.BLKIF_SRING_REQ_PROD, 1);
        t.mem.writeU32(0x102 * 4096 + XenH.BLKIF_SRING_RSP_EVENT, 1);
        t.upcalls.clear();
        assertThat(b.receive(new byte[] {1, 2, 3, 4})).isTrue();
        assertThat(t.mem.read(0x300 * 4096, 4)).containsExactly(1, 2, 3, 4);
        assertThat(t.shinfo.pending(port)).isTrue();
        // Closing.
        t.frontWrite("state", Integer.toString(XenbusState.CLOSING));
        t.awaitBackend(XenbusState.CLOSED);
        assertThat(b.rings()).isNull();
        assertThat(b.receive(new byte[] {1})).as("not connected: dropped").isFalse();
    }

    @Test
    void aFrontendThatWillNotCopyIsRefusedWithTheReason() throws Exception {
        backend();
        t.awaitBackend(XenbusState.INIT_WAIT);
        t.grant(1, 0x101);
        t.grant(2, 0x102);
        t.frontWrite("tx-ring-ref", "1");
        t.frontWrite("rx-ring-ref", "2");
        t.frontWrite("event-channel", Integer.toString(t.guest.allocUnbound(XenH.DOMID_SELF, 0)));
        t.frontWrite("state", Integer.toString(XenbusState.CONNECTED));
        // The backend reacts on the watch thread; a second state write is one more event to wait behind.
        t.frontWrite("state", Integer.toString(XenbusState.INITIALISED));
        t.backendQuiet();
        assertThat(t.read(t.back + "/error")).isEqualTo("the frontend did not ask for request-rx-copy (jxen's backend only copies)");
        assertThat(t.read(t.back + "/state")).isEqualTo(Integer.toString(XenbusState.INIT_WAIT));
    }
}
