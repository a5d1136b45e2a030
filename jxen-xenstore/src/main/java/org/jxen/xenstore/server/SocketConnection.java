package org.jxen.xenstore.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.jxen.xenstore.wire.XsDecoder;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

/**
 * A client on the Unix socket: privileged, acting as Dom0, like every socket client of Xen's
 * xenstored. It has no thread of its own: the server's I/O thread ({@link SocketServer}) reads
 * its requests when the socket has some, has the server answer them, and writes the replies
 * and the watch events that other clients' changes fire for it. Between requests a client
 * costs a socket, a selection key and a few small objects; its buffers are the I/O thread's.
 *
 * <p>Threads: everything here runs on the I/O thread except {@link #deliverEvent} (any
 * thread that changes the store, under the server's lock) and {@link #close} (any thread).
 *
 * <p>Output: replies and events share one queue, filled under the server's lock, so the
 * client sees them in the order the store changed (and a change's own event before the reply
 * that acknowledges it, as xenstored sends them). The I/O thread encodes the queue into its
 * write buffer and writes it: after each read's requests (or sooner, when the replies waiting
 * pass {@link #FLUSH_BYTES}), and after each round of the selector for clients that got events.
 * What the socket does not take is kept ({@link #unsent}, at most one write buffer) and the
 * client is no longer read from until the socket takes it: a client that does not read its
 * replies only stops itself, and the daemon holds at most a write buffer, the requests of one
 * read and {@link #EVENT_QUEUE} events for it. A client that lets that many events pile up is
 * disconnected, with a log line.
 */
final class SocketConnection extends Connection {
    private static final System.Logger LOG = System.getLogger("org.jxen.xenstore");
    /** Watch events waiting for a client before it is cut off. */
    static final int EVENT_QUEUE = 4096;
    /** Bytes one read may bring: enough for four requests of the largest size. */
    static final int READ_BUFFER = 16 * 1024;
    /** Queued output that makes the I/O thread write before it serves the rest of a read. */
    static final int FLUSH_BYTES = 64 * 1024;
    /** The I/O thread's write buffer: the output a read's requests may queue before a write, and one more reply. */
    static final int WRITE_BUFFER = FLUSH_BYTES + XsPacket.HEADER_SIZE + XsPacket.PAYLOAD_MAX;

    private final SocketChannel channel;
    private final XenstoreServer server;
    private final SocketServer.IoLoop loop;
    /** I/O thread only. */
    private final XsDecoder decoder = new XsDecoder();
    /** I/O thread only; null until registered. */
    private SelectionKey key;
    /** I/O thread only: requests read but not served yet because the output is stuck (a heap copy), or null. */
    private ByteBuffer stash;
    /** I/O thread only: encoded output the socket has not taken yet (a heap copy), or null. */
    private ByteBuffer unsent;
    /** Replies and events in the order they were produced; drained by the I/O thread. */
    private final ConcurrentLinkedQueue<XsPacket> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicInteger queuedBytes = new AtomicInteger();
    /** Whether the I/O thread has this connection in its list of clients with events to write. */
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Where the server puts this client's replies and own events (one object, not one per request). */
    private final Consumer<XsPacket> output = this::enqueue;

    SocketConnection(SocketChannel channel, XenstoreServer server, SocketServer.IoLoop loop, String name) {
        super(0, true, name);
        this.channel = channel;
        this.server = server;
        this.loop = loop;
    }

    /** Registers with the I/O thread's selector and with the server (I/O thread). */
    void register(Selector selector) throws IOException {
        channel.configureBlocking(false);
        key = channel.register(selector, SelectionKey.OP_READ, this);
        server.connect(this);
    }

    /** The selector found the socket readable or writable (I/O thread). */
    void ready(ByteBuffer in, ByteBuffer out) {
        try {
            if (!key.isValid()) {
                return;
            }
            if (key.isWritable()) {
                if (flush(out) && stash != null) {
                    ByteBuffer s = stash;
                    stash = null;
                    serve(s, out);
                }
            } else if (key.isReadable()) {
                in.clear();
                if (channel.read(in) < 0) {
                    if (decoder.midMessage()) {
                        LOG.log(System.Logger.Level.DEBUG, this + " left in the middle of a message");
                    }
                    close();
                    return;
                }
                in.flip();
                serve(in, out);
            }
            updateInterest();
        } catch (XsDecoder.ProtocolException e) {
            LOG.log(System.Logger.Level.WARNING, this + ": protocol violation, closing: " + e.getMessage());
            close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, this + ": " + e.getMessage());
            close();
        } catch (CancelledKeyException closedElsewhere) {
            close();
        }
    }

    /**
     * Serves the whole requests in {@code requests}, writing their replies. If the socket stops
     * taking output, the requests not yet served are kept for when it takes it again.
     */
    private void serve(ByteBuffer requests, ByteBuffer out) throws IOException, XsDecoder.ProtocolException {
        XsPacket p;
        while (!isClosed() && (p = decoder.next(requests)) != null) {
            server.handle(this, p, output);
            if (queuedBytes.get() > FLUSH_BYTES && !flush(out)) {
                if (requests.hasRemaining()) {
                    stash = requests.isDirect() ? ByteBuffer.allocate(requests.remaining()).put(requests).flip() : requests;
                }
                return;
            }
        }
        flush(out);
    }

    /** Writes the events that arrived for this client, if the socket is not already stuck (I/O thread). */
    void flushEvents(ByteBuffer out) {
        flushScheduled.set(false);
        if (isClosed() || key == null || !key.isValid() || unsent != null) {
            return;
        }
        try {
            flush(out);
            updateInterest();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, this + ": " + e.getMessage());
            close();
        }
    }

    /** Read while the output flows; wait for writability (and read nothing) while it is stuck. */
    private void updateInterest() {
        int ops = unsent != null ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
        try {
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        } catch (CancelledKeyException closed) {
            // Closed meanwhile (by another thread, or by the request just served): nothing to wait for.
        }
    }

    /** Queues a reply or an event (called under the server's lock, in order). */
    private void enqueue(XsPacket p) {
        if (p.op() == XsOp.WATCH_EVENT && queuedEvents.incrementAndGet() > EVENT_QUEUE) {
            LOG.log(System.Logger.Level.WARNING, this + " does not read its watch events (" + EVENT_QUEUE
                    + " waiting); closing it");
            close();
            return;
        }
        queuedBytes.addAndGet(XsPacket.HEADER_SIZE + p.payload().length);
        queue.add(p);
    }

    /**
     * Writes what the socket did not take last time, then everything queued, in order, one
     * write per buffer-full (I/O thread). Returns false when the socket is full: the rest waits
     * in {@link #unsent} and the queue.
     */
    private boolean flush(ByteBuffer out) throws IOException {
        if (unsent != null) {
            out.clear();
            out.put(unsent).flip();
            unsent = null;
            if (!write(out)) {
                return false;
            }
        }
        while (!queue.isEmpty()) {
            out.clear();
            XsPacket p;
            while ((p = queue.peek()) != null && out.remaining() >= XsPacket.HEADER_SIZE + p.payload().length) {
                queue.poll();
                queuedBytes.addAndGet(-(XsPacket.HEADER_SIZE + p.payload().length));
                if (p.op() == XsOp.WATCH_EVENT) {
                    queuedEvents.decrementAndGet();
                }
                // struct xsd_sockmsg: type, req_id, tx_id, len (xen/io/xs_wire.h), then the payload.
                out.putInt(p.type()).putInt(p.reqId()).putInt(p.txId()).putInt(p.payload().length).put(p.payload());
            }
            out.flip();
            if (!write(out)) {
                return false;
            }
        }
        return true;
    }

    /** One write of {@code out}; what the socket does not take is copied to {@link #unsent}. */
    private boolean write(ByteBuffer out) throws IOException {
        channel.write(out);
        if (!out.hasRemaining()) {
            return true;
        }
        unsent = ByteBuffer.allocate(out.remaining()).put(out).flip();
        return false;
    }

    @Override
    protected void deliverEvent(XsPacket packet) {
        enqueue(packet);
        if (!isClosed() && flushScheduled.compareAndSet(false, true)) {
            loop.flushSoon(this);
        }
    }

    /** Ends the connection: the server forgets it, and the socket closes (any thread). */
    void close() {
        server.disconnect(this);
        shutdownTransport();
    }

    @Override
    protected void shutdownTransport() {
        try {
            channel.close();
        } catch (IOException e) {
            // Already gone.
        }
        // The selector lets go of the descriptor at its next round.
        loop.wakeIfElsewhere();
    }
}
