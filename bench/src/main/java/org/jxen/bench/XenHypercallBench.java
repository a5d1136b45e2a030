package org.jxen.bench;

import java.util.concurrent.TimeUnit;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.hypercall.Hypercalls;
import org.jxen.xen.hypercall.XenDomain;
import org.jxen.xen.shinfo.SharedInfo;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * jxen's Xen hypercalls without the exit: {@link Hypercalls#call} with the argument structs in
 * guest memory, as the port-0xEB stub's exit would hand them over. The cost a guest sees per
 * hypercall is the exit (measured on KVM, not here) plus this.
 * <ul>
 * <li>{@link #xenVersion}: the smallest call (XENVER_version): the dispatch itself.</li>
 * <li>{@link #evtchnSend}: EVTCHNOP_send from one domain to another's port: the struct read,
 *     the 2-level protocol on the peer's shared info; the bench then clears the event as the
 *     peer's handler would, so each send is a new event with an upcall decision.</li>
 * <li>{@link #consoleWrite}: CONSOLEIO_write of 64 bytes to a console that drops them.</li>
 * <li>{@link #grantCopy4k}: GNTTABOP_copy of a whole 4 KiB page from a grant of the other domain.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class XenHypercallBench {
    static final long ARG = 0x10_0000;
    Hypercalls h;
    GuestMemory m1;
    GuestMemory m2;
    XenDomain d1;
    XenDomain d2;
    SharedInfo s1;
    int sendArgPort;
    int p1;
    long copyOp;

    @Setup
    public void setUp() throws Exception {
        h = new Hypercalls();
        EventChannels.Hub hub = new EventChannels.Hub();
        m1 = GuestMemory.create("bench1", new AddressMap(32 * AddressMap.MIB));
        m2 = GuestMemory.create("bench2", new AddressMap(32 * AddressMap.MIB));
        s1 = new SharedInfo();
        SharedInfo s2 = new SharedInfo();
        XenDomain.Host quiet = new XenDomain.Host() {
            @Override
            public void console(byte[] bytes) {}

            @Override
            public void shutdown(int reason) {}

            @Override
            public void block(int vcpu) {}
        };
        d1 = new XenDomain(1, m1, XenDomain.NO_PAGING, s1, hub.guest(1, 1, s1, v -> { }), new GrantTable(1, m1), quiet);
        d2 = new XenDomain(2, m2, XenDomain.NO_PAGING, s2, hub.guest(2, 1, s2, v -> { }), new GrantTable(2, m2), quiet);
        h.add(d1);
        h.add(d2);
        p1 = d1.eventChannels().allocUnbound(XenH.DOMID_SELF, 2);
        int p2 = d2.eventChannels().bindInterdomain(1, p1);
        m2.writeU32(ARG, p2);
        m2.write(ARG + 0x100, new byte[64]);
        // Domain 1 grants page 0x300 to domain 2; domain 2 copies it into its page 0x400.
        d1.grantTable().mapFrame(0, 0x200);
        m1.writeU32(0x200 * 4096L + 8 + 4, 0x300);
        m1.writeU16(0x200 * 4096L + 8 + 2, 2);
        m1.writeU16(0x200 * 4096L + 8, XenH.GTF_permit_access);
        copyOp = ARG + 0x200;
        m2.writeU64(copyOp, 1);
        m2.writeU16(copyOp + XenH.GNTTAB_COPY_PTR_DOMID, 1);
        m2.writeU64(copyOp + XenH.GNTTAB_COPY_DEST, 0x400);
        m2.writeU16(copyOp + XenH.GNTTAB_COPY_DEST + XenH.GNTTAB_COPY_PTR_DOMID, XenH.DOMID_SELF);
        m2.writeU16(copyOp + XenH.GNTTAB_COPY_LEN, 4096);
        m2.writeU16(copyOp + XenH.GNTTAB_COPY_FLAGS, XenH.GNTCOPY_source_gref);
    }

    @TearDown
    public void tearDown() {
        m1.close();
        m2.close();
    }

    @Benchmark
    public long xenVersion() {
        return h.call(d1, 0, XenH.__HYPERVISOR_xen_version, XenH.XENVER_version, 0, 0);
    }

    @Benchmark
    public long evtchnSend() {
        long r = h.call(d2, 0, XenH.__HYPERVISOR_event_channel_op, XenH.EVTCHNOP_send, ARG, 0);
        s1.clear(p1); // the receiver's handler clears the port (and, here, its mask) ...
        s1.clearUpcall(0); // ... and its selector and upcall flag
        return r;
    }

    @Benchmark
    public long consoleWrite() {
        return h.call(d2, 0, XenH.__HYPERVISOR_console_io, XenH.CONSOLEIO_write, 64, ARG + 0x100);
    }

    @Benchmark
    public long grantCopy4k() {
        return h.call(d2, 0, XenH.__HYPERVISOR_grant_table_op, XenH.GNTTABOP_copy, copyOp, 1);
    }
}
