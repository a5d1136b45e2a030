/** Network backends: a domain's vif as a TAP interface on a bridge. No VMM inside (DESIGN.md, layer "net"). */
module org.jxen.net {
    requires transitive org.jxen.sys;
    exports org.jxen.net;
}
