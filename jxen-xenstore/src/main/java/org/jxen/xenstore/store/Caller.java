package org.jxen.xenstore.store;

/**
 * Who makes a request: a domain id and whether it is privileged (Dom0 and connections over the
 * Unix socket are), and the domain it targets, if any (XS_SET_TARGET: a device model acting for
 * its guest), else -1.
 */
public record Caller(int domid, boolean privileged, int target) {
    public static final Caller DOM0 = new Caller(0, true, -1);

    public static Caller domain(int domid) {
        return new Caller(domid, false, -1);
    }
}
