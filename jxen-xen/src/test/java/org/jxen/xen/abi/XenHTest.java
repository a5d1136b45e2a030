package org.jxen.xen.abi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.CProbe;
import org.junit.jupiter.api.Test;

/** Every number in {@link XenH}, against Xen's installed public headers, compiled by gcc. */
class XenHTest {
    /**
     * As a guest builds against them: the latest interface (without it, xen-compat.h maps
     * sched_op, event_channel_op and physdev_op to their old numbers).
     */
    static final List<String> INCLUDES = List.of("#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__",
            "stdint.h", "xen/xen.h", "xen/errno.h", "xen/version.h", "xen/sched.h",
            "xen/event_channel.h", "xen/grant_table.h", "xen/hvm/hvm_op.h", "xen/hvm/params.h", "xen/memory.h", "xen/features.h", "stddef.h", "xen/io/xs_wire.h", "xen/io/console.h", "xen/io/blkif.h", "xen/io/netif.h", "xen/arch-x86/cpuid.h", "xen/vcpu.h");

    /** The C expression for a constant whose name is not itself a C name. */
    static final Map<String, String> EXPRESSIONS = Map.ofEntries(
            Map.entry("EPERM", "XEN_EPERM"), Map.entry("ENOENT", "XEN_ENOENT"), Map.entry("ESRCH", "XEN_ESRCH"),
            Map.entry("EFAULT", "XEN_EFAULT"), Map.entry("EBUSY", "XEN_EBUSY"), Map.entry("EEXIST", "XEN_EEXIST"),
            Map.entry("EINVAL", "XEN_EINVAL"), Map.entry("ENOSPC", "XEN_ENOSPC"), Map.entry("ENOSYS", "XEN_ENOSYS"),
            Map.entry("EOPNOTSUPP", "XEN_EOPNOTSUPP"), Map.entry("ETIME", "XEN_ETIME"),
            Map.entry("XEN_EXTRAVERSION_LEN", "sizeof(xen_extraversion_t)"),
            Map.entry("XEN_CAPABILITIES_INFO_LEN", "sizeof(xen_capabilities_info_t)"),
            Map.entry("VCPU_INFO_SIZE", "sizeof(struct vcpu_info)"),
            Map.entry("VCPU_INFO_UPCALL_PENDING", "offsetof(struct vcpu_info, evtchn_upcall_pending)"),
            Map.entry("VCPU_INFO_UPCALL_MASK", "offsetof(struct vcpu_info, evtchn_upcall_mask)"),
            Map.entry("VCPU_INFO_PENDING_SEL", "offsetof(struct vcpu_info, evtchn_pending_sel)"),
            Map.entry("SHARED_INFO_EVTCHN_PENDING", "offsetof(struct shared_info, evtchn_pending)"),
            Map.entry("SHARED_INFO_EVTCHN_MASK", "offsetof(struct shared_info, evtchn_mask)"),
            Map.entry("EVTCHN_2L_NR_CHANNELS", "(sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)"),
            Map.entry("GRANT_ENTRY_V1_SIZE", "sizeof(grant_entry_v1_t)"),
            Map.entry("GNTTAB_COPY_SIZE", "sizeof(struct gnttab_copy)"),
            Map.entry("XEN_PAGE_SIZE", "4096"),
            Map.entry("BLKIF_SRING_RING", "offsetof(struct blkif_sring, ring)"),
            Map.entry("BLKIF_SRING_REQ_PROD", "offsetof(struct blkif_sring, req_prod)"),
            Map.entry("BLKIF_SRING_REQ_EVENT", "offsetof(struct blkif_sring, req_event)"),
            Map.entry("BLKIF_SRING_RSP_PROD", "offsetof(struct blkif_sring, rsp_prod)"),
            Map.entry("BLKIF_SRING_RSP_EVENT", "offsetof(struct blkif_sring, rsp_event)"),
            Map.entry("BLKIF_SRING_ENTRY", "sizeof(union blkif_sring_entry)"),
            Map.entry("BLKIF_RING_SIZE", "__CONST_RING_SIZE(blkif, 4096)"),
            Map.entry("BLKIF_REQ_NR_SEGMENTS", "offsetof(struct blkif_request, nr_segments)"),
            Map.entry("BLKIF_REQ_HANDLE", "offsetof(struct blkif_request, handle)"),
            Map.entry("BLKIF_REQ_ID", "offsetof(struct blkif_request, id)"),
            Map.entry("BLKIF_REQ_SECTOR", "offsetof(struct blkif_request, sector_number)"),
            Map.entry("BLKIF_REQ_SEG", "offsetof(struct blkif_request, seg)"),
            Map.entry("BLKIF_SEG_SIZE", "sizeof(struct blkif_request_segment)"),
            Map.entry("BLKIF_DISCARD_NR_SECTORS", "offsetof(struct blkif_request_discard, nr_sectors)"),
            Map.entry("BLKIF_RSP_ID", "offsetof(struct blkif_response, id)"),
            Map.entry("BLKIF_RSP_OPERATION", "offsetof(struct blkif_response, operation)"),
            Map.entry("BLKIF_RSP_STATUS", "offsetof(struct blkif_response, status)"),
            Map.entry("NETIF_TX_RING_SIZE", "__CONST_RING_SIZE(netif_tx, 4096)"),
            Map.entry("NETIF_RX_RING_SIZE", "__CONST_RING_SIZE(netif_rx, 4096)"),
            Map.entry("NETIF_TX_ENTRY", "sizeof(union netif_tx_sring_entry)"),
            Map.entry("NETIF_RX_ENTRY", "sizeof(union netif_rx_sring_entry)"),
            Map.entry("NETIF_TX_REQ_OFFSET", "offsetof(struct netif_tx_request, offset)"),
            Map.entry("NETIF_TX_REQ_FLAGS", "offsetof(struct netif_tx_request, flags)"),
            Map.entry("NETIF_TX_REQ_ID", "offsetof(struct netif_tx_request, id)"),
            Map.entry("NETIF_TX_REQ_SIZE", "offsetof(struct netif_tx_request, size)"),
            Map.entry("NETIF_TX_RSP_STATUS", "offsetof(struct netif_tx_response, status)"),
            Map.entry("NETIF_RX_REQ_GREF", "offsetof(struct netif_rx_request, gref)"),
            Map.entry("NETIF_RX_RSP_OFFSET", "offsetof(struct netif_rx_response, offset)"),
            Map.entry("NETIF_RX_RSP_FLAGS", "offsetof(struct netif_rx_response, flags)"),
            Map.entry("NETIF_RX_RSP_STATUS", "offsetof(struct netif_rx_response, status)"),
            Map.entry("XS_REQ", "offsetof(struct xenstore_domain_interface, req)"),
            Map.entry("XS_RSP", "offsetof(struct xenstore_domain_interface, rsp)"),
            Map.entry("XS_REQ_CONS", "offsetof(struct xenstore_domain_interface, req_cons)"),
            Map.entry("XS_REQ_PROD", "offsetof(struct xenstore_domain_interface, req_prod)"),
            Map.entry("XS_RSP_CONS", "offsetof(struct xenstore_domain_interface, rsp_cons)"),
            Map.entry("XS_RSP_PROD", "offsetof(struct xenstore_domain_interface, rsp_prod)"),
            Map.entry("XS_SERVER_FEATURES", "offsetof(struct xenstore_domain_interface, server_features)"),
            Map.entry("XS_CONNECTION", "offsetof(struct xenstore_domain_interface, connection)"),
            Map.entry("XS_ERROR", "offsetof(struct xenstore_domain_interface, error)"),
            Map.entry("XENCONS_IN", "offsetof(struct xencons_interface, in)"),
            Map.entry("XENCONS_IN_SIZE", "sizeof(((struct xencons_interface *)0)->in)"),
            Map.entry("XENCONS_OUT", "offsetof(struct xencons_interface, out)"),
            Map.entry("XENCONS_OUT_SIZE", "sizeof(((struct xencons_interface *)0)->out)"),
            Map.entry("XENCONS_IN_CONS", "offsetof(struct xencons_interface, in_cons)"),
            Map.entry("XENCONS_IN_PROD", "offsetof(struct xencons_interface, in_prod)"),
            Map.entry("XENCONS_OUT_CONS", "offsetof(struct xencons_interface, out_cons)"),
            Map.entry("XENCONS_OUT_PROD", "offsetof(struct xencons_interface, out_prod)"),
            Map.entry("EVTCHN_ALLOC_UNBOUND_SIZE", "sizeof(struct evtchn_alloc_unbound)"),
            Map.entry("EVTCHN_ALLOC_UNBOUND_REMOTE_DOM", "offsetof(struct evtchn_alloc_unbound, remote_dom)"),
            Map.entry("EVTCHN_ALLOC_UNBOUND_PORT", "offsetof(struct evtchn_alloc_unbound, port)"),
            Map.entry("EVTCHN_BIND_INTERDOMAIN_SIZE", "sizeof(struct evtchn_bind_interdomain)"),
            Map.entry("EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT", "offsetof(struct evtchn_bind_interdomain, remote_port)"),
            Map.entry("EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT", "offsetof(struct evtchn_bind_interdomain, local_port)"),
            Map.entry("EVTCHN_BIND_VIRQ_SIZE", "sizeof(struct evtchn_bind_virq)"),
            Map.entry("EVTCHN_BIND_VIRQ_PORT", "offsetof(struct evtchn_bind_virq, port)"),
            Map.entry("EVTCHN_BIND_IPI_SIZE", "sizeof(struct evtchn_bind_ipi)"),
            Map.entry("EVTCHN_BIND_IPI_PORT", "offsetof(struct evtchn_bind_ipi, port)"),
            Map.entry("EVTCHN_STATUS_SIZE", "sizeof(struct evtchn_status)"),
            Map.entry("EVTCHN_STATUS_PORT", "offsetof(struct evtchn_status, port)"),
            Map.entry("EVTCHN_STATUS_STATUS", "offsetof(struct evtchn_status, status)"),
            Map.entry("EVTCHN_STATUS_VCPU", "offsetof(struct evtchn_status, vcpu)"),
            Map.entry("EVTCHN_STATUS_U", "offsetof(struct evtchn_status, u)"),
            Map.entry("EVTCHN_STATUS_INTERDOMAIN_PORT", "offsetof(struct evtchn_status, u.interdomain.port)"),
            Map.entry("EVTCHN_BIND_VCPU_SIZE", "sizeof(struct evtchn_bind_vcpu)"),
            Map.entry("GNTTAB_QUERY_SIZE_SIZE", "sizeof(struct gnttab_query_size)"),
            Map.entry("GNTTAB_QUERY_SIZE_NR_FRAMES", "offsetof(struct gnttab_query_size, nr_frames)"),
            Map.entry("GNTTAB_QUERY_SIZE_MAX_NR_FRAMES", "offsetof(struct gnttab_query_size, max_nr_frames)"),
            Map.entry("GNTTAB_QUERY_SIZE_STATUS", "offsetof(struct gnttab_query_size, status)"),
            Map.entry("GNTTAB_SETUP_TABLE_SIZE", "sizeof(struct gnttab_setup_table)"),
            Map.entry("GNTTAB_SETUP_TABLE_NR_FRAMES", "offsetof(struct gnttab_setup_table, nr_frames)"),
            Map.entry("GNTTAB_SETUP_TABLE_STATUS", "offsetof(struct gnttab_setup_table, status)"),
            Map.entry("GNTTAB_SETUP_TABLE_FRAME_LIST", "offsetof(struct gnttab_setup_table, frame_list)"),
            Map.entry("GNTTAB_COPY_DEST", "offsetof(struct gnttab_copy, dest)"),
            Map.entry("GNTTAB_COPY_PTR_DOMID", "offsetof(struct gnttab_copy, source.domid)"),
            Map.entry("GNTTAB_COPY_PTR_OFFSET", "offsetof(struct gnttab_copy, source.offset)"),
            Map.entry("GNTTAB_COPY_LEN", "offsetof(struct gnttab_copy, len)"),
            Map.entry("GNTTAB_COPY_FLAGS", "offsetof(struct gnttab_copy, flags)"),
            Map.entry("GNTTAB_COPY_STATUS", "offsetof(struct gnttab_copy, status)"),
            Map.entry("XEN_HVM_PARAM_SIZE", "sizeof(struct xen_hvm_param)"),
            Map.entry("XEN_HVM_PARAM_INDEX", "offsetof(struct xen_hvm_param, index)"),
            Map.entry("XEN_HVM_PARAM_VALUE", "offsetof(struct xen_hvm_param, value)"),
            Map.entry("XEN_MEMORY_RESERVATION_SIZE", "sizeof(struct xen_memory_reservation)"),
            Map.entry("XEN_MEMORY_RESERVATION_NR_EXTENTS", "offsetof(struct xen_memory_reservation, nr_extents)"),
            Map.entry("XEN_MEMORY_RESERVATION_EXTENT_ORDER", "offsetof(struct xen_memory_reservation, extent_order)"),
            Map.entry("XEN_MEMORY_RESERVATION_DOMID", "offsetof(struct xen_memory_reservation, domid)"),
            Map.entry("XEN_MEMORY_MAP_SIZE", "sizeof(struct xen_memory_map)"),
            Map.entry("XEN_MEMORY_MAP_BUFFER", "offsetof(struct xen_memory_map, buffer)"),
            Map.entry("XEN_ADD_TO_PHYSMAP_SIZE", "sizeof(struct xen_add_to_physmap)"),
            Map.entry("XEN_ADD_TO_PHYSMAP_SPACE", "offsetof(struct xen_add_to_physmap, space)"),
            Map.entry("XEN_ADD_TO_PHYSMAP_IDX", "offsetof(struct xen_add_to_physmap, idx)"),
            Map.entry("XEN_ADD_TO_PHYSMAP_GPFN", "offsetof(struct xen_add_to_physmap, gpfn)"));

    @Test
    void everyConstantIsTheHeaders() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Field f : XenH.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                expected.put(EXPRESSIONS.getOrDefault(f.getName(), f.getName()), (long) f.getInt(null));
            }
        }
        Map<String, Long> actual = CProbe.values(INCLUDES, new ArrayList<>(expected.keySet()));
        assertThat(expected).hasSizeGreaterThan(90);
        assertThat(actual).containsExactlyEntriesOf(expected);
    }
}
