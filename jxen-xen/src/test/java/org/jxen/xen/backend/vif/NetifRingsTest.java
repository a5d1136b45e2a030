package org.jxen.xen.backend.vif;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.gnttab.GrantTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The test is the guest's netfront: it grants its rings and buffers to domain 0 and queues frames and buffers. */
class NetifRingsTest {
    static final long TABLE = 0x100;
    static final long TX = 0x101;
    static final long RX = 0x102;
    final GuestMemory mem;
    final GrantTable grants;
    final List<byte[]> out = new ArrayList<>();
    final AtomicInteger notified = new AtomicInteger();
    final NetifRings rings;
    int nextRef = 3;
    int txProd;
    int txRspCons;
    int rxProd;

    NetifRingsTest() throws Exception {
        mem = GuestMemory.create("netfront", new AddressMap(16 * AddressMap.MIB));
        grants = new GrantTable(9, mem);
        assertThat(grants.mapFrame(0, TABLE)).isZero();
        grant(1, TX, 0);
        grant(2, RX, 0);
        mem.writeU32(TX * 4096 + XenH.BLKIF_SRING_RSP_EVENT, 1);
        mem.writeU32(RX * 4096 + XenH.BLKIF_SRING_RSP_EVENT, 1);
        rings = new NetifRings(grants.map(0, 1, false).mapping().page(), grants.map(0, 2, false).mapping().page(), grants, 0,
                out::add, notified::incrementAndGet);
    }

    @AfterEach
    void close() {
        mem.close();
    }

    void grant(int ref, long pfn, int domid) {
        long e = TABLE * 4096 + ref * 8L;
        mem.writeU32(e + 4, (int) pfn);
        mem.writeU16(e + 2, domid);
        mem.writeU16(e, XenH.GTF_permit_access);
    }

    /** Queues one transmit slot: a new grant of page {@code pfn} (to {@code domid}). */
    void txSlot(long pfn, int offset, int flags, int id, int size, int domid) {
        int ref = nextRef++;
        grant(ref, pfn, domid);
        long at = TX * 4096 + XenH.BLKIF_SRING_RING + (long) (txProd & 255) * XenH.NETIF_TX_ENTRY;
        mem.writeU32(at, ref);
        mem.writeU16(at + XenH.NETIF_TX_REQ_OFFSET, offset);
        mem.writeU16(at + XenH.NETIF_TX_REQ_FLAGS, flags);
        mem.writeU16(at + XenH.NETIF_TX_REQ_ID, id);
        mem.writeU16(at + XenH.NETIF_TX_REQ_SIZE, size);
        txProd++;
    }

    void txPush() {
        mem.writeU32(TX * 4096 + XenH.BLKIF_SRING_REQ_PROD, txProd);
        rings.kickTx();
    }

    /** The transmit responses since last time: {id, status}. */
    List<int[]> txResponses() {
        List<int[]> r = new ArrayList<>();
        int prod = mem.readU32(TX * 4096 + XenH.BLKIF_SRING_RSP_PROD);
        while (txRspCons != prod) {
            long at = TX * 4096 + XenH.BLKIF_SRING_RING + (long) (txRspCons & 255) * XenH.NETIF_TX_ENTRY;
            r.add(new int[] {mem.readU16(at), (short) mem.readU16(at + XenH.NETIF_TX_RSP_STATUS)});
            txRspCons++;
        }
        return r;
    }

    static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aFrameAcrossTwoSlotsIsGatheredAndSentAndEachSlotAnswered() {
        byte[] a = bytes(1, 4096);
        byte[] b = bytes(2, 4096);
        mem.write(0x200 * 4096, a);
        mem.write(0x201 * 4096, b);
        txSlot(0x200, 100, XenH.NETTXF_more_data, 11, 1500, 0); // the whole frame is 1500 bytes
        txSlot(0x201, 0, 0, 12, 500, 0);
        txSlot(0x200, 0, XenH.NETTXF_csum_blank, 13, 60, 0);
        txPush();
        assertThat(out).hasSize(2);
        byte[] expect = new byte[1500];
        System.arraycopy(a, 100, expect, 0, 1000);
        System.arraycopy(b, 0, expect, 1000, 500);
        assertThat(out.get(0)).isEqualTo(expect);
        assertThat(out.get(1)).isEqualTo(Arrays.copyOf(a, 60));
        assertThat(txResponses()).containsExactly(new int[] {11, 0}, new int[] {12, 0}, new int[] {13, 0});
        assertThat(notified.get()).isPositive();
        assertThat(rings.counters()[0]).isEqualTo(2);
    }

    @Test
    void malformedChainsAreErrorsInEverySlotAndNothingIsSent() {
        txSlot(0x200, 4000, 0, 1, 200, 0); // past the page
        txSlot(0x200, 0, 0, 2, 60, 5); // granted to domain 5, not 0
        txSlot(0x200, 0, XenH.NETTXF_more_data, 3, 100, 0); // sizes that do not add up
        txSlot(0x200, 0, 0, 4, 300, 0);
        txSlot(0x200, 0, XenH.NETTXF_extra_info, 5, 60, 0); // an extra that was not offered
        for (int i = 0; i < 19; i++) { // 19 slots: more than a frame may take
            txSlot(0x200, 0, i < 18 ? XenH.NETTXF_more_data : 0, 100 + i, i == 0 ? 19 * 10 : 10, 0);
        }
        txPush();
        assertThat(out).isEmpty();
        List<int[]> r = txResponses();
        assertThat(r).hasSize(24).allSatisfy(x -> assertThat(x[1]).isEqualTo(XenH.NETIF_RSP_ERROR));
        // The ring goes on: a good frame after them is sent.
        txSlot(0x200, 0, 0, 200, 60, 0);
        txPush();
        assertThat(out).hasSize(1);
        assertThat(txResponses()).containsExactly(new int[] {200, 0});
    }

    @Test
    void framesForTheGuestFillTheBuffersItPostedAndTheRestAreDropped() {
        for (int i = 0; i < 2; i++) {
            int ref = nextRef++;
            grant(ref, 0x300 + i, 0);
            long at = RX * 4096 + XenH.BLKIF_SRING_RING + (long) rxProd * XenH.NETIF_RX_ENTRY;
            mem.writeU16(at, 7 + i);
            mem.writeU32(at + XenH.NETIF_RX_REQ_GREF, ref);
            rxProd++;
        }
        mem.writeU32(RX * 4096 + XenH.BLKIF_SRING_REQ_PROD, rxProd);
        byte[] f1 = bytes(3, 60);
        assertThat(rings.receive(f1)).isTrue();
        assertThat(mem.read(0x300 * 4096, 60)).isEqualTo(f1);
        long rsp = RX * 4096 + XenH.BLKIF_SRING_RING;
        assertThat(mem.readU16(rsp)).isEqualTo(7);
        assertThat((short) mem.readU16(rsp + XenH.NETIF_RX_RSP_STATUS)).isEqualTo((short) 60);
        assertThat(rings.receive(new byte[5000])).as("bigger than a page").isFalse();
        assertThat(rings.receive(bytes(4, 1514))).isTrue();
        assertThat(rings.receive(bytes(5, 100))).as("no buffer left").isFalse();
        assertThat(rings.counters()).containsExactly(0, 2, 2);
        assertThat(notified.get()).isPositive();
    }

    @Test
    void aBogusTransmitIndexStopsTheRing() {
        mem.writeU32(TX * 4096 + XenH.BLKIF_SRING_REQ_PROD, 5000);
        rings.kickTx();
        assertThat(rings.broken()).contains("moved by more than the ring");
        assertThat(out).isEmpty();
    }
}
