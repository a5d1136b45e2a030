package org.jxen.xen.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.vbd.BlkifRing;
import org.jxen.xen.backend.vif.NetifRings;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.xenbus.ConsoleRing;
import org.jxen.xen.xenbus.XenstoreRing;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.store.Quota;

/**
 * Guests that write anything at all into their rings: random ring pages, random indices, random
 * grant tables. Whatever they write, the backends return normally (serving, answering errors, or
 * stopping the ring), never throw, and touch nothing outside the guest's own memory and the disk.
 */
class RingFuzzTest {
    GuestMemory mem;
    Path disk;

    @BeforeProperty
    void setUp() throws Exception {
        mem = GuestMemory.create("fuzz", new AddressMap(8 * AddressMap.MIB));
        disk = Files.createTempFile("jxen-fuzz", ".raw");
        Files.write(disk, new byte[256 << 10]);
    }

    @AfterProperty
    void tearDown() throws Exception {
        mem.close();
        Files.deleteIfExists(disk);
    }

    /** Fills guest pages 0x100..0x10f with noise, with a grant table at 0x100 whose entries point into them. */
    GrantTable noise(Random r) {
        for (long p = 0x100; p < 0x110; p++) {
            byte[] b = new byte[4096];
            r.nextBytes(b);
            mem.write(p * 4096, b);
        }
        GrantTable g = new GrantTable(4, mem);
        byte[] keep = mem.read(0x100 * 4096, 4096);
        assertThat(g.mapFrame(0, 0x100)).isZero();
        // Half the entries are plausible grants to domain 0 of the noise pages, the rest noise.
        for (int ref = 0; ref < 512; ref++) {
            long e = 0x100 * 4096L + ref * 8L;
            if (r.nextBoolean()) {
                mem.writeU16(e, r.nextInt(4) == 0 ? r.nextInt(0x10000) : XenH.GTF_permit_access);
                mem.writeU16(e + 2, r.nextInt(8) == 0 ? r.nextInt(0x10000) : 0);
                mem.writeU32(e + 4, r.nextInt(8) == 0 ? r.nextInt() : 0x100 + r.nextInt(16));
            } else {
                mem.write(e, java.util.Arrays.copyOfRange(keep, ref * 8, ref * 8 + 8));
            }
        }
        return g;
    }

    @Property(tries = 300)
    void blkifAndNetifRingsSurviveAnyContent(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        GrantTable g = noise(r);
        try (BlockBackend d = BlockBackends.open(disk, BlockBackends.Format.RAW, r.nextBoolean())) {
            BlkifRing blk = new BlkifRing(mem.slice(0x101 * 4096, 4096), g, 0, d, () -> { });
            List<byte[]> out = new ArrayList<>();
            NetifRings net = new NetifRings(mem.slice(0x102 * 4096, 4096), mem.slice(0x103 * 4096, 4096), g, 0, out::add, () -> { });
            for (int round = 0; round < 4; round++) {
                blk.kick();
                net.kickTx();
                byte[] frame = new byte[r.nextInt(6000)];
                net.receive(frame);
                // The guest moves its producer indices again, to anything.
                mem.writeU32(0x101 * 4096 + XenH.BLKIF_SRING_REQ_PROD, r.nextInt(64));
                mem.writeU32(0x102 * 4096 + XenH.BLKIF_SRING_REQ_PROD, r.nextInt(600));
            }
            assertThat(out).allSatisfy(f -> assertThat(f.length).isBetween(1, XenH.XEN_NETIF_MAX_TX_SIZE));
        }
    }

    @Property(tries = 300)
    void xenstoreAndConsoleRingsSurviveAnyContent(@ForAll long seed) {
        Random r = new Random(seed);
        XenstoreServer server = new XenstoreServer(Quota.XEN_DEFAULTS);
        server.introduceDomain(4, 0xFEFFF, 1);
        MemorySegment xs = Arena.ofAuto().allocate(4096, 4096);
        MemorySegment cons = Arena.ofAuto().allocate(4096, 4096);
        byte[] b = new byte[4096];
        r.nextBytes(b);
        MemorySegment.copy(b, 0, xs, ValueLayout.JAVA_BYTE, 0, 4096);
        r.nextBytes(b);
        MemorySegment.copy(b, 0, cons, ValueLayout.JAVA_BYTE, 0, 4096);
        if (r.nextBoolean()) {
            // Plausible indices: small numbers, so requests get parsed rather than refused at once.
            xs.set(ValueLayout.JAVA_INT, XenH.XS_REQ_CONS, 0);
            xs.set(ValueLayout.JAVA_INT, XenH.XS_REQ_PROD, r.nextInt(1025));
            xs.set(ValueLayout.JAVA_INT, XenH.XS_RSP_CONS, 0);
            xs.set(ValueLayout.JAVA_INT, XenH.XS_RSP_PROD, 0);
        }
        XenstoreRing ring = new XenstoreRing(xs, server, 4, () -> { });
        ConsoleRing console = new ConsoleRing(cons, bytes -> { }, () -> { });
        for (int round = 0; round < 3; round++) {
            ring.kick();
            console.kick();
            console.input(new byte[r.nextInt(2000)]);
            xs.set(ValueLayout.JAVA_INT, XenH.XS_RSP_CONS, r.nextInt());
        }
        ring.close();
        assertThat(server.connectionCount()).as("the ring's connection is gone when closed").isZero();
    }
}
