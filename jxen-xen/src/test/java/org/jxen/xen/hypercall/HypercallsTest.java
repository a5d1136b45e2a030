package org.jxen.xen.hypercall;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.shinfo.SharedInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hypercalls as guests make them: argument structs in guest memory, results in rax and in the structs. */
class HypercallsTest {
    static final long ARG = 0x10_0000;
    final Hypercalls h = new Hypercalls();
    final EventChannels.Hub hub = new EventChannels.Hub();
    final List<Integer> upcalls = new ArrayList<>();
    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    final List<Integer> shutdowns = new ArrayList<>();
    final GuestMemory mem1;
    final GuestMemory mem2;
    final XenDomain d1;
    final XenDomain d2;

    HypercallsTest() throws Exception {
        mem1 = GuestMemory.create("xen1", new AddressMap(16 * AddressMap.MIB));
        mem2 = GuestMemory.create("xen2", new AddressMap(16 * AddressMap.MIB));
        d1 = domain(1, mem1);
        d2 = domain(2, mem2);
    }

    XenDomain domain(int domid, GuestMemory m) {
        SharedInfo s = new SharedInfo();
        XenDomain d = new XenDomain(domid, m, XenDomain.NO_PAGING, s, hub.guest(domid, 1, s, upcalls::add),
                new GrantTable(domid, m), new XenDomain.Host() {
                    @Override
                    public void console(byte[] bytes) {
                        console.writeBytes(bytes);
                    }

                    @Override
                    public void shutdown(int reason) {
                        shutdowns.add(reason);
                    }

                    @Override
                    public void block(int vcpu) {}
                });
        h.add(d);
        return d;
    }

    @AfterEach
    void close() {
        mem1.close();
        mem2.close();
    }

    static long ramEnd(GuestMemory m) {
        return m.regions().stream().mapToLong(org.jxen.vmm.memory.MemoryRegion::end).max().orElseThrow();
    }

    long call(XenDomain d, int nr, long a1, long a2, long a3) {
        return h.call(d, 0, nr, a1, a2, a3);
    }

    @Test
    void versionConsoleAndShutdownAreXens() {
        assertThat(call(d1, XenH.__HYPERVISOR_xen_version, XenH.XENVER_version, 0, 0)).isEqualTo(0x40011);
        assertThat(call(d1, XenH.__HYPERVISOR_xen_version, XenH.XENVER_extraversion, ARG, 0)).isZero();
        assertThat(new String(mem1.read(ARG, 8))).isEqualTo(".0-jxen\0");
        mem1.writeU32(ARG, 0);
        assertThat(call(d1, XenH.__HYPERVISOR_xen_version, XenH.XENVER_get_features, ARG, 0)).isZero();
        assertThat(mem1.readU32(ARG + 4)).isEqualTo(1 << XenH.XENFEAT_hvm_callback_vector);
        mem1.write(ARG, "hello from a Xen guest\n".getBytes());
        assertThat(call(d1, XenH.__HYPERVISOR_console_io, XenH.CONSOLEIO_write, 23, ARG)).isZero();
        assertThat(console.toString()).isEqualTo("hello from a Xen guest\n");
        mem1.writeU32(ARG, XenH.SHUTDOWN_reboot);
        assertThat(call(d1, XenH.__HYPERVISOR_sched_op, XenH.SCHEDOP_shutdown, ARG, 0)).isZero();
        mem1.writeU32(ARG, 9);
        assertThat(call(d1, XenH.__HYPERVISOR_sched_op, XenH.SCHEDOP_shutdown, ARG, 0)).isEqualTo(-XenH.EINVAL);
        assertThat(shutdowns).containsExactly(XenH.SHUTDOWN_reboot);
    }

    @Test
    void unknownCallsAndBadPointersGetEnosysAndEfault() {
        assertThat(call(d1, 63, 0, 0, 0)).isEqualTo(-XenH.ENOSYS);
        assertThat(h.call(d1, 0, -1, 0, 0, 0)).isEqualTo(-XenH.ENOSYS);
        assertThat(call(d1, XenH.__HYPERVISOR_xen_version, 99, 0, 0)).isEqualTo(-XenH.ENOSYS);
        assertThat(call(d1, XenH.__HYPERVISOR_xen_version, XenH.XENVER_extraversion, 0x7FFF_0000_0000L, 0))
                .isEqualTo(-XenH.EFAULT);
        assertThat(call(d1, XenH.__HYPERVISOR_console_io, XenH.CONSOLEIO_write, 1 << 30, ARG)).isEqualTo(-XenH.EINVAL);
        assertThat(call(d1, XenH.__HYPERVISOR_event_channel_op, XenH.EVTCHNOP_send, ramEnd(mem1) - 2, 0))
                .as("a struct that runs off the end of RAM").isEqualTo(-XenH.EFAULT);
    }

    @Test
    void sharedInfoMappedByTheGuestReceivesItsEvents() {
        long shinfoPfn = 0x200;
        mem1.writeU16(ARG, XenH.DOMID_SELF);
        mem1.writeU32(ARG + XenH.XEN_ADD_TO_PHYSMAP_SPACE, XenH.XENMAPSPACE_shared_info);
        mem1.writeU64(ARG + XenH.XEN_ADD_TO_PHYSMAP_IDX, 0);
        mem1.writeU64(ARG + XenH.XEN_ADD_TO_PHYSMAP_GPFN, shinfoPfn);
        assertThat(call(d1, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_add_to_physmap, ARG, 0)).isZero();
        // d1 offers a port to d2; d2 binds it and sends.
        mem1.writeU16(ARG, XenH.DOMID_SELF);
        mem1.writeU16(ARG + XenH.EVTCHN_ALLOC_UNBOUND_REMOTE_DOM, 2);
        assertThat(call(d1, XenH.__HYPERVISOR_event_channel_op, XenH.EVTCHNOP_alloc_unbound, ARG, 0)).isZero();
        int p = mem1.readU32(ARG + XenH.EVTCHN_ALLOC_UNBOUND_PORT);
        mem2.writeU16(ARG, 1);
        mem2.writeU32(ARG + XenH.EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT, p);
        assertThat(call(d2, XenH.__HYPERVISOR_event_channel_op, XenH.EVTCHNOP_bind_interdomain, ARG, 0)).isZero();
        int q = mem2.readU32(ARG + XenH.EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT);
        upcalls.clear();
        mem2.writeU32(ARG, q);
        assertThat(call(d2, XenH.__HYPERVISOR_event_channel_op, XenH.EVTCHNOP_send, ARG, 0)).isZero();
        long pending = mem1.readU64(shinfoPfn * 4096 + XenH.SHARED_INFO_EVTCHN_PENDING + 8L * (p / 64));
        assertThat(pending & 1L << (p % 64)).as("the bit in the guest's own page").isNotZero();
        assertThat(mem1.readByte(shinfoPfn * 4096 + XenH.VCPU_INFO_UPCALL_PENDING)).isEqualTo((byte) 1);
        assertThat(upcalls).containsExactly(0);
        // Status through the hypercall.
        mem1.writeU16(ARG, XenH.DOMID_SELF);
        mem1.writeU32(ARG + XenH.EVTCHN_STATUS_PORT, p);
        assertThat(call(d1, XenH.__HYPERVISOR_event_channel_op, XenH.EVTCHNOP_status, ARG, 0)).isZero();
        assertThat(mem1.readU32(ARG + XenH.EVTCHN_STATUS_STATUS)).isEqualTo(XenH.EVTCHNSTAT_interdomain);
        assertThat(mem1.readU16(ARG + XenH.EVTCHN_STATUS_U)).isEqualTo(2);
        assertThat(mem1.readU32(ARG + XenH.EVTCHN_STATUS_INTERDOMAIN_PORT)).isEqualTo(q);
    }

    @Test
    void hvmParamsAreKeptPerDomain() {
        mem1.writeU16(ARG, XenH.DOMID_SELF);
        mem1.writeU32(ARG + XenH.XEN_HVM_PARAM_INDEX, XenH.HVM_PARAM_CALLBACK_IRQ);
        mem1.writeU64(ARG + XenH.XEN_HVM_PARAM_VALUE, (long) XenH.HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | 0xF3);
        assertThat(call(d1, XenH.__HYPERVISOR_hvm_op, XenH.HVMOP_set_param, ARG, 0)).isZero();
        mem1.writeU64(ARG + XenH.XEN_HVM_PARAM_VALUE, 0);
        assertThat(call(d1, XenH.__HYPERVISOR_hvm_op, XenH.HVMOP_get_param, ARG, 0)).isZero();
        assertThat(mem1.readU64(ARG + XenH.XEN_HVM_PARAM_VALUE)).isEqualTo(2L << 56 | 0xF3);
        assertThat(d2.hvmParam(XenH.HVM_PARAM_CALLBACK_IRQ)).isZero();
        mem1.writeU32(ARG + XenH.XEN_HVM_PARAM_INDEX, XenH.HVM_NR_PARAMS);
        assertThat(call(d1, XenH.__HYPERVISOR_hvm_op, XenH.HVMOP_get_param, ARG, 0)).isEqualTo(-XenH.EINVAL);
        mem1.writeU16(ARG, 2);
        mem1.writeU32(ARG + XenH.XEN_HVM_PARAM_INDEX, 0);
        assertThat(call(d1, XenH.__HYPERVISOR_hvm_op, XenH.HVMOP_set_param, ARG, 0)).as("another domain's").isEqualTo(-XenH.EPERM);
    }

    /** d2 grants d1 a page; d1 copies from it and into it with GNTTABOP_copy; the grant's rules hold. */
    @Test
    void grantCopiesFollowTheGrantEntries() {
        long tablePfn = 0x300;
        mem2.writeU16(ARG, XenH.DOMID_SELF);
        mem2.writeU32(ARG + XenH.XEN_ADD_TO_PHYSMAP_SPACE, XenH.XENMAPSPACE_grant_table);
        mem2.writeU64(ARG + XenH.XEN_ADD_TO_PHYSMAP_IDX, 0);
        mem2.writeU64(ARG + XenH.XEN_ADD_TO_PHYSMAP_GPFN, tablePfn);
        assertThat(call(d2, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_add_to_physmap, ARG, 0)).isZero();
        mem2.writeU16(ARG, XenH.DOMID_SELF);
        assertThat(call(d2, XenH.__HYPERVISOR_grant_table_op, XenH.GNTTABOP_query_size, ARG, 1)).isZero();
        assertThat(mem2.readU32(ARG + XenH.GNTTAB_QUERY_SIZE_NR_FRAMES)).isEqualTo(1);
        assertThat(mem2.readU32(ARG + XenH.GNTTAB_QUERY_SIZE_MAX_NR_FRAMES)).isEqualTo(GrantTable.MAX_FRAMES);
        // Entry 5: d2's page 0x400 to domain 1, read-only.
        long entry = tablePfn * 4096 + 5 * 8;
        mem2.writeU32(entry + 4, 0x400);
        mem2.writeU16(entry + 2, 1);
        mem2.writeU16(entry, XenH.GTF_permit_access | XenH.GTF_readonly);
        mem2.write(0x400 * 4096 + 100, "granted bytes".getBytes());
        // d1: copy from (d2, ref 5, offset 100) into its own page 0x500.
        long op = ARG;
        mem1.writeU64(op, 5);
        mem1.writeU16(op + XenH.GNTTAB_COPY_PTR_DOMID, 2);
        mem1.writeU16(op + XenH.GNTTAB_COPY_PTR_OFFSET, 100);
        mem1.writeU64(op + XenH.GNTTAB_COPY_DEST, 0x500);
        mem1.writeU16(op + XenH.GNTTAB_COPY_DEST + XenH.GNTTAB_COPY_PTR_DOMID, XenH.DOMID_SELF);
        mem1.writeU16(op + XenH.GNTTAB_COPY_DEST + XenH.GNTTAB_COPY_PTR_OFFSET, 0);
        mem1.writeU16(op + XenH.GNTTAB_COPY_LEN, 13);
        mem1.writeU16(op + XenH.GNTTAB_COPY_FLAGS, XenH.GNTCOPY_source_gref);
        assertThat(call(d1, XenH.__HYPERVISOR_grant_table_op, XenH.GNTTABOP_copy, op, 1)).isZero();
        assertThat((short) mem1.readU16(op + XenH.GNTTAB_COPY_STATUS)).isEqualTo((short) XenH.GNTST_okay);
        assertThat(new String(mem1.read(0x500 * 4096, 13))).isEqualTo("granted bytes");
        assertThat(mem2.readU16(entry) & (XenH.GTF_reading | XenH.GTF_writing)).as("the busy flags are cleared after").isZero();
        // Writing into the read-only grant is refused; so is a ref past the table, and a grant to someone else.
        mem1.writeU64(op, 0x500);
        mem1.writeU16(op + XenH.GNTTAB_COPY_PTR_DOMID, XenH.DOMID_SELF);
        mem1.writeU64(op + XenH.GNTTAB_COPY_DEST, 5);
        mem1.writeU16(op + XenH.GNTTAB_COPY_DEST + XenH.GNTTAB_COPY_PTR_DOMID, 2);
        mem1.writeU16(op + XenH.GNTTAB_COPY_FLAGS, XenH.GNTCOPY_dest_gref);
        assertThat(call(d1, XenH.__HYPERVISOR_grant_table_op, XenH.GNTTABOP_copy, op, 1)).isZero();
        assertThat((short) mem1.readU16(op + XenH.GNTTAB_COPY_STATUS)).isEqualTo((short) XenH.GNTST_permission_denied);
        mem1.writeU64(op + XenH.GNTTAB_COPY_DEST, 9999);
        call(d1, XenH.__HYPERVISOR_grant_table_op, XenH.GNTTABOP_copy, op, 1);
        assertThat((short) mem1.readU16(op + XenH.GNTTAB_COPY_STATUS)).isEqualTo((short) XenH.GNTST_bad_gntref);
        mem2.writeU16(entry + 2, 7);
        assertThat(d2.grantTable().read(1, 5, 0, 4).status()).isEqualTo(XenH.GNTST_permission_denied);
        mem1.writeU16(op + XenH.GNTTAB_COPY_LEN, 4000);
        mem1.writeU16(op + XenH.GNTTAB_COPY_PTR_OFFSET, 200);
        call(d1, XenH.__HYPERVISOR_grant_table_op, XenH.GNTTABOP_copy, op, 1);
        assertThat((short) mem1.readU16(op + XenH.GNTTAB_COPY_STATUS)).as("offset + len past the page")
                .isEqualTo((short) XenH.GNTST_bad_copy_arg);
        assertThat(call(d1, XenH.__HYPERVISOR_grant_table_op, XenH.GNTTABOP_copy, op, 1 << 20)).isEqualTo(-XenH.EINVAL);
        assertThat(new String(mem2.read(0x400 * 4096 + 100, 13))).as("the granting domain's data is untouched")
                .isEqualTo("granted bytes");
    }

    @Test
    void theMemoryMapIsTheOneTheDomainBootedWithAndBalloonedPagesComeBackAsZeros() {
        List<AddressMap.MapEntry> booted = new AddressMap(16 * AddressMap.MIB).memoryMap();
        d1.memoryMap(booted);
        mem1.writeU32(ARG, 8);
        mem1.writeU64(ARG + XenH.XEN_MEMORY_MAP_BUFFER, ARG + 64);
        assertThat(call(d1, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_memory_map, ARG, 0)).isZero();
        int n = mem1.readU32(ARG);
        assertThat(n).isEqualTo(booted.size());
        long ram = 0;
        for (int i = 0; i < n; i++) {
            long start = mem1.readU64(ARG + 64 + 20L * i);
            long size = mem1.readU64(ARG + 64 + 20L * i + 8);
            int type = mem1.readU32(ARG + 64 + 20L * i + 16);
            assertThat(new AddressMap.MapEntry(start, size, type)).isEqualTo(booted.get(i));
            ram += type == 1 ? size : 0;
        }
        assertThat(ram).as("usable RAM adds up to the domain's memory").isEqualTo(16 * AddressMap.MIB);
        mem1.writeU32(ARG, 5000);
        assertThat(call(d1, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_memory_map, ARG, 0)).isEqualTo(-XenH.EINVAL);
        // Balloon out two pages (one is outside RAM: the call stops there) and back in.
        mem1.write(0x400 * 4096, new byte[] {7, 7, 7});
        long list = ARG + 256;
        mem1.writeU64(list, 0x400);
        mem1.writeU64(list + 8, 0x7FFF_FFFFL);
        mem1.writeU64(ARG, list);
        mem1.writeU64(ARG + XenH.XEN_MEMORY_RESERVATION_NR_EXTENTS, 2);
        mem1.writeU32(ARG + XenH.XEN_MEMORY_RESERVATION_EXTENT_ORDER, 0);
        mem1.writeU16(ARG + XenH.XEN_MEMORY_RESERVATION_DOMID, XenH.DOMID_SELF);
        assertThat(call(d1, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_decrease_reservation, ARG, 0)).isEqualTo(1);
        assertThat(mem1.read(0x400 * 4096, 3)).containsOnly(0);
        mem1.writeU64(ARG + XenH.XEN_MEMORY_RESERVATION_NR_EXTENTS, 1);
        assertThat(call(d1, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_populate_physmap, ARG, 0)).isEqualTo(1);
        mem1.writeU32(ARG + XenH.XEN_MEMORY_RESERVATION_EXTENT_ORDER, 30);
        assertThat(call(d1, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_decrease_reservation, ARG, 0)).isEqualTo(-XenH.EINVAL);
        mem1.writeU32(ARG + XenH.XEN_MEMORY_RESERVATION_EXTENT_ORDER, 0);
        mem1.writeU16(ARG + XenH.XEN_MEMORY_RESERVATION_DOMID, 2);
        assertThat(call(d1, XenH.__HYPERVISOR_memory_op, XenH.XENMEM_decrease_reservation, ARG, 0)).isEqualTo(-XenH.EPERM);
    }

    /** Whatever a guest passes, a hypercall returns a value (0, a result or a negated errno) and nothing escapes. */
    @Property(tries = 2000)
    void randomHypercallsNeverThrowAndLeaveOtherDomainsAlone(@ForAll("numbers") int nr, @ForAll("commands") long cmd,
            @ForAll long a2, @ForAll long a3) {
        byte[] before = mem2.read(0, 4096);
        long r = h.call(d1, 0, nr, cmd, a2 & 0xFF_FFFF, a3);
        assertThat(r).isBetween(-128L, Long.MAX_VALUE);
        assertThat(mem2.read(0, 4096)).isEqualTo(before);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> numbers() {
        return net.jqwik.api.Arbitraries.of(XenH.__HYPERVISOR_xen_version, XenH.__HYPERVISOR_console_io, XenH.__HYPERVISOR_sched_op,
                XenH.__HYPERVISOR_event_channel_op, XenH.__HYPERVISOR_grant_table_op, XenH.__HYPERVISOR_hvm_op,
                XenH.__HYPERVISOR_memory_op, 0, 40, 63);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> commands() {
        return net.jqwik.api.Arbitraries.longs().between(-2, 12);
    }
}
