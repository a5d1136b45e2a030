package org.jxen.xen.xenbus;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import org.jxen.xen.abi.XenH;
import org.jxen.xenstore.server.DomainConnection;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.wire.XsDecoder;
import org.jxen.xenstore.wire.XsPacket;

/**
 * A guest's XenStore ring (xen/io/xs_wire.h, {@code struct xenstore_domain_interface}) bridged
 * to jxend's XenStore server as that domain's connection: requests the guest put in
 * {@code req} are read in order and handled, replies and watch events are written into
 * {@code rsp} as the guest makes room, and the guest is notified through its store event
 * channel. Indices are free-running 32-bit counters; each is read once, with acquire order,
 * before it is checked.
 *
 * <p>Bad rings end the connection with Xen's error code in {@code error}: indices that moved by
 * more than the ring ({@code XENSTORE_ERROR_RINGIDX}), a packet longer than the protocol allows
 * ({@code XENSTORE_ERROR_PROTO}), or a guest that leaves more than {@link #BACKLOG} bytes of
 * replies and events unread ({@code XENSTORE_ERROR_COMM}). The server and other domains carry on.
 *
 * <p>Threads: {@link #kick} from the thread serving the store port; watch events from any
 * thread; one lock orders them.
 */
public final class XenstoreRing implements AutoCloseable {
    /** Replies and events a guest may leave unread before its connection is dropped. */
    public static final int BACKLOG = 1 << 20;
    private static final VarHandle INDEX = ValueLayout.JAVA_INT.varHandle();
    private static final int MASK = XenH.XENSTORE_RING_SIZE - 1;

    private final MemorySegment page;
    private final Runnable notifyGuest;
    private final DomainConnection conn;
    private final XsDecoder decoder = new XsDecoder();
    private final ArrayDeque<Pending> out = new ArrayDeque<>();
    private int queuedBytes;
    private String broken;

    private record Pending(XsPacket packet, byte[] bytes, int[] written) {}

    /**
     * Bridges the ring in {@code page} (the guest's store page, HVM_PARAM_STORE_PFN) for domain
     * {@code domid}; {@code notifyGuest} sends on the store event channel.
     */
    public XenstoreRing(MemorySegment page, XenstoreServer server, int domid, Runnable notifyGuest) {
        if (page.byteSize() < XenH.XEN_PAGE_SIZE) {
            throw new IllegalArgumentException("a XenStore ring page is " + XenH.XEN_PAGE_SIZE + " bytes");
        }
        this.page = page;
        this.notifyGuest = notifyGuest;
        this.conn = new DomainConnection(server, domid, false, this::queue);
    }

    /** Why the connection ended, or null while it works. */
    public synchronized String broken() {
        return broken;
    }

    private int index(int at) {
        return (int) INDEX.getAcquire(page, (long) at);
    }

    private void setIndex(int at, int v) {
        INDEX.setRelease(page, (long) at, v);
    }

    /** The guest notified the store port: take its requests, and send what now fits. */
    public synchronized void kick() {
        if (broken != null) {
            return;
        }
        int prod = index(XenH.XS_REQ_PROD);
        int cons = index(XenH.XS_REQ_CONS);
        int avail = prod - cons;
        if (Integer.compareUnsigned(avail, XenH.XENSTORE_RING_SIZE) > 0) {
            fail(XenH.XENSTORE_ERROR_RINGIDX, "request indices moved by " + Integer.toUnsignedString(avail) + " bytes");
            return;
        }
        boolean consumed = false;
        while (cons != prod && conn.canAccept()) {
            int at = cons & MASK;
            int n = Math.min(prod - cons, XenH.XENSTORE_RING_SIZE - at);
            // One byte at a time into the decoder would also do; a chunk is read once and consumed in order.
            ByteBuffer chunk = ByteBuffer.wrap(page.asSlice(XenH.XS_REQ + at, n).toArray(ValueLayout.JAVA_BYTE));
            while (chunk.hasRemaining()) {
                XsPacket p;
                try {
                    p = decoder.next(chunk);
                } catch (XsDecoder.ProtocolException e) {
                    fail(XenH.XENSTORE_ERROR_PROTO, e.getMessage());
                    return;
                }
                if (p != null) {
                    conn.request(p);
                    if (!conn.canAccept()) {
                        break;
                    }
                }
            }
            cons += n - chunk.remaining();
            consumed = true;
            if (chunk.hasRemaining()) {
                break;
            }
        }
        if (consumed) {
            setIndex(XenH.XS_REQ_CONS, cons);
        }
        flush(consumed);
    }

    /** A reply or watch event for the guest (from the server, on any thread). */
    private synchronized void queue(XsPacket p) {
        if (broken != null) {
            return;
        }
        byte[] b = p.encode();
        queuedBytes += b.length;
        if (queuedBytes > BACKLOG) {
            fail(XenH.XENSTORE_ERROR_COMM, "the guest left more than " + BACKLOG + " bytes of replies unread");
            return;
        }
        out.add(new Pending(p, b, new int[1]));
        flush(false);
    }

    private void flush(boolean consumedRequests) {
        int prod = index(XenH.XS_RSP_PROD);
        int cons = index(XenH.XS_RSP_CONS);
        int used = prod - cons;
        if (Integer.compareUnsigned(used, XenH.XENSTORE_RING_SIZE) > 0) {
            fail(XenH.XENSTORE_ERROR_RINGIDX, "reply indices moved by " + Integer.toUnsignedString(used) + " bytes");
            return;
        }
        boolean wrote = false;
        while (!out.isEmpty() && prod - cons < XenH.XENSTORE_RING_SIZE) {
            Pending p = out.peek();
            int at = prod & MASK;
            int room = Math.min(XenH.XENSTORE_RING_SIZE - (prod - cons), XenH.XENSTORE_RING_SIZE - at);
            int n = Math.min(room, p.bytes().length - p.written()[0]);
            MemorySegment.copy(p.bytes(), p.written()[0], page, ValueLayout.JAVA_BYTE, XenH.XS_RSP + at, n);
            p.written()[0] += n;
            prod += n;
            wrote = true;
            if (p.written()[0] == p.bytes().length) {
                out.poll();
                queuedBytes -= p.bytes().length;
                conn.sent(p.packet());
            }
        }
        if (wrote) {
            setIndex(XenH.XS_RSP_PROD, prod);
        }
        if (wrote || consumedRequests) {
            notifyGuest.run();
        }
    }

    private void fail(int error, String why) {
        broken = why;
        page.set(ValueLayout.JAVA_INT, XenH.XS_ERROR, error);
        out.clear();
        conn.close();
        notifyGuest.run();
    }

    @Override
    public synchronized void close() {
        if (broken == null) {
            broken = "closed";
            conn.close();
        }
    }
}
