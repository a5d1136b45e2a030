package org.jxen.xen.backend.vbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.PortRouter;
import org.jxen.xen.backend.XenbusState;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.shinfo.SharedInfo;
import org.jxen.xen.xenbus.Xenbus;
import org.jxen.xenstore.server.DomainConnection;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.store.Access;
import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Perms;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The XenBus handshake with the test as blkfront in domain 7, on jxen's real XenStore server and event channels. */
class VbdBackendTest {
    static final int DOM = 7;
    static final String FRONT = "/local/domain/7/device/vbd/51712";
    static final String BACK = "/local/domain/0/backend/vbd/7/51712";
    @TempDir
    Path tmp;
    final XenstoreServer server = new XenstoreServer(Quota.XEN_DEFAULTS);
    final EventChannels.Hub hub = new EventChannels.Hub();
    final PortRouter router = new PortRouter();
    final EventChannels dom0 = hub.host(0, router);
    final SharedInfo shinfo = new SharedInfo();
    final List<Integer> upcalls = new CopyOnWriteArrayList<>();
    final EventChannels guest = hub.guest(DOM, 1, shinfo, upcalls::add);
    final GuestMemory mem;
    final GrantTable grants;
    final BlockingQueue<String> backendStates = new LinkedBlockingQueue<>();
    final List<VbdBackend> backends = new ArrayList<>();
    final Xenbus xs;
    final Xenbus observer;
    final DomainConnection front;

    VbdBackendTest() throws Exception {
        mem = GuestMemory.create("front", new AddressMap(16 * AddressMap.MIB));
        grants = new GrantTable(DOM, mem);
        server.withStore(s -> {
            try {
                s.write(s, Caller.DOM0, FRONT, new byte[0]);
                s.setPerms(s, Caller.DOM0, "/local/domain/7", Perms.of(DOM, Access.NONE));
                s.setPerms(s, Caller.DOM0, "/local/domain/7/device", Perms.of(DOM, Access.NONE));
                s.setPerms(s, Caller.DOM0, "/local/domain/7/device/vbd", Perms.of(DOM, Access.NONE));
                s.setPerms(s, Caller.DOM0, FRONT, Perms.of(DOM, Access.NONE));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        server.introduceDomain(DOM, 0xFEFFF, 1);
        xs = new Xenbus(server, (path, token) -> {
            for (VbdBackend b : backends) {
                if (b.watchToken().equals(token)) {
                    b.frontendChanged();
                }
            }
        });
        observer = new Xenbus(server, (path, token) -> backendStates.add(xsRead(path)));
        observer.watch(BACK + "/state", "observer");
        front = new DomainConnection(server, DOM, false, p -> { });
    }

    String xsRead(String path) {
        return observer.read(path).orElse("");
    }

    @AfterEach
    void close() {
        xs.close();
        observer.close();
        front.close();
        mem.close();
    }

    void frontWrite(String rel, String value) {
        front.request(XsPacket.of(XsOp.WRITE, 1, 0, ("device/vbd/51712/" + rel + "\0" + value).getBytes(StandardCharsets.UTF_8)));
    }

    /** Waits for the backend's state node to become {@code want} (a watch event, not a poll). */
    void awaitBackend(int want) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            String s = backendStates.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(s).as("backend state " + want + " within 20 s").isNotNull();
            if (s.equals(Integer.toString(want))) {
                return;
            }
        }
    }

    VbdBackend backend(BlockBackend disk) {
        VbdBackend b = new VbdBackend(xs, dom0, router, grants, DOM, disk, BACK, FRONT);
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
            awaitBackend(XenbusState.INIT_WAIT);
            assertThat(xsRead(BACK + "/sectors")).isEqualTo("2048");
            assertThat(xsRead(BACK + "/sector-size")).isEqualTo("512");
            assertThat(xsRead(BACK + "/feature-flush-cache")).isEqualTo("1");
            // blkfront: grant table, ring page granted to dom0, a port for dom0, the nodes, Initialised.
            assertThat(grants.mapFrame(0, 0x100)).isZero();
            grant(1, 0x101);
            int port = guest.allocUnbound(XenH.DOMID_SELF, 0);
            frontWrite("ring-ref", "1");
            frontWrite("event-channel", Integer.toString(port));
            frontWrite("state", Integer.toString(XenbusState.INITIALISED));
            awaitBackend(XenbusState.CONNECTED);
            assertThat(guest.status(XenH.DOMID_SELF, port).status()).isEqualTo(XenH.EVTCHNSTAT_interdomain);
            // One write request, and a notification.
            byte[] data = "written by blkfront through jxen's blkback".getBytes(StandardCharsets.US_ASCII);
            mem.write(0x200 * 4096, data);
            grant(2, 0x200);
            long slot = 0x101 * 4096 + XenH.BLKIF_SRING_RING;
            mem.writeByte(slot, XenH.BLKIF_OP_WRITE);
            mem.writeByte(slot + XenH.BLKIF_REQ_NR_SEGMENTS, 1);
            mem.writeU64(slot + XenH.BLKIF_REQ_ID, 42);
            mem.writeU64(slot + XenH.BLKIF_REQ_SECTOR, 10);
            mem.writeU32(slot + XenH.BLKIF_REQ_SEG, 2);
            mem.writeByte(slot + XenH.BLKIF_REQ_SEG + 4, 0);
            mem.writeByte(slot + XenH.BLKIF_REQ_SEG + 5, 0);
            mem.writeU32(0x101 * 4096 + XenH.BLKIF_SRING_REQ_PROD, 1);
            mem.writeU32(0x101 * 4096 + XenH.BLKIF_SRING_RSP_EVENT, 1);
            upcalls.clear();
            assertThat(guest.send(port)).isZero();
            assertThat(mem.readU32(0x101 * 4096 + XenH.BLKIF_SRING_RSP_PROD)).isEqualTo(1);
            assertThat(mem.readU64(slot + XenH.BLKIF_RSP_ID)).isEqualTo(42);
            assertThat((short) mem.readU16(slot + XenH.BLKIF_RSP_STATUS)).isZero();
            assertThat(shinfo.pending(port)).as("the backend notified the frontend").isTrue();
            assertThat(upcalls).isNotEmpty();
            byte[] onDisk = java.util.Arrays.copyOfRange(Files.readAllBytes(f), 10 * 512, 10 * 512 + data.length);
            assertThat(onDisk).isEqualTo(data);
            // Closing: the backend lets go of the ring and the port, and says Closed.
            frontWrite("state", Integer.toString(XenbusState.CLOSING));
            awaitBackend(XenbusState.CLOSED);
            assertThat(guest.status(XenH.DOMID_SELF, port).status()).as("dom0's end closed").isEqualTo(XenH.EVTCHNSTAT_unbound);
            assertThat(mem.readU16(0x100 * 4096 + 8) & (XenH.GTF_reading | XenH.GTF_writing)).as("the ring is unmapped").isZero();
            assertThat(b.blkif()).isNull();
        }
    }

    @Test
    void aFrontendWithBadNodesLeavesTheBackendWaitingWithTheReason() throws Exception {
        Path f = tmp.resolve("pv2.raw");
        Files.write(f, new byte[1 << 20]);
        try (BlockBackend disk = BlockBackends.open(f, BlockBackends.Format.RAW, true)) {
            backend(disk);
            awaitBackend(XenbusState.INIT_WAIT);
            assertThat(xsRead(BACK + "/info")).isEqualTo("4");
            frontWrite("ring-ref", "not-a-number");
            frontWrite("event-channel", "9");
            frontWrite("state", Integer.toString(XenbusState.INITIALISED));
            // The error node is written by the watch thread; wait for it through a watch too.
            BlockingQueue<String> errors = new LinkedBlockingQueue<>();
            try (Xenbus w = new Xenbus(server, (p, t) -> observer.read(BACK + "/error").ifPresent(errors::add))) {
                w.watch(BACK + "/error", "e");
                String e;
                do {
                    e = errors.poll(20, TimeUnit.SECONDS);
                    assertThat(e).isNotNull();
                } while (e.isEmpty());
                assertThat(e).isEqualTo("the frontend's ring-ref or event-channel is missing or not a number");
            }
            assertThat(xsRead(BACK + "/state")).isEqualTo(Integer.toString(XenbusState.INIT_WAIT));
        }
    }

    void grant(int ref, long pfn) {
        long e = 0x100 * 4096L + ref * 8L;
        mem.writeU32(e + 4, (int) pfn);
        mem.writeU16(e + 2, 0);
        mem.writeU16(e, XenH.GTF_permit_access);
    }
}
