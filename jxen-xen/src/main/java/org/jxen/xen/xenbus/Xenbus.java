package org.jxen.xen.xenbus;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;

import org.jxen.xenstore.server.DomainConnection;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

/**
 * jxend's backends' view of XenStore, as domain 0: reads, writes and watches through a
 * privileged connection to the store inside jxend (the same path a guest's ring takes, so
 * watches fire for the backends as for anyone). Watch events run on one thread of their own, in
 * order, never on the thread that fired them.
 *
 * <p>Threads: any caller; replies come back on the calling thread.
 */
public final class Xenbus implements AutoCloseable {
    private final DomainConnection conn;
    private final ExecutorService events = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("xenbus-watch-events").factory());
    private final BiConsumer<String, String> onWatch;
    private final ThreadLocal<XsPacket> reply = new ThreadLocal<>();
    private int nextId = 1;

    /** {@code onWatch} gets (path, token) of each watch event. */
    public Xenbus(XenstoreServer server, BiConsumer<String, String> onWatch) {
        this.onWatch = onWatch;
        this.conn = new DomainConnection(server, 0, true, this::packet);
    }

    private void packet(XsPacket p) {
        if (p.op() == XsOp.WATCH_EVENT) {
            List<String> s = XsPacket.strings(p.payload(), 0);
            if (s.size() >= 2) {
                events.execute(() -> onWatch.accept(s.get(0), s.get(1)));
            }
            return;
        }
        reply.set(p);
        conn.sent(p);
    }

    private synchronized XsPacket call(XsOp op, byte[] payload) {
        reply.remove();
        conn.request(XsPacket.of(op, nextId++, 0, payload));
        XsPacket r = reply.get();
        reply.remove();
        return r;
    }

    public Optional<String> read(String path) {
        XsPacket r = call(XsOp.READ, XsPacket.nulTerminated(path));
        return r == null || r.op() == XsOp.ERROR ? Optional.empty() : Optional.of(new String(r.payload(), StandardCharsets.UTF_8));
    }

    /** The node's value as a number, or -1 when it is missing or not a number. */
    public int readInt(String path) {
        return read(path).map(v -> {
            try {
                return Integer.parseInt(v.strip());
            } catch (NumberFormatException e) {
                return -1;
            }
        }).orElse(-1);
    }

    /** Writes {@code value}; false when the store refused. */
    public boolean write(String path, String value) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[p.length + 1 + v.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(v, 0, payload, p.length + 1, v.length);
        XsPacket r = call(XsOp.WRITE, payload);
        return r != null && r.op() != XsOp.ERROR;
    }

    public boolean watch(String path, String token) {
        XsPacket r = call(XsOp.WATCH, XsPacket.nulTerminated(path, token));
        return r != null && r.op() != XsOp.ERROR;
    }

    public boolean unwatch(String path, String token) {
        XsPacket r = call(XsOp.UNWATCH, XsPacket.nulTerminated(path, token));
        return r != null && r.op() != XsOp.ERROR;
    }

    /**
     * Waits until every watch event queued so far has been handled (they run in order on one
     * thread); false when that takes longer than {@code timeout}.
     */
    public boolean drain(java.time.Duration timeout) throws InterruptedException {
        try {
            events.submit(() -> { }).get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() {
        conn.close();
        events.shutdown();
    }
}
