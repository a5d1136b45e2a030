package org.jxen.xen.backend.vbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.Testbed;
import org.jxen.xen.backend.XenbusState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The XenBus handshake with the test as blkfront in domain 7, on jxen's real XenStore server and event channels. */
class VbdBackendTest {
    @TempDir
    Path tmp;
    final List<VbdBackend> backends = new ArrayList<>();
    final Testbed t;

    VbdBackendTest() throws Exception {
        t = new Testbed(7, "vbd", 51712, (path, token) -> backends.stream().filter(b -> b.watchToken().equals(token))
                .forEach(VbdBackend::frontendChanged));
    }

    @AfterEach
    void close() {
        t.close();
    }

    VbdBackend backend(BlockBackend disk) {
        VbdBackend b = new VbdBackend(t.xs, t.dom0, t.router, t.grants, 7, disk, t.back, t.front);
        backends.add(b);
        b.start();
        return b;
    }

    @Test
    void aFrontendConnectsWritesThroughTheRingAndDisconnects() throws Exception {
        Path f = tmp.resolve("pv.raw");
        Files.write(f, new byte[1 << 20]);
        try (BlockBackend disk = BlockBackends.open(f, BlockBackends.Format.RAW, false)) {
            VbdBackend b = backend(disk);
            t.awaitBackend(XenbusState.INIT_WAIT);
            assertThat(t.read(t.back + "/sectors")).isEqualTo("2048");
            assertThat(t.read(t.back + "/sector-size")).isEqualTo("512");
            assertThat(t.read(t.back + "/feature-flush-cache")).isEqualTo("1");
            // blkfront: the ring page granted to dom0, a port for dom0, the nodes, Initialised.
            t.grant(1, 0x101);
            int port = t.guest.allocUnbound(XenH.DOMID_SELF, 0);
            t.frontWrite("ring-ref", "1");
            t.frontWrite("event-channel", Integer.toString(port));
            t.frontWrite("state", Integer.toString(XenbusState.INITIALISED));
            t.awaitBackend(XenbusState.CONNECTED);
            assertThat(t.guest.status(XenH.DOMID_SELF, port).status()).isEqualTo(XenH.EVTCHNSTAT_interdomain);
            // One write request, and a notification.
            byte[] data = "written by blkfront through jxen's blkback".getBytes(StandardCharsets.US_ASCII);
            t.mem.write(0x200 * 4096, data);
            t.grant(2, 0x200);
            long slot = 0x101 * 4096 + XenH.BLKIF_SRING_RING;
            t.mem.writeByte(slot, XenH.BLKIF_OP_WRITE);
            t.mem.writeByte(slot + XenH.BLKIF_REQ_NR_SEGMENTS, 1);
            t.mem.writeU64(slot + XenH.BLKIF_REQ_ID, 42);
            t.mem.writeU64(slot + XenH.BLKIF_REQ_SECTOR, 10);
            t.mem.writeU32(slot + XenH.BLKIF_REQ_SEG, 2);
            t.mem.writeByte(slot + XenH.BLKIF_REQ_SEG + 4, 0);
            t.mem.writeByte(slot + XenH.BLKIF_REQ_SEG + 5, 0);
            t.mem.writeU32(0x101 * 4096 + XenH.BLKIF_SRING_REQ_PROD, 1);
            t.mem.writeU32(0x101 * 4096 + XenH.BLKIF_SRING_RSP_EVENT, 1);
            t.upcalls.clear();
            assertThat(t.guest.send(port)).isZero();
            assertThat(t.mem.readU32(0x101 * 4096 + XenH.BLKIF_SRING_RSP_PROD)).isEqualTo(1);
            assertThat(t.mem.readU64(slot + XenH.BLKIF_RSP_ID)).isEqualTo(42);
            assertThat((short) t.mem.readU16(slot + XenH.BLKIF_RSP_STATUS)).isZero();
            assertThat(t.shinfo.pending(port)).as("the backend notified the frontend").isTrue();
            assertThat(t.upcalls).isNotEmpty();
            byte[] onDisk = java.util.Arrays.copyOfRange(Files.readAllBytes(f), 10 * 512, 10 * 512 + data.length);
            assertThat(onDisk).isEqualTo(data);
            // Closing: the backend lets go of the ring and the port, and says Closed.
            t.frontWrite("state", Integer.toString(XenbusState.CLOSING));
            t.awaitBackend(XenbusState.CLOSED);
            assertThat(t.guest.status(XenH.DOMID_SELF, port).status()).as("dom0's end closed").isEqualTo(XenH.EVTCHNSTAT_unbound);
            assertThat(t.mem.readU16(0x100 * 4096 + 8) & (XenH.GTF_reading | XenH.GTF_writing)).as("the ring is unmapped").isZero();
            assertThat(b.blkif()).isNull();
        }
    }

    @Test
    void aFrontendWithBadNodesLeavesTheBackendWaitingWithTheReason() throws Exception {
        Path f = tmp.resolve("pv2.raw");
        Files.write(f, new byte[1 << 20]);
        try (BlockBackend disk = BlockBackends.open(f, BlockBackends.Format.RAW, true)) {
            backend(disk);
            t.awaitBackend(XenbusState.INIT_WAIT);
            assertThat(t.read(t.back + "/info")).isEqualTo("4");
            t.frontWrite("ring-ref", "not-a-number");
            t.frontWrite("event-channel", "9");
            t.frontWrite("state", Integer.toString(XenbusState.INITIALISED));
            t.backendQuiet();
            assertThat(t.read(t.back + "/error")).isEqualTo("the frontend's ring-ref or event-channel is missing or not a number");
            assertThat(t.read(t.back + "/state")).isEqualTo(Integer.toString(XenbusState.INIT_WAIT));
        }
    }
}
