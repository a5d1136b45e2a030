/**
 * XenStore as Xen's xenstored serves it: the store, the {@code xen/io/xs_wire.h} protocol, the
 * Unix-socket server ({@code jxen-xenstored}) and a client. Depends on no other jxen module.
 */
module org.jxen.xenstore {
    requires info.picocli;
    exports org.jxen.xenstore.wire;
    exports org.jxen.xenstore.store;
    exports org.jxen.xenstore.server;
    exports org.jxen.xenstore.client;
    opens org.jxen.xenstore.server to info.picocli;
}
