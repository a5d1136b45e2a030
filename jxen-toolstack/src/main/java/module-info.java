/**
 * The toolstack: what libxl and libxlu do for Xen's {@code xl}. {@code toolstack.config} (the
 * xl.cfg language, JDK only), {@code toolstack.domain} (domains and their lifecycle),
 * {@code toolstack.daemon} (jxend) and {@code toolstack.api} (its HTTP control API).
 */
module org.jxen.toolstack {
    requires transitive org.jxen.vmm;
    requires transitive org.jxen.xenstore;
    requires com.fasterxml.jackson.databind;
    requires jdk.net;
    requires org.jxen.sys;
    exports org.jxen.toolstack.config;
    exports org.jxen.toolstack.domain;
    exports org.jxen.toolstack.daemon;
    exports org.jxen.toolstack.api;
}
