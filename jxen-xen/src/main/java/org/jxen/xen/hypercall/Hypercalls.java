package org.jxen.xen.hypercall;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jxen.vmm.memory.PageWalker;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;

/**
 * The hypercalls jxen serves, dispatched from a table keyed by {@code __HYPERVISOR_*}: an
 * unknown number, or an unknown command of a known one, is {@code -ENOSYS} as Xen answers.
 * Every argument is checked before use: a pointer that does not translate is {@code -EFAULT},
 * a bad port, ref, index or count {@code -EINVAL} (or the operation's own status field), so a
 * guest's mistakes come back to it and touch no other domain.
 *
 * <p>Served: {@code xen_version} (version, extraversion, capabilities, get_features),
 * {@code console_io} (write, read), {@code sched_op} (yield, block, poll, shutdown),
 * {@code event_channel_op} (alloc_unbound, bind_interdomain, bind_virq, bind_ipi, send, close,
 * status, unmask, bind_vcpu), {@code grant_table_op} (query_size, setup_table, copy),
 * {@code hvm_op} (set_param, get_param), {@code memory_op} (add_to_physmap for shared info and
 * grant frames, memory_map, decrease/populate reservations), {@code vcpu_op} (up, down, is_up, single-shot and periodic timers,
 * register_vcpu_info). Not yet: physdev_op, the rest of memory_op.
 *
 * <p>Threads: vCPU threads of many domains at once; the domains' parts synchronise themselves.
 */
public final class Hypercalls {
    /** The Xen version jxen reports: 4.17, the headers it is built from. */
    public static final int VERSION = 4 << 16 | 17;
    public static final String EXTRAVERSION = ".0-jxen";
    public static final String CAPABILITIES = "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p";
    /** The most bytes one console_io call moves; grant copies one call does. */
    static final int CONSOLE_MAX = 64 << 10;
    static final int COPY_MAX = 1024;

    @FunctionalInterface
    interface Handler {
        long call(XenDomain d, int vcpu, long a1, long a2, long a3) throws PageWalker.Fault;
    }

    private final Map<Integer, Handler> table = new HashMap<>();
    private final Map<Integer, XenDomain> domains = new ConcurrentHashMap<>();

    public Hypercalls() {
        table.put(XenH.__HYPERVISOR_xen_version, this::xenVersion);
        table.put(XenH.__HYPERVISOR_console_io, this::consoleIo);
        table.put(XenH.__HYPERVISOR_sched_op, this::schedOp);
        table.put(XenH.__HYPERVISOR_event_channel_op, this::eventChannelOp);
        table.put(XenH.__HYPERVISOR_grant_table_op, this::grantTableOp);
        table.put(XenH.__HYPERVISOR_hvm_op, this::hvmOp);
        table.put(XenH.__HYPERVISOR_memory_op, this::memoryOp);
        table.put(XenH.__HYPERVISOR_vcpu_op, this::vcpuOp);
    }

    /** Makes {@code d} known, for grant copies between domains. */
    public void add(XenDomain d) {
        domains.put(d.domid(), d);
    }

    public void remove(int domid) {
        domains.remove(domid);
    }

    /** The numbers of the hypercalls served. */
    public List<Integer> served() {
        return table.keySet().stream().sorted().toList();
    }

    /**
     * Runs hypercall {@code nr} for {@code vcpu} of {@code d} with the guest's arguments (rdi,
     * rsi, rdx, r10, r8 on x86_64; jxen's hypercalls take at most three); the result goes back
     * in rax.
     */
    public long call(XenDomain d, int vcpu, long nr, long a1, long a2, long a3) {
        Handler h = nr >= 0 && nr < 64 ? table.get((int) nr) : null;
        if (h == null) {
            return -XenH.ENOSYS;
        }
        try {
            return h.call(d, vcpu, a1, a2, a3);
        } catch (PageWalker.Fault e) {
            return -XenH.EFAULT;
        }
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    // --- xen_version(cmd, arg)

    private long xenVersion(XenDomain d, int vcpu, long cmd, long arg, long unused) throws PageWalker.Fault {
        switch ((int) cmd) {
            case XenH.XENVER_version -> {
                return VERSION;
            }
            case XenH.XENVER_extraversion -> {
                d.write(vcpu, arg, padded(EXTRAVERSION, XenH.XEN_EXTRAVERSION_LEN));
                return 0;
            }
            case XenH.XENVER_capabilities -> {
                d.write(vcpu, arg, padded(CAPABILITIES, XenH.XEN_CAPABILITIES_INFO_LEN));
                return 0;
            }
            case XenH.XENVER_get_features -> {
                ByteBuffer fi = d.read(vcpu, arg, 8);
                int idx = fi.getInt(0);
                fi.putInt(4, idx == 0 ? 1 << XenH.XENFEAT_hvm_callback_vector : 0);
                d.write(vcpu, arg, fi);
                return 0;
            }
            default -> {
                return -XenH.ENOSYS;
            }
        }
    }

    private static ByteBuffer padded(String s, int size) {
        ByteBuffer b = buffer(size);
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        b.put(0, bytes, 0, Math.min(bytes.length, size - 1));
        return b;
    }

    // --- console_io(cmd, count, buffer)

    private long consoleIo(XenDomain d, int vcpu, long cmd, long count, long buf) throws PageWalker.Fault {
        switch ((int) cmd) {
            case XenH.CONSOLEIO_write -> {
                if (count < 0 || count > CONSOLE_MAX) {
                    return -XenH.EINVAL;
                }
                d.host().console(d.read(vcpu, buf, (int) count).array());
                return 0;
            }
            case XenH.CONSOLEIO_read -> {
                return 0; // No input for the hypervisor console: a domain's input comes through its console ring.
            }
            default -> {
                return -XenH.ENOSYS;
            }
        }
    }

    // --- sched_op(cmd, arg)

    private long schedOp(XenDomain d, int vcpu, long cmd, long arg, long unused) throws PageWalker.Fault {
        switch ((int) cmd) {
            case XenH.SCHEDOP_yield -> {
                Thread.yield();
                return 0;
            }
            case XenH.SCHEDOP_block, XenH.SCHEDOP_poll -> {
                d.host().block(vcpu);
                return 0;
            }
            case XenH.SCHEDOP_shutdown -> {
                int reason = d.read(vcpu, arg, 4).getInt(0);
                if (reason < XenH.SHUTDOWN_poweroff || reason > XenH.SHUTDOWN_watchdog) {
                    return -XenH.EINVAL;
                }
                d.host().shutdown(reason);
                return 0;
            }
            default -> {
                return -XenH.ENOSYS;
            }
        }
    }

    // --- event_channel_op(cmd, arg)

    private long eventChannelOp(XenDomain d, int vcpu, long cmd, long arg, long unused) throws PageWalker.Fault {
        EventChannels e = d.eventChannels();
        switch ((int) cmd) {
            case XenH.EVTCHNOP_alloc_unbound -> {
                ByteBuffer b = d.read(vcpu, arg, XenH.EVTCHN_ALLOC_UNBOUND_SIZE);
                int r = e.allocUnbound(Short.toUnsignedInt(b.getShort(0)),
                        Short.toUnsignedInt(b.getShort(XenH.EVTCHN_ALLOC_UNBOUND_REMOTE_DOM)));
                return out(d, vcpu, arg, b, XenH.EVTCHN_ALLOC_UNBOUND_PORT, r);
            }
            case XenH.EVTCHNOP_bind_interdomain -> {
                ByteBuffer b = d.read(vcpu, arg, XenH.EVTCHN_BIND_INTERDOMAIN_SIZE);
                int r = e.bindInterdomain(Short.toUnsignedInt(b.getShort(0)), b.getInt(XenH.EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT));
                return out(d, vcpu, arg, b, XenH.EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT, r);
            }
            case XenH.EVTCHNOP_bind_virq -> {
                ByteBuffer b = d.read(vcpu, arg, XenH.EVTCHN_BIND_VIRQ_SIZE);
                return out(d, vcpu, arg, b, XenH.EVTCHN_BIND_VIRQ_PORT, e.bindVirq(b.getInt(0), b.getInt(4)));
            }
            case XenH.EVTCHNOP_bind_ipi -> {
                ByteBuffer b = d.read(vcpu, arg, XenH.EVTCHN_BIND_IPI_SIZE);
                return out(d, vcpu, arg, b, XenH.EVTCHN_BIND_IPI_PORT, e.bindIpi(b.getInt(0)));
            }
            case XenH.EVTCHNOP_send -> {
                return e.send(d.read(vcpu, arg, 4).getInt(0));
            }
            case XenH.EVTCHNOP_close -> {
                int port = d.read(vcpu, arg, 4).getInt(0);
                int r = e.close(port);
                if (r == 0) {
                    d.sharedInfo().clear(port);
                }
                return r;
            }
            case XenH.EVTCHNOP_unmask -> {
                int port = d.read(vcpu, arg, 4).getInt(0);
                if (!e.valid(port, false)) {
                    return -XenH.EINVAL;
                }
                int target = e.vcpuOf(port);
                if (d.sharedInfo().unmask(port, target)) {
                    e.redeliver(port);
                }
                return 0;
            }
            case XenH.EVTCHNOP_bind_vcpu -> {
                ByteBuffer b = d.read(vcpu, arg, XenH.EVTCHN_BIND_VCPU_SIZE);
                return e.bindVcpu(b.getInt(0), b.getInt(4));
            }
            case XenH.EVTCHNOP_status -> {
                ByteBuffer b = d.read(vcpu, arg, XenH.EVTCHN_STATUS_SIZE);
                EventChannels.Status s = e.status(Short.toUnsignedInt(b.getShort(0)), b.getInt(XenH.EVTCHN_STATUS_PORT));
                if (s.status() < 0) {
                    return s.status();
                }
                b.putInt(XenH.EVTCHN_STATUS_STATUS, s.status());
                b.putInt(XenH.EVTCHN_STATUS_VCPU, s.vcpu());
                switch (s.status()) {
                    case XenH.EVTCHNSTAT_unbound -> b.putShort(XenH.EVTCHN_STATUS_U, (short) s.remoteDom());
                    case XenH.EVTCHNSTAT_interdomain -> {
                        b.putShort(XenH.EVTCHN_STATUS_U, (short) s.remoteDom());
                        b.putInt(XenH.EVTCHN_STATUS_INTERDOMAIN_PORT, s.remotePort());
                    }
                    case XenH.EVTCHNSTAT_virq -> b.putInt(XenH.EVTCHN_STATUS_U, s.virq());
                    default -> { }
                }
                d.write(vcpu, arg, b);
                return 0;
            }
            default -> {
                return -XenH.ENOSYS;
            }
        }
    }

    /** Writes a port back into the argument struct, or returns the error. */
    private static long out(XenDomain d, int vcpu, long arg, ByteBuffer b, int at, int result) throws PageWalker.Fault {
        if (result < 0) {
            return result;
        }
        b.putInt(at, result);
        d.write(vcpu, arg, b);
        return 0;
    }

    // --- grant_table_op(cmd, uop, count)

    private long grantTableOp(XenDomain d, int vcpu, long cmd, long uop, long count) throws PageWalker.Fault {
        switch ((int) cmd) {
            case XenH.GNTTABOP_query_size -> {
                if (count != 1) {
                    return -XenH.EINVAL;
                }
                ByteBuffer b = d.read(vcpu, uop, XenH.GNTTAB_QUERY_SIZE_SIZE);
                int dom = Short.toUnsignedInt(b.getShort(0));
                if (dom != XenH.DOMID_SELF && dom != d.domid()) {
                    b.putShort(XenH.GNTTAB_QUERY_SIZE_STATUS, (short) XenH.GNTST_permission_denied);
                } else {
                    b.putInt(XenH.GNTTAB_QUERY_SIZE_NR_FRAMES, d.grantTable().frames());
                    b.putInt(XenH.GNTTAB_QUERY_SIZE_MAX_NR_FRAMES, GrantTable.MAX_FRAMES);
                    b.putShort(XenH.GNTTAB_QUERY_SIZE_STATUS, (short) XenH.GNTST_okay);
                }
                d.write(vcpu, uop, b);
                return 0;
            }
            case XenH.GNTTABOP_setup_table -> {
                if (count != 1) {
                    return -XenH.EINVAL;
                }
                ByteBuffer b = d.read(vcpu, uop, XenH.GNTTAB_SETUP_TABLE_SIZE);
                int dom = Short.toUnsignedInt(b.getShort(0));
                int want = b.getInt(XenH.GNTTAB_SETUP_TABLE_NR_FRAMES);
                long list = b.getLong(XenH.GNTTAB_SETUP_TABLE_FRAME_LIST);
                List<Long> frames = d.grantTable().frameList();
                int status;
                if (dom != XenH.DOMID_SELF && dom != d.domid()) {
                    status = XenH.GNTST_permission_denied;
                } else if (want < 0 || want > GrantTable.MAX_FRAMES) {
                    status = XenH.GNTST_general_error;
                } else if (want > frames.size()) {
                    // An HVM guest places its frames with XENMEM_add_to_physmap first; jxen has no frames of its own to give.
                    status = XenH.GNTST_general_error;
                } else {
                    ByteBuffer l = buffer(8 * want);
                    for (int i = 0; i < want; i++) {
                        l.putLong(8 * i, frames.get(i));
                    }
                    if (want > 0) {
                        d.write(vcpu, list, l);
                    }
                    status = XenH.GNTST_okay;
                }
                b.putShort(XenH.GNTTAB_SETUP_TABLE_STATUS, (short) status);
                d.write(vcpu, uop, b);
                return 0;
            }
            case XenH.GNTTABOP_copy -> {
                if (count < 0 || count > COPY_MAX) {
                    return -XenH.EINVAL;
                }
                for (int i = 0; i < count; i++) {
                    long at = uop + (long) i * XenH.GNTTAB_COPY_SIZE;
                    ByteBuffer op = d.read(vcpu, at, XenH.GNTTAB_COPY_SIZE);
                    op.putShort(XenH.GNTTAB_COPY_STATUS, (short) copy(d, op));
                    d.write(vcpu, at, op);
                }
                return 0;
            }
            default -> {
                return -XenH.ENOSYS;
            }
        }
    }

    /**
     * One gnttab_copy for caller {@code c}: each side is a grant of another domain (by ref) or a
     * page of the caller's own (by gmfn); returns the GNTST_* status.
     */
    private int copy(XenDomain c, ByteBuffer op) {
        int len = Short.toUnsignedInt(op.getShort(XenH.GNTTAB_COPY_LEN));
        int flags = Short.toUnsignedInt(op.getShort(XenH.GNTTAB_COPY_FLAGS));
        byte[] data;
        // Source.
        long srcU = op.getLong(0);
        int srcDom = resolve(c, Short.toUnsignedInt(op.getShort(XenH.GNTTAB_COPY_PTR_DOMID)));
        int srcOff = Short.toUnsignedInt(op.getShort(XenH.GNTTAB_COPY_PTR_OFFSET));
        if (srcOff + len > XenH.XEN_PAGE_SIZE) {
            return XenH.GNTST_bad_copy_arg;
        }
        if ((flags & XenH.GNTCOPY_source_gref) != 0) {
            XenDomain s = domains.get(srcDom);
            if (s == null) {
                return XenH.GNTST_bad_domain;
            }
            GrantTable.Access a = s.grantTable().read(c.domid(), (int) srcU, srcOff, len);
            if (a.status() != XenH.GNTST_okay) {
                return a.status();
            }
            data = a.data();
        } else {
            if (srcDom != c.domid()) {
                return XenH.GNTST_permission_denied;
            }
            long gpa = srcU * XenH.XEN_PAGE_SIZE + srcOff;
            if (srcU < 0 || !c.memory().contains(gpa, Math.max(1, len))) {
                return XenH.GNTST_bad_virt_addr;
            }
            data = c.memory().read(gpa, len);
        }
        // Destination.
        long dstU = op.getLong(XenH.GNTTAB_COPY_DEST);
        int dstDom = resolve(c, Short.toUnsignedInt(op.getShort(XenH.GNTTAB_COPY_DEST + XenH.GNTTAB_COPY_PTR_DOMID)));
        int dstOff = Short.toUnsignedInt(op.getShort(XenH.GNTTAB_COPY_DEST + XenH.GNTTAB_COPY_PTR_OFFSET));
        if (dstOff + len > XenH.XEN_PAGE_SIZE) {
            return XenH.GNTST_bad_copy_arg;
        }
        if ((flags & XenH.GNTCOPY_dest_gref) != 0) {
            XenDomain t = domains.get(dstDom);
            if (t == null) {
                return XenH.GNTST_bad_domain;
            }
            return t.grantTable().write(c.domid(), (int) dstU, dstOff, data).status();
        }
        if (dstDom != c.domid()) {
            return XenH.GNTST_permission_denied;
        }
        long gpa = dstU * XenH.XEN_PAGE_SIZE + dstOff;
        if (dstU < 0 || !c.memory().contains(gpa, Math.max(1, len))) {
            return XenH.GNTST_bad_virt_addr;
        }
        c.memory().write(gpa, data);
        return XenH.GNTST_okay;
    }

    private static int resolve(XenDomain c, int dom) {
        return dom == XenH.DOMID_SELF ? c.domid() : dom;
    }

    // --- hvm_op(cmd, arg)

    private long hvmOp(XenDomain d, int vcpu, long cmd, long arg, long unused) throws PageWalker.Fault {
        if (cmd != XenH.HVMOP_set_param && cmd != XenH.HVMOP_get_param) {
            return -XenH.ENOSYS;
        }
        ByteBuffer b = d.read(vcpu, arg, XenH.XEN_HVM_PARAM_SIZE);
        int dom = Short.toUnsignedInt(b.getShort(0));
        int index = b.getInt(XenH.XEN_HVM_PARAM_INDEX);
        if (dom != XenH.DOMID_SELF && dom != d.domid()) {
            return -XenH.EPERM;
        }
        if (index < 0 || index >= XenH.HVM_NR_PARAMS) {
            return -XenH.EINVAL;
        }
        if (cmd == XenH.HVMOP_set_param) {
            d.hvmParam(index, b.getLong(XenH.XEN_HVM_PARAM_VALUE));
            return 0;
        }
        b.putLong(XenH.XEN_HVM_PARAM_VALUE, d.hvmParam(index));
        d.write(vcpu, arg, b);
        return 0;
    }

    // --- vcpu_op(cmd, vcpuid, arg)

    private long vcpuOp(XenDomain d, int vcpu, long cmd, long vcpuid, long arg) throws PageWalker.Fault {
        VcpuTimers t = d.timers();
        if (t == null) {
            return -XenH.ENOSYS;
        }
        if (vcpuid < 0 || vcpuid >= t.vcpus()) {
            return -XenH.ENOENT;
        }
        int v = (int) vcpuid;
        switch ((int) cmd) {
            case XenH.VCPUOP_up -> {
                d.setUp(v, true);
                return 0;
            }
            case XenH.VCPUOP_down -> {
                d.setUp(v, false);
                return 0;
            }
            case XenH.VCPUOP_is_up -> {
                return d.isUp(v) ? 1 : 0;
            }
            case XenH.VCPUOP_set_singleshot_timer -> {
                ByteBuffer b = d.read(vcpu, arg, 16);
                return t.setSingleshot(v, b.getLong(0), b.getInt(8));
            }
            case XenH.VCPUOP_stop_singleshot_timer -> {
                t.stopSingleshot(v);
                return 0;
            }
            case XenH.VCPUOP_set_periodic_timer -> {
                return t.setPeriodic(v, d.read(vcpu, arg, 8).getLong(0));
            }
            case XenH.VCPUOP_stop_periodic_timer -> {
                t.stopPeriodic(v);
                return 0;
            }
            case XenH.VCPUOP_register_vcpu_info -> {
                ByteBuffer b = d.read(vcpu, arg, 16);
                long mfn = b.getLong(0);
                long offset = Integer.toUnsignedLong(b.getInt(8));
                long gpa = mfn * XenH.XEN_PAGE_SIZE + offset;
                if (mfn < 0 || mfn > (Long.MAX_VALUE >> 12) || offset % 8 != 0
                        || offset + XenH.VCPU_INFO_SIZE > XenH.XEN_PAGE_SIZE
                        || !d.memory().contains(gpa, XenH.VCPU_INFO_SIZE) || !d.place(v)) {
                    return -XenH.EINVAL;
                }
                d.sharedInfo().placeVcpuInfo(v, d.memory().slice(gpa, XenH.VCPU_INFO_SIZE));
                return 0;
            }
            default -> {
                return -XenH.ENOSYS;
            }
        }
    }

    // --- memory_op(cmd, arg)

    /** e820 entries a memory map may ask for (Xen's E820MAX), and the largest extent order (2 MiB). */
    static final int E820_MAX = 1024;
    static final int MAX_EXTENT_ORDER = 9;
    /** The e820 entry, as Xen and its guests lay it out (packed): addr, size, type. */
    static final int E820_ENTRY = 20;

    private long memoryOp(XenDomain d, int vcpu, long cmd, long arg, long unused) throws PageWalker.Fault {
        switch ((int) cmd) {
            case XenH.XENMEM_memory_map -> {
                return memoryMap(d, vcpu, arg);
            }
            case XenH.XENMEM_decrease_reservation, XenH.XENMEM_populate_physmap, XenH.XENMEM_increase_reservation -> {
                return reservation(d, vcpu, (int) cmd, arg);
            }
            case XenH.XENMEM_add_to_physmap -> {
                return addToPhysmap(d, vcpu, arg);
            }
            default -> {
                return -XenH.ENOSYS;
            }
        }
    }

    /** XENMEM_memory_map: the map the domain booted with, as e820 entries, as many as the guest has room for. */
    private static long memoryMap(XenDomain d, int vcpu, long arg) throws PageWalker.Fault {
        ByteBuffer b = d.read(vcpu, arg, XenH.XEN_MEMORY_MAP_SIZE);
        long room = Integer.toUnsignedLong(b.getInt(0));
        if (room > E820_MAX) {
            return -XenH.EINVAL;
        }
        List<org.jxen.vmm.memory.AddressMap.MapEntry> map = d.memoryMap();
        int n = (int) Math.min(room, map.size());
        ByteBuffer e = buffer(Math.max(1, n * E820_ENTRY));
        for (int i = 0; i < n; i++) {
            e.putLong(i * E820_ENTRY, map.get(i).start());
            e.putLong(i * E820_ENTRY + 8, map.get(i).size());
            e.putInt(i * E820_ENTRY + 16, map.get(i).type());
        }
        if (n > 0) {
            d.write(vcpu, b.getLong(XenH.XEN_MEMORY_MAP_BUFFER), ByteBuffer.wrap(java.util.Arrays.copyOf(e.array(), n * E820_ENTRY)));
        }
        b.putInt(0, n);
        d.write(vcpu, arg, b);
        return 0;
    }

    /**
     * XENMEM_decrease_reservation gives extents back (their pages are dropped from the host, as
     * virtio-balloon does); populate_physmap and increase_reservation take them again (jxen's RAM is
     * always there, so they succeed on any page inside it). Returns the extents done: it stops at
     * the first one outside RAM, as Xen stops at the first failure.
     */
    private static long reservation(XenDomain d, int vcpu, int cmd, long arg) throws PageWalker.Fault {
        ByteBuffer r = d.read(vcpu, arg, XenH.XEN_MEMORY_RESERVATION_SIZE);
        long list = r.getLong(0);
        long count = r.getLong(XenH.XEN_MEMORY_RESERVATION_NR_EXTENTS);
        int order = r.getInt(XenH.XEN_MEMORY_RESERVATION_EXTENT_ORDER);
        int dom = Short.toUnsignedInt(r.getShort(XenH.XEN_MEMORY_RESERVATION_DOMID));
        if (dom != XenH.DOMID_SELF && dom != d.domid()) {
            return -XenH.EPERM;
        }
        if (order < 0 || order > MAX_EXTENT_ORDER || count < 0 || count > (1L << 20)) {
            return -XenH.EINVAL;
        }
        if (cmd == XenH.XENMEM_increase_reservation) {
            return 0; // machine frames are not a guest's business under HVM: none given
        }
        long bytes = (long) XenH.XEN_PAGE_SIZE << order;
        for (long i = 0; i < count; i++) {
            long pfn = d.read(vcpu, list + 8 * i, 8).getLong(0);
            long gpa = pfn * XenH.XEN_PAGE_SIZE;
            if (pfn < 0 || pfn > (Long.MAX_VALUE >> 12) || gpa % bytes != 0 || !d.memory().contains(gpa, bytes)) {
                return i;
            }
            if (cmd == XenH.XENMEM_decrease_reservation) {
                d.memory().discard(gpa, bytes);
            }
        }
        return count;
    }

    private static long addToPhysmap(XenDomain d, int vcpu, long arg) throws PageWalker.Fault {
        ByteBuffer b = d.read(vcpu, arg, XenH.XEN_ADD_TO_PHYSMAP_SIZE);
        int dom = Short.toUnsignedInt(b.getShort(0));
        if (dom != XenH.DOMID_SELF && dom != d.domid()) {
            return -XenH.EPERM;
        }
        int space = b.getInt(XenH.XEN_ADD_TO_PHYSMAP_SPACE);
        long idx = b.getLong(XenH.XEN_ADD_TO_PHYSMAP_IDX);
        long gpfn = b.getLong(XenH.XEN_ADD_TO_PHYSMAP_GPFN);
        long gpa = gpfn * XenH.XEN_PAGE_SIZE;
        switch (space) {
            case XenH.XENMAPSPACE_shared_info -> {
                if (idx != 0 || gpfn < 0 || gpfn > (Long.MAX_VALUE >> 12) || !d.memory().contains(gpa, XenH.XEN_PAGE_SIZE)) {
                    return -XenH.EINVAL;
                }
                d.sharedInfo().moveTo(d.memory().slice(gpa, XenH.XEN_PAGE_SIZE));
                return 0;
            }
            case XenH.XENMAPSPACE_grant_table -> {
                if (idx < 0 || idx >= GrantTable.MAX_FRAMES || gpfn < 0 || gpfn > (Long.MAX_VALUE >> 12)) {
                    return -XenH.EINVAL;
                }
                return d.grantTable().mapFrame((int) idx, gpfn);
            }
            default -> {
                return -XenH.EINVAL;
            }
        }
    }
}
