package org.jxen.xen.abi;

/**
 * The Xen ABI numbers jxen serves, named as in Xen's public headers (Debian's libxen-dev,
 * Xen 4.17, with {@code __XEN_INTERFACE_VERSION__} the latest, as guests build), each group
 * with its header; {@code XenHTest} checks every one against the
 * installed headers with a compiled probe. Layout offsets are for x86_64.
 */
@SuppressWarnings("checkstyle:ConstantName")
public final class XenH {
    private XenH() {}

    // --- xen/xen.h: hypercall numbers ---
    public static final int __HYPERVISOR_memory_op = 12;
    public static final int __HYPERVISOR_xen_version = 17;
    public static final int __HYPERVISOR_console_io = 18;
    public static final int __HYPERVISOR_grant_table_op = 20;
    public static final int __HYPERVISOR_vcpu_op = 24;
    public static final int __HYPERVISOR_sched_op = 29;
    public static final int __HYPERVISOR_event_channel_op = 32;
    public static final int __HYPERVISOR_physdev_op = 33;
    public static final int __HYPERVISOR_hvm_op = 34;

    // --- xen/xen.h: console_io commands, VIRQs, domain ids ---
    public static final int CONSOLEIO_write = 0;
    public static final int CONSOLEIO_read = 1;
    public static final int VIRQ_TIMER = 0;
    public static final int VIRQ_DEBUG = 1;
    public static final int VIRQ_CONSOLE = 2;
    public static final int NR_VIRQS = 24;
    public static final int DOMID_SELF = 0x7FF0;
    public static final int XEN_LEGACY_MAX_VCPUS = 32;

    // --- xen/errno.h (returned negated) ---
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;

    // --- xen/version.h ---
    public static final int XENVER_version = 0;
    public static final int XENVER_extraversion = 1;
    public static final int XENVER_capabilities = 3;
    public static final int XENVER_get_features = 6;
    /** sizeof(xen_extraversion_t) and sizeof(xen_capabilities_info_t). */
    public static final int XEN_EXTRAVERSION_LEN = 16;
    public static final int XEN_CAPABILITIES_INFO_LEN = 1024;

    // --- xen/sched.h ---
    public static final int SCHEDOP_yield = 0;
    public static final int SCHEDOP_block = 1;
    public static final int SCHEDOP_shutdown = 2;
    public static final int SCHEDOP_poll = 3;
    public static final int SHUTDOWN_poweroff = 0;
    public static final int SHUTDOWN_reboot = 1;
    public static final int SHUTDOWN_suspend = 2;
    public static final int SHUTDOWN_crash = 3;
    public static final int SHUTDOWN_watchdog = 4;

    // --- xen/event_channel.h ---
    public static final int EVTCHNOP_bind_interdomain = 0;
    public static final int EVTCHNOP_bind_virq = 1;
    public static final int EVTCHNOP_close = 3;
    public static final int EVTCHNOP_send = 4;
    public static final int EVTCHNOP_status = 5;
    public static final int EVTCHNOP_alloc_unbound = 6;
    public static final int EVTCHNOP_bind_ipi = 7;
    public static final int EVTCHNOP_bind_vcpu = 8;
    public static final int EVTCHNOP_unmask = 9;
    public static final int EVTCHNSTAT_closed = 0;
    public static final int EVTCHNSTAT_unbound = 1;
    public static final int EVTCHNSTAT_interdomain = 2;
    public static final int EVTCHNSTAT_pirq = 3;
    public static final int EVTCHNSTAT_virq = 4;
    public static final int EVTCHNSTAT_ipi = 5;

    // --- xen/grant_table.h ---
    public static final int GNTTABOP_setup_table = 2;
    public static final int GNTTABOP_copy = 5;
    public static final int GNTTABOP_query_size = 6;
    public static final int GTF_permit_access = 1;
    public static final int GTF_type_mask = 3;
    public static final int GTF_readonly = 1 << 2;
    public static final int GTF_reading = 1 << 3;
    public static final int GTF_writing = 1 << 4;
    public static final int GNTCOPY_source_gref = 1 << 0;
    public static final int GNTCOPY_dest_gref = 1 << 1;
    public static final int GNTST_okay = 0;
    public static final int GNTST_general_error = -1;
    public static final int GNTST_bad_domain = -2;
    public static final int GNTST_bad_gntref = -3;
    public static final int GNTST_bad_virt_addr = -5;
    public static final int GNTST_bad_copy_arg = -10;
    public static final int GNTST_permission_denied = -8;

    // --- xen/hvm/hvm_op.h, xen/hvm/params.h ---
    public static final int HVMOP_set_param = 0;
    public static final int HVMOP_get_param = 1;
    public static final int HVM_PARAM_CALLBACK_IRQ = 0;
    public static final int HVM_PARAM_STORE_PFN = 1;
    public static final int HVM_PARAM_STORE_EVTCHN = 2;
    public static final int HVM_PARAM_CONSOLE_PFN = 17;
    public static final int HVM_PARAM_CONSOLE_EVTCHN = 18;
    public static final int HVM_NR_PARAMS = 39;

    // --- xen/memory.h ---
    public static final int XENMEM_increase_reservation = 0;
    public static final int XENMEM_decrease_reservation = 1;
    public static final int XENMEM_populate_physmap = 6;
    public static final int XENMEM_add_to_physmap = 7;
    public static final int XENMEM_memory_map = 9;
    /** struct xen_memory_reservation: extent_start, nr_extents, extent_order, mem_flags, domid. */
    public static final int XEN_MEMORY_RESERVATION_SIZE = 32;
    public static final int XEN_MEMORY_RESERVATION_NR_EXTENTS = 8;
    public static final int XEN_MEMORY_RESERVATION_EXTENT_ORDER = 16;
    public static final int XEN_MEMORY_RESERVATION_DOMID = 24;
    /** struct xen_memory_map: nr_entries, buffer. */
    public static final int XEN_MEMORY_MAP_SIZE = 16;
    public static final int XEN_MEMORY_MAP_BUFFER = 8;
    public static final int XENMAPSPACE_shared_info = 0;
    public static final int XENMAPSPACE_grant_table = 1;

    // --- struct layouts (x86_64) ---
    /** sizeof(struct vcpu_info); offsets of evtchn_upcall_pending, evtchn_upcall_mask, evtchn_pending_sel. */
    public static final int VCPU_INFO_SIZE = 64;
    public static final int VCPU_INFO_UPCALL_PENDING = 0;
    public static final int VCPU_INFO_UPCALL_MASK = 1;
    public static final int VCPU_INFO_PENDING_SEL = 8;
    /** offsetof(struct shared_info, evtchn_pending), (..., evtchn_mask). */
    public static final int SHARED_INFO_EVTCHN_PENDING = 2048;
    public static final int SHARED_INFO_EVTCHN_MASK = 2560;
    /** Ports in 2-level event channels on 64-bit: 64 words of 64 bits (EVTCHN_2L_NR_CHANNELS). */
    public static final int EVTCHN_2L_NR_CHANNELS = 4096;
    /** sizeof(grant_entry_v1_t): flags (u16), domid (u16), frame (u32). */
    public static final int GRANT_ENTRY_V1_SIZE = 8;
    /** sizeof(struct gnttab_copy) and its fields' offsets. */
    public static final int GNTTAB_COPY_SIZE = 40;
    public static final int XEN_PAGE_SIZE = 4096;

    // --- xen/features.h ---
    public static final int XENFEAT_hvm_callback_vector = 8;
    // --- xen/hvm/params.h: the callback's type in bits 63:56 of HVM_PARAM_CALLBACK_IRQ ---
    public static final int HVM_PARAM_CALLBACK_TYPE_VECTOR = 2;

    // --- xen/io/xs_wire.h: struct xenstore_domain_interface ---
    public static final int XENSTORE_RING_SIZE = 1024;
    public static final int XENSTORE_ERROR_NONE = 0;
    public static final int XENSTORE_ERROR_COMM = 1;
    public static final int XENSTORE_ERROR_RINGIDX = 2;
    public static final int XENSTORE_ERROR_PROTO = 3;
    public static final int XS_REQ = 0;
    public static final int XS_RSP = 1024;
    public static final int XS_REQ_CONS = 2048;
    public static final int XS_REQ_PROD = 2052;
    public static final int XS_RSP_CONS = 2056;
    public static final int XS_RSP_PROD = 2060;
    public static final int XS_SERVER_FEATURES = 2064;
    public static final int XS_CONNECTION = 2068;
    public static final int XS_ERROR = 2072;

    // --- xen/io/console.h: struct xencons_interface ---
    public static final int XENCONS_IN = 0;
    public static final int XENCONS_IN_SIZE = 1024;
    public static final int XENCONS_OUT = 1024;
    public static final int XENCONS_OUT_SIZE = 2048;
    public static final int XENCONS_IN_CONS = 3072;
    public static final int XENCONS_IN_PROD = 3076;
    public static final int XENCONS_OUT_CONS = 3080;
    public static final int XENCONS_OUT_PROD = 3084;

    // --- xen/io/blkif.h and xen/io/ring.h (x86_64) ---
    public static final int BLKIF_OP_READ = 0;
    public static final int BLKIF_OP_WRITE = 1;
    public static final int BLKIF_OP_FLUSH_DISKCACHE = 3;
    public static final int BLKIF_OP_DISCARD = 5;
    public static final int BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
    public static final int BLKIF_RSP_EOPNOTSUPP = -2;
    public static final int BLKIF_RSP_ERROR = -1;
    public static final int BLKIF_RSP_OKAY = 0;
    /** offsetof(struct blkif_sring, ring): the entries after req_prod, req_event, rsp_prod, rsp_event and padding. */
    public static final int BLKIF_SRING_RING = 64;
    public static final int BLKIF_SRING_REQ_PROD = 0;
    public static final int BLKIF_SRING_REQ_EVENT = 4;
    public static final int BLKIF_SRING_RSP_PROD = 8;
    public static final int BLKIF_SRING_RSP_EVENT = 12;
    /** sizeof(union blkif_sring_entry), and the number of entries in one page. */
    public static final int BLKIF_SRING_ENTRY = 112;
    public static final int BLKIF_RING_SIZE = 32;
    public static final int BLKIF_REQ_NR_SEGMENTS = 1;
    public static final int BLKIF_REQ_HANDLE = 2;
    public static final int BLKIF_REQ_ID = 8;
    public static final int BLKIF_REQ_SECTOR = 16;
    public static final int BLKIF_REQ_SEG = 24;
    /** sizeof(struct blkif_request_segment): gref, first_sect, last_sect (and padding). */
    public static final int BLKIF_SEG_SIZE = 8;
    public static final int BLKIF_DISCARD_NR_SECTORS = 24;
    public static final int BLKIF_RSP_ID = 0;
    public static final int BLKIF_RSP_OPERATION = 8;
    public static final int BLKIF_RSP_STATUS = 10;

    // --- xen/io/netif.h (x86_64) ---
    public static final int NETTXF_csum_blank = 1;
    public static final int NETTXF_data_validated = 2;
    public static final int NETTXF_more_data = 4;
    public static final int NETTXF_extra_info = 8;
    public static final int NETIF_RSP_DROPPED = -2;
    public static final int NETIF_RSP_ERROR = -1;
    public static final int NETIF_RSP_OKAY = 0;
    public static final int NETIF_RSP_NULL = 1;
    public static final int XEN_NETIF_NR_SLOTS_MIN = 18;
    public static final int XEN_NETIF_MAX_TX_SIZE = 0xFFFF;
    public static final int NETIF_TX_RING_SIZE = 256;
    public static final int NETIF_RX_RING_SIZE = 256;
    /** sizeof(union netif_tx_sring_entry), sizeof(union netif_rx_sring_entry). */
    public static final int NETIF_TX_ENTRY = 12;
    public static final int NETIF_RX_ENTRY = 8;
    public static final int NETIF_TX_REQ_OFFSET = 4;
    public static final int NETIF_TX_REQ_FLAGS = 6;
    public static final int NETIF_TX_REQ_ID = 8;
    public static final int NETIF_TX_REQ_SIZE = 10;
    public static final int NETIF_TX_RSP_STATUS = 2;
    public static final int NETIF_RX_REQ_GREF = 4;
    public static final int NETIF_RX_RSP_OFFSET = 2;
    public static final int NETIF_RX_RSP_FLAGS = 4;
    public static final int NETIF_RX_RSP_STATUS = 6;

    // --- xen/vcpu.h ---
    public static final int VCPUOP_up = 1;
    public static final int VCPUOP_down = 2;
    public static final int VCPUOP_is_up = 3;
    public static final int VCPUOP_set_periodic_timer = 6;
    public static final int VCPUOP_stop_periodic_timer = 7;
    public static final int VCPUOP_set_singleshot_timer = 8;
    public static final int VCPUOP_stop_singleshot_timer = 9;
    public static final int VCPUOP_register_vcpu_info = 10;
    public static final int VCPU_SSHOTTMR_future = 1;
    public static final int ETIME = 62;

    // --- xen/arch-x86/cpuid.h ---
    public static final int XEN_CPUID_FIRST_LEAF = 0x40000000;
    public static final int XEN_CPUID_SIGNATURE_EBX = 0x566e6558;
    public static final int XEN_CPUID_SIGNATURE_ECX = 0x65584d4d;
    public static final int XEN_CPUID_SIGNATURE_EDX = 0x4d4d566e;
    public static final int XEN_CPUID_MAX_NUM_LEAVES = 5;
    public static final int XEN_HVM_CPUID_VCPU_ID_PRESENT = 1 << 3;
    public static final int XEN_HVM_CPUID_DOMID_PRESENT = 1 << 4;
    public static final int XEN_HVM_CPUID_UPCALL_VECTOR = 1 << 6;

    // --- argument structs of the hypercalls (x86_64 offsets and sizes; checked in XenHTest) ---
    public static final int EVTCHN_ALLOC_UNBOUND_SIZE = 8;
    public static final int EVTCHN_ALLOC_UNBOUND_REMOTE_DOM = 2;
    public static final int EVTCHN_ALLOC_UNBOUND_PORT = 4;
    public static final int EVTCHN_BIND_INTERDOMAIN_SIZE = 12;
    public static final int EVTCHN_BIND_INTERDOMAIN_REMOTE_PORT = 4;
    public static final int EVTCHN_BIND_INTERDOMAIN_LOCAL_PORT = 8;
    public static final int EVTCHN_BIND_VIRQ_SIZE = 12;
    public static final int EVTCHN_BIND_VIRQ_PORT = 8;
    public static final int EVTCHN_BIND_IPI_SIZE = 8;
    public static final int EVTCHN_BIND_IPI_PORT = 4;
    public static final int EVTCHN_STATUS_SIZE = 24;
    public static final int EVTCHN_STATUS_PORT = 4;
    public static final int EVTCHN_STATUS_STATUS = 8;
    public static final int EVTCHN_STATUS_VCPU = 12;
    public static final int EVTCHN_STATUS_U = 16;
    public static final int EVTCHN_STATUS_INTERDOMAIN_PORT = 20;
    public static final int EVTCHN_BIND_VCPU_SIZE = 8;
    public static final int GNTTAB_QUERY_SIZE_SIZE = 16;
    public static final int GNTTAB_QUERY_SIZE_NR_FRAMES = 4;
    public static final int GNTTAB_QUERY_SIZE_MAX_NR_FRAMES = 8;
    public static final int GNTTAB_QUERY_SIZE_STATUS = 12;
    public static final int GNTTAB_SETUP_TABLE_SIZE = 24;
    public static final int GNTTAB_SETUP_TABLE_NR_FRAMES = 4;
    public static final int GNTTAB_SETUP_TABLE_STATUS = 8;
    public static final int GNTTAB_SETUP_TABLE_FRAME_LIST = 16;
    public static final int GNTTAB_COPY_DEST = 16;
    public static final int GNTTAB_COPY_PTR_DOMID = 8;
    public static final int GNTTAB_COPY_PTR_OFFSET = 10;
    public static final int GNTTAB_COPY_LEN = 32;
    public static final int GNTTAB_COPY_FLAGS = 34;
    public static final int GNTTAB_COPY_STATUS = 36;
    public static final int XEN_HVM_PARAM_SIZE = 16;
    public static final int XEN_HVM_PARAM_INDEX = 4;
    public static final int XEN_HVM_PARAM_VALUE = 8;
    public static final int XEN_ADD_TO_PHYSMAP_SIZE = 24;
    public static final int XEN_ADD_TO_PHYSMAP_SPACE = 4;
    public static final int XEN_ADD_TO_PHYSMAP_IDX = 8;
    public static final int XEN_ADD_TO_PHYSMAP_GPFN = 16;
}
