package org.jxen.xenstore.server;

import java.util.function.Consumer;

import org.jxen.xenstore.wire.XsPacket;

/**
 * A connection that stands for domain N, inside the daemon: requests come from a transport
 * the caller owns (a guest's XenStore ring, bridged by the Xen-ABI layer; or a test), and
 * replies and watch events go to {@code sink}. Unprivileged unless stated: relative paths
 * resolve under {@code /local/domain/N}, permissions are checked as domain N and quotas count
 * for it.
 */
public final class DomainConnection extends Connection {
    private final XenstoreServer server;
    private final Consumer<XsPacket> sink;

    public DomainConnection(XenstoreServer server, int domid, boolean privileged, Consumer<XsPacket> sink) {
        super(domid, privileged, "domain " + domid);
        this.server = server;
        this.sink = sink;
        server.connect(this);
    }

    /** Sends one request; the reply reaches the sink before this returns. */
    public void request(XsPacket packet) {
        if (isClosed()) {
            throw new IllegalStateException(this + " is closed");
        }
        sink.accept(server.handle(this, packet));
    }

    @Override
    protected void deliverEvent(XsPacket packet) {
        sink.accept(packet);
    }

    /** Ends the connection: its watches and transactions go. */
    public void close() {
        server.disconnect(this);
    }

    @Override
    protected void shutdownTransport() {
    }
}
