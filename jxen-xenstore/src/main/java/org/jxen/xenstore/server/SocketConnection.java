package org.jxen.xenstore.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jxen.xenstore.wire.XsDecoder;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

/**
 * A client on the Unix socket: privileged, acting as Dom0, like every socket client of Xen's
 * xenstored. Its own platform thread reads requests, has the server answer them and writes the
 * replies itself, so a client that does not read its replies only ever stops its own reader
 * (nothing is buffered for it). Events that other clients' changes fire for it are written by
 * a second thread, started with the first such event; a client that lets {@link #EVENT_QUEUE}
 * events pile up is disconnected, with a log line, rather than making the daemon hold them.
 *
 * <p>Why platform threads and not virtual ones (measured with {@code bench/xenstore.sh}, see
 * docs/PERFORMANCE.md, section 7): XenStore clients are synchronous, so between two requests
 * the reader always finds its socket empty. A virtual thread then parks through the JDK's
 * poller (re-arming epoll, waking the poller and a carrier): about 8 system calls and 2 context
 * switches per request more than read and write. An echo server on virtual threads serves one
 * synchronous client at 0.6-0.7x the rate (three runs) of the same server on platform threads. Socket clients
 * are few (the toolstack, device models, backends in Dom0), so a thread each is cheap; domains
 * do not come through here.
 *
 * <p>Output: replies and events share one queue, filled under the server's lock, so the
 * client sees them in the order the store changed (and a change's own event before the reply
 * that acknowledges it, as xenstored sends them). Whoever holds {@link #writeLock} drains the
 * queue onto the socket: the reader after each read's requests (or sooner, when the replies
 * waiting pass {@link #FLUSH_BYTES}, so a pipelining client cannot make the daemon hold
 * megabytes), and the event thread when events arrive from other clients' changes. Replies are
 * encoded straight into a direct buffer that belongs to the connection (a heap buffer makes the
 * JDK copy into a temporary direct one on every read and write).
 */
final class SocketConnection extends Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger("org.jxen.xenstore");
    /** Watch events waiting for a client before it is cut off. */
    static final int EVENT_QUEUE = 4096;
    /** Bytes one read may bring: enough for four requests of the largest size. */
    static final int READ_BUFFER = 16 * 1024;
    /** The write buffer's usual size. */
    static final int WRITE_BUFFER = 16 * 1024;
    /** Queued output that makes the reader write before it serves the rest of a read. */
    static final int FLUSH_BYTES = 64 * 1024;

    private final SocketChannel channel;
    private final XenstoreServer server;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guarded by {@link #writeLock}; little-endian as xsd_sockmsg is on x86. */
    private ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    /** Replies and events in the order they were produced; drained under {@link #writeLock}. */
    private final ConcurrentLinkedQueue<XsPacket> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicInteger queuedBytes = new AtomicInteger();
    /** Released for each event queued by another client's change: the event thread wakes. */
    private final Semaphore wake = new Semaphore(0);
    /** Where the server puts this client's replies and own events (one object, not one per request). */
    private final Consumer<XsPacket> output = this::enqueue;
    private volatile Thread eventWriter;

    SocketConnection(SocketChannel channel, XenstoreServer server, String name) {
        super(0, true, name);
        this.channel = channel;
        this.server = server;
    }

    /** Starts the thread that serves this connection (see the class comment for the kind). */
    Thread start() {
        return thread(toString()).start(this);
    }

    private static Thread.Builder thread(String name) {
        return Thread.ofPlatform().daemon(true).name(name);
    }

    @Override
    public void run() {
        XsDecoder decoder = new XsDecoder();
        ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER);
        try {
            while (channel.read(in) > 0) {
                in.flip();
                XsPacket p;
                while ((p = decoder.next(in)) != null) {
                    server.handle(this, p, output);
                    if (queuedBytes.get() > FLUSH_BYTES) {
                        flush();
                    }
                }
                in.clear();
                flush();
            }
            if (decoder.midMessage()) {
                LOG.log(System.Logger.Level.DEBUG, this + " left in the middle of a message");
            }
        } catch (XsDecoder.ProtocolException e) {
            LOG.log(System.Logger.Level.WARNING, this + ": protocol violation, closing: " + e.getMessage());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, this + ": " + e.getMessage());
        } finally {
            close();
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

    /** Writes everything queued, in order, with one write system call when the socket takes it all. */
    private void flush() throws IOException {
        writeLock.lock();
        try {
            if (queue.isEmpty()) {
                return;
            }
            out.clear();
            XsPacket p;
            while ((p = queue.peek()) != null) {
                int len = XsPacket.HEADER_SIZE + p.payload().length;
                if (out.remaining() < len) {
                    if (out.position() > 0) {
                        drain();
                        continue;
                    }
                    out = ByteBuffer.allocateDirect(len).order(ByteOrder.LITTLE_ENDIAN);
                }
                queue.poll();
                queuedBytes.addAndGet(-len);
                if (p.op() == XsOp.WATCH_EVENT) {
                    queuedEvents.decrementAndGet();
                }
                // struct xsd_sockmsg: type, req_id, tx_id, len (xen/io/xs_wire.h), then the payload.
                out.putInt(p.type()).putInt(p.reqId()).putInt(p.txId()).putInt(p.payload().length).put(p.payload());
            }
            drain();
            if (out.capacity() > WRITE_BUFFER) {
                out = ByteBuffer.allocateDirect(WRITE_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Writes the buffer's contents and empties it (under {@link #writeLock}). */
    private void drain() throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        out.clear();
    }

    @Override
    protected void deliverEvent(XsPacket packet) {
        enqueue(packet);
        if (eventWriter == null) {
            synchronized (this) {
                if (eventWriter == null) {
                    eventWriter = thread(toString() + " events").start(this::writeEvents);
                }
            }
        }
        wake.release();
    }

    private void writeEvents() {
        try {
            while (!isClosed()) {
                wake.acquire();
                wake.drainPermits();
                flush();
            }
        } catch (InterruptedException | IOException e) {
            close();
        }
    }

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
        Thread w = eventWriter;
        if (w != null) {
            w.interrupt();
        }
    }
}
