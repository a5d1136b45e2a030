package org.jxen.xen.backend.vbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.block.qcow2.Qcow2Create;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.gnttab.GrantTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test is the guest's blkfront: it grants its ring and data pages to domain 0, puts
 * requests in the ring, and reads the responses; the disk is a real raw or qcow2 image file.
 */
class BlkifRingTest {
    static final long TABLE_PFN = 0x100;
    static final long RING_PFN = 0x101;
    static final int RING_REF = 1;
    @TempDir
    Path tmp;
    final GuestMemory mem;
    final GrantTable grants;
    final AtomicInteger notified = new AtomicInteger();
    int nextRef = 2;
    int reqProd;
    int rspCons;

    BlkifRingTest() throws Exception {
        mem = GuestMemory.create("blkfront", new AddressMap(16 * AddressMap.MIB));
        grants = new GrantTable(7, mem);
        assertThat(grants.mapFrame(0, TABLE_PFN)).isZero();
        grant(RING_REF, RING_PFN, false);
    }

    @AfterEach
    void close() {
        mem.close();
    }

    void grant(int ref, long pfn, boolean readOnly) {
        long e = TABLE_PFN * 4096 + ref * 8L;
        mem.writeU32(e + 4, (int) pfn);
        mem.writeU16(e + 2, 0);
        mem.writeU16(e, XenH.GTF_permit_access | (readOnly ? XenH.GTF_readonly : 0));
    }

    BlkifRing ring(BlockBackend disk) {
        GrantTable.MapResult m = grants.map(0, RING_REF, false);
        assertThat(m.status()).isEqualTo(XenH.GNTST_okay);
        return new BlkifRing(m.mapping().page(), grants, 0, disk, notified::incrementAndGet);
    }

    record Seg(long pfn, int first, int last) {}

    /** Queues a request; returns its id. */
    long request(int op, long sector, List<Seg> segs) {
        long at = RING_PFN * 4096 + XenH.BLKIF_SRING_RING + (long) (reqProd & 31) * XenH.BLKIF_SRING_ENTRY;
        long id = 1000 + reqProd;
        mem.writeByte(at, op);
        mem.writeByte(at + XenH.BLKIF_REQ_NR_SEGMENTS, segs.size());
        mem.writeU64(at + XenH.BLKIF_REQ_ID, id);
        mem.writeU64(at + XenH.BLKIF_REQ_SECTOR, sector);
        for (int i = 0; i < segs.size(); i++) {
            int ref = nextRef++;
            grant(ref, segs.get(i).pfn(), false);
            long s = at + XenH.BLKIF_REQ_SEG + (long) i * XenH.BLKIF_SEG_SIZE;
            mem.writeU32(s, ref);
            mem.writeByte(s + 4, segs.get(i).first());
            mem.writeByte(s + 5, segs.get(i).last());
        }
        reqProd++;
        mem.writeU32(RING_PFN * 4096 + XenH.BLKIF_SRING_REQ_PROD, reqProd);
        return id;
    }

    /** The responses since the last call: id → status. */
    List<long[]> responses() {
        List<long[]> out = new ArrayList<>();
        int prod = mem.readU32(RING_PFN * 4096 + XenH.BLKIF_SRING_RSP_PROD);
        while (rspCons != prod) {
            long at = RING_PFN * 4096 + XenH.BLKIF_SRING_RING + (long) (rspCons & 31) * XenH.BLKIF_SRING_ENTRY;
            out.add(new long[] {mem.readU64(at), (short) mem.readU16(at + XenH.BLKIF_RSP_STATUS)});
            rspCons++;
        }
        mem.writeU32(RING_PFN * 4096 + XenH.BLKIF_SRING_RSP_EVENT, rspCons + 1);
        return out;
    }

    static byte[] pattern(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    void roundTrip(BlockBackend disk, Path file) throws Exception {
        BlkifRing r = ring(disk);
        byte[] a = pattern(1, 4096);
        byte[] b = pattern(2, 1024);
        mem.write(0x200 * 4096, a);
        mem.write(0x201 * 4096 + 512, b);
        // Write 8 + 2 sectors at sector 100: a whole page, then sectors 1..2 of another.
        long w = request(XenH.BLKIF_OP_WRITE, 100, List.of(new Seg(0x200, 0, 7), new Seg(0x201, 1, 2)));
        long f = request(XenH.BLKIF_OP_FLUSH_DISKCACHE, 0, List.of());
        r.kick();
        assertThat(responses()).containsExactly(new long[] {w, 0}, new long[] {f, 0});
        // Read them back into fresh pages.
        long rd = request(XenH.BLKIF_OP_READ, 100, List.of(new Seg(0x300, 0, 7), new Seg(0x301, 4, 5)));
        r.kick();
        assertThat(responses()).containsExactly(new long[] {rd, 0});
        assertThat(mem.read(0x300 * 4096, 4096)).isEqualTo(a);
        assertThat(mem.read(0x301 * 4096 + 2048, 1024)).isEqualTo(b);
        // Discard the first page's sectors: they read as zeros.
        long at = RING_PFN * 4096 + XenH.BLKIF_SRING_RING + (long) (reqProd & 31) * XenH.BLKIF_SRING_ENTRY;
        long d = request(XenH.BLKIF_OP_DISCARD, 100, List.of());
        mem.writeU64(at + XenH.BLKIF_DISCARD_NR_SECTORS, 8);
        r.kick();
        assertThat(responses()).containsExactly(new long[] {d, 0});
        ByteBuffer check = ByteBuffer.allocate(5120);
        disk.read(100 * 512L, check);
        byte[] expect = new byte[5120];
        System.arraycopy(b, 0, expect, 4096, 1024);
        assertThat(check.array()).isEqualTo(expect);
        assertThat(notified.get()).isPositive();
        assertThat(r.broken()).isNull();
    }

    @Test
    void aRawDiskIsWrittenReadFlushedAndDiscardedThroughTheRing() throws Exception {
        Path f = tmp.resolve("disk.raw");
        Files.write(f, new byte[4 << 20]);
        try (BlockBackend disk = BlockBackends.open(f, BlockBackends.Format.RAW, false)) {
            roundTrip(disk, f);
        }
        byte[] onDisk = Arrays.copyOfRange(Files.readAllBytes(f), 100 * 512 + 4096, 100 * 512 + 5120);
        assertThat(onDisk).as("the host file holds what the guest wrote").isEqualTo(pattern(2, 1024));
    }

    @Test
    void aQcow2DiskStaysCleanForQemuImg() throws Exception {
        Path f = tmp.resolve("disk.qcow2");
        Qcow2Create.create(f, 4 << 20, Optional.empty(), Optional.empty());
        try (BlockBackend disk = BlockBackends.open(f, BlockBackends.Format.DETECT, false)) {
            roundTrip(disk, f);
        }
        Process p = new ProcessBuilder("qemu-img", "check", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        assertThat(out).contains("No errors were found");
    }

    @Test
    void badRequestsGetErrorsAndTheRingCarriesOnButABogusIndexStopsIt() throws Exception {
        Path f = tmp.resolve("ro.raw");
        Files.write(f, new byte[1 << 20]);
        try (BlockBackend disk = BlockBackends.open(f, BlockBackends.Format.RAW, true)) {
            BlkifRing r = ring(disk);
            long[] ids = {
                request(XenH.BLKIF_OP_WRITE, 0, List.of(new Seg(0x200, 0, 0))), // read-only disk
                request(XenH.BLKIF_OP_READ, 0, List.of()), // no segments
                request(XenH.BLKIF_OP_READ, 0, List.of(new Seg(0x200, 3, 2))), // first > last
                request(XenH.BLKIF_OP_READ, 0, List.of(new Seg(0x200, 0, 8))), // past the page
                request(XenH.BLKIF_OP_READ, 2047, List.of(new Seg(0x200, 0, 1))), // past the disk's end
                request(9, 0, List.of()), // not an operation
                request(XenH.BLKIF_OP_READ, 0, List.of(new Seg(0x200, 0, 0)))}; // fine
            // A segment whose grant was not given to domain 0.
            long bad = request(XenH.BLKIF_OP_READ, 0, List.of(new Seg(0x200, 0, 0)));
            mem.writeU16(TABLE_PFN * 4096 + (nextRef - 1) * 8L + 2, 3);
            r.kick();
            List<long[]> got = responses();
            assertThat(got).extracting(x -> x[1]).containsExactly((long) XenH.BLKIF_RSP_ERROR, (long) XenH.BLKIF_RSP_ERROR,
                    (long) XenH.BLKIF_RSP_ERROR, (long) XenH.BLKIF_RSP_ERROR, (long) XenH.BLKIF_RSP_ERROR,
                    (long) XenH.BLKIF_RSP_EOPNOTSUPP, 0L, (long) XenH.BLKIF_RSP_ERROR);
            assertThat(got.get(7)[0]).isEqualTo(bad);
            assertThat(got.get(0)[0]).isEqualTo(ids[0]);
            assertThat(Files.readAllBytes(f)).as("nothing was written").containsOnly(0);
            mem.writeU32(RING_PFN * 4096 + XenH.BLKIF_SRING_REQ_PROD, reqProd + 1000);
            r.kick();
            assertThat(r.broken()).contains("request index moved by more than the 32 entries");
            long before = r.served();
            r.kick();
            assertThat(r.served()).isEqualTo(before);
        }
    }
}
