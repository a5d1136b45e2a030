package org.jxen.xenstore.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

/**
 * A connection that stands for domain N, inside the daemon: requests come from a transport
 * the caller owns (a guest's XenStore ring, bridged by the Xen-ABI layer; or a test), and
 * replies and watch events go to {@code sink}. Unprivileged unless stated: relative paths
 * resolve under {@code /local/domain/N}, permissions are checked as domain N and quotas count
 * for it.
 *
 * <p>The {@code outstanding} quota works as in Xen's xenstored: replies the transport has not
 * yet passed on to the domain (its ring is full because the guest does not consume it) count
 * against the domain, and at the limit the transport stops taking requests from it
 * ({@link #canAccept}) until {@link #sent} reports replies gone. Nothing is refused: the guest
 * just waits, and the daemon holds at most that many replies for it.
 */
public final class DomainConnection extends Connection {
    private final XenstoreServer server;
    private final Consumer<XsPacket> sink;
    /** Replies handed to the sink and not yet reported sent. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Consumer<XsPacket> output = this::toSink;

    public DomainConnection(XenstoreServer server, int domid, boolean privileged, Consumer<XsPacket> sink) {
        super(domid, privileged, "domain " + domid);
        this.server = server;
        this.sink = sink;
        server.connect(this);
    }

    /**
     * Sends one request; its reply, and the events it fires for this domain, reach the sink
     * before this returns. One transport thread calls this (a ring is read in order). The sink
     * may call {@link #sent} and {@link #canAccept} (they take no lock).
     *
     * @throws IllegalStateException when closed, or when {@link #canAccept} is false: the
     *     transport must leave the request where it is until replies have been sent
     */
    public void request(XsPacket packet) {
        if (isClosed()) {
            throw new IllegalStateException(this + " is closed");
        }
        if (!canAccept()) {
            throw new IllegalStateException(this + " has " + outstanding.get() + " replies outstanding (quota "
                    + server.quota().outstanding() + "); wait for sent()");
        }
        server.handle(this, packet, output);
    }

    /** The request's reply (counted as outstanding) and the domain's own events, to the sink. */
    private void toSink(XsPacket p) {
        if (p.op() != XsOp.WATCH_EVENT) {
            outstanding.incrementAndGet();
        }
        sink.accept(p);
    }

    /**
     * Whether the transport may take another request from the domain: always for a privileged
     * domain, else while fewer than the {@code outstanding} quota of its replies wait to be sent.
     */
    public boolean canAccept() {
        return privileged() || outstanding.get() < server.quota().outstanding();
    }

    /**
     * The transport reports a packet from the sink passed on to the domain. Watch events are
     * not counted (they have their own bound in the transport).
     */
    public void sent(XsPacket packet) {
        if (packet.op() != XsOp.WATCH_EVENT) {
            outstanding.getAndUpdate(n -> n > 0 ? n - 1 : 0);
        }
    }

    /** Replies handed to the sink and not yet reported sent. */
    public int outstanding() {
        return outstanding.get();
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
