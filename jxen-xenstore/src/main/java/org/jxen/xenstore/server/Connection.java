package org.jxen.xenstore.server;

import java.util.HashMap;
import java.util.Map;

import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Paths;
import org.jxen.xenstore.store.Transaction;
import org.jxen.xenstore.wire.XsPacket;

/**
 * One client of the store: a process on the Unix socket (privileged, acting as Dom0), or a
 * domain (unprivileged, relative paths under its home, quotas counted for it). The server keeps
 * its watches and transactions; the transport only moves packets.
 *
 * <p>Threads: {@link #deliverEvent} may be called from any connection's thread (watch events);
 * implementations must not block there.
 */
public abstract class Connection {
    private final int domid;
    private final boolean privileged;
    private final String name;
    final Map<Integer, Transaction> transactions = new HashMap<>();
    volatile boolean closed;

    protected Connection(int domid, boolean privileged, String name) {
        if (domid < 0 || domid > 0xffff) {
            throw new IllegalArgumentException("domid: " + domid + " (expected: 0..65535)");
        }
        this.domid = domid;
        this.privileged = privileged;
        this.name = name;
    }

    public int domid() {
        return domid;
    }

    public boolean privileged() {
        return privileged;
    }

    /** The base of relative paths: {@code /local/domain/<domid>}. */
    public String home() {
        return Paths.domainPath(domid);
    }

    Caller caller(int target) {
        return new Caller(domid, privileged, target);
    }

    /**
     * Queues a watch event for the client (replies are returned by {@link XenstoreServer#handle}). Must not block; a transport
     * that cannot keep up closes the connection instead of buffering without bound.
     */
    protected abstract void deliverEvent(XsPacket packet);

    /** Ends the transport (the server has already forgotten the connection's state). */
    protected abstract void shutdownTransport();

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return name + " (domain " + domid + (privileged ? ", privileged" : "") + ")";
    }
}
