package org.jxen.xen.hypercall;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.memory.PageWalker;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.shinfo.SharedInfo;

/**
 * A domain as the Xen ABI sees it: its memory (reached through its own page tables, since
 * hypercall arguments are linear addresses), shared info, event channels, grant table and HVM
 * parameters, and what jxen does for it ({@link Host}: console output, shutdown, blocking).
 *
 * <p>Threads: hypercalls come from the domain's vCPU threads; the parts it holds are thread-safe.
 */
public final class XenDomain {
    /** What the hypercalls ask of jxen. */
    public interface Host {
        /** Bytes the guest wrote with console_io. */
        void console(byte[] bytes);

        /** SCHEDOP_shutdown with Xen's reason (SHUTDOWN_*). */
        void shutdown(int reason);

        /** SCHEDOP_block or poll on {@code vcpu}: wait for an event (jxen returns at the next upcall). */
        void block(int vcpu);
    }

    /** Where a vCPU's page tables are, read at each hypercall: CR3 and whether paging is on. */
    public interface Paging {
        long cr3(int vcpu);

        boolean enabled(int vcpu);
    }

    private final int domid;
    private final GuestMemory memory;
    private final PageWalker walker;
    private final Paging paging;
    private final SharedInfo sharedInfo;
    private final EventChannels eventChannels;
    private final GrantTable grantTable;
    private final Host host;
    private final long[] hvmParams = new long[XenH.HVM_NR_PARAMS];
    private volatile VcpuTimers timers;
    private volatile java.util.List<org.jxen.vmm.memory.AddressMap.MapEntry> memoryMap;
    /** vCPUs that are up (VCPUOP_up/down; vCPU 0 starts up), and those whose vcpu_info was placed. */
    private final java.util.BitSet up = new java.util.BitSet();
    private final java.util.BitSet placed = new java.util.BitSet();

    public XenDomain(int domid, GuestMemory memory, Paging paging, SharedInfo sharedInfo, EventChannels eventChannels,
            GrantTable grantTable, Host host) {
        this.domid = domid;
        this.memory = memory;
        this.walker = new PageWalker(memory);
        this.paging = paging;
        this.sharedInfo = sharedInfo;
        this.eventChannels = eventChannels;
        this.grantTable = grantTable;
        this.host = host;
    }

    /** Paging that is always off: linear = physical (a guest before it enables paging, and tests). */
    public static final Paging NO_PAGING = new Paging() {
        @Override
        public long cr3(int vcpu) {
            return 0;
        }

        @Override
        public boolean enabled(int vcpu) {
            return false;
        }
    };

    public int domid() {
        return domid;
    }

    public GuestMemory memory() {
        return memory;
    }

    public SharedInfo sharedInfo() {
        return sharedInfo;
    }

    public EventChannels eventChannels() {
        return eventChannels;
    }

    public GrantTable grantTable() {
        return grantTable;
    }

    public Host host() {
        return host;
    }

    /** The memory map the guest booted with (XENMEM_memory_map answers it). */
    public void memoryMap(java.util.List<org.jxen.vmm.memory.AddressMap.MapEntry> map) {
        this.memoryMap = java.util.List.copyOf(map);
    }

    /** The memory map, or the RAM regions as usable RAM when none was given. */
    public java.util.List<org.jxen.vmm.memory.AddressMap.MapEntry> memoryMap() {
        java.util.List<org.jxen.vmm.memory.AddressMap.MapEntry> m = memoryMap;
        if (m != null) {
            return m;
        }
        return memory.regions().stream().map(r -> new org.jxen.vmm.memory.AddressMap.MapEntry(r.start(), r.size(), 1)).toList();
    }

    /** The domain's vCPU timers (VCPUOP_set_*_timer); until set, those calls are -ENOSYS. */
    public void timers(VcpuTimers t) {
        this.timers = t;
        synchronized (this) {
            up.set(0);
        }
    }

    public VcpuTimers timers() {
        return timers;
    }

    synchronized boolean setUp(int vcpu, boolean on) {
        boolean was = up.get(vcpu);
        up.set(vcpu, on);
        return was;
    }

    synchronized boolean isUp(int vcpu) {
        return up.get(vcpu);
    }

    /** Marks {@code vcpu}'s vcpu_info placed; false when it already was (Xen allows it once). */
    synchronized boolean place(int vcpu) {
        if (placed.get(vcpu)) {
            return false;
        }
        placed.set(vcpu);
        return true;
    }

    public synchronized long hvmParam(int index) {
        return hvmParams[index];
    }

    public synchronized void hvmParam(int index, long value) {
        hvmParams[index] = value;
    }

    /** {@code length} bytes at linear address {@code va} of {@code vcpu}, little-endian. */
    ByteBuffer read(int vcpu, long va, int length) throws PageWalker.Fault {
        return ByteBuffer.wrap(walker.read(va, length, paging.cr3(vcpu), paging.enabled(vcpu))).order(ByteOrder.LITTLE_ENDIAN);
    }

    void write(int vcpu, long va, ByteBuffer data) throws PageWalker.Fault {
        walker.write(va, data.array(), paging.cr3(vcpu), paging.enabled(vcpu));
    }
}
