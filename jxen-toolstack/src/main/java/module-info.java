/**
 * The toolstack: what libxl and libxlu do for Xen's {@code xl}. So far {@code toolstack.config},
 * the xl.cfg language and the domain configuration it describes. Depends on the JDK only.
 */
module org.jxen.toolstack {
    exports org.jxen.toolstack.config;
}
