/**
 * The Xen guest ABI served on KVM: {@code xen.abi} (numbers and layouts from
 * {@code /usr/include/xen/**}), {@code xen.shinfo} (the shared info page), {@code xen.evtchn}
 * (2-level event channels), {@code xen.gnttab} (grant tables v1) and {@code xen.hypercall}
 * (the dispatch table), {@code xen.xenbus} (the XenStore and console rings). Pure models over guest memory: no KVM calls, no threads of their own.
 */
module org.jxen.xen {
    requires transitive org.jxen.vmm;
    requires transitive org.jxen.xenstore;
    exports org.jxen.xen.abi;
    exports org.jxen.xen.shinfo;
    exports org.jxen.xen.evtchn;
    exports org.jxen.xen.gnttab;
    exports org.jxen.xen.hypercall;
    exports org.jxen.xen.hvm;
    exports org.jxen.xen.xenbus;
    exports org.jxen.xen.backend;
    exports org.jxen.xen.backend.vbd;
    exports org.jxen.xen.backend.vif;
}
