package org.jxen.xenstore.server;

import java.util.Map;
import java.util.TreeMap;

/**
 * The domains xenstored talks to (XS_INTRODUCE / XS_RELEASE), their XS_SET_TARGET, and
 * whether their @releaseDomain has been sent (XS_RESUME re-arms it). Domain 0 is always
 * introduced.
 *
 * <p>Threads: under the server's store lock.
 */
final class Domains {
    /** One introduced domain: the page and event channel Xen's INTRODUCE names. */
    record Domain(int domid, long mfn, int evtchn, int target, boolean releaseSent) {}

    private final Map<Integer, Domain> domains = new TreeMap<>();

    boolean introduced(int domid) {
        return domid == 0 || domains.containsKey(domid);
    }

    void introduce(int domid, long mfn, int evtchn) {
        Domain old = domains.get(domid);
        domains.put(domid, new Domain(domid, mfn, evtchn, old == null ? -1 : old.target(), false));
    }

    boolean release(int domid) {
        return domains.remove(domid) != null;
    }

    boolean resume(int domid) {
        Domain d = domains.get(domid);
        if (d == null) {
            return false;
        }
        domains.put(domid, new Domain(domid, d.mfn(), d.evtchn(), d.target(), false));
        return true;
    }

    boolean setTarget(int domid, int target) {
        Domain d = domains.get(domid);
        if (d == null) {
            return false;
        }
        domains.put(domid, new Domain(domid, d.mfn(), d.evtchn(), target, d.releaseSent()));
        return true;
    }

    int target(int domid) {
        Domain d = domains.get(domid);
        return d == null ? -1 : d.target();
    }

    int count() {
        return domains.size() + 1;
    }
}
