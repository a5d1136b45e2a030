/**
 * FFM bindings to libc and Linux. This is the only jxen module that makes restricted
 * native calls; run it with {@code --enable-native-access=org.jxen.sys}.
 */
module org.jxen.sys {
    exports org.jxen.sys;
    exports org.jxen.sys.ioc;
    exports org.jxen.sys.net;
}
