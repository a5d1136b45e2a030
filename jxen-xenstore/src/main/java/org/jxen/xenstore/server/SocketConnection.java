package org.jxen.xenstore.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

import org.jxen.xenstore.wire.XsDecoder;
import org.jxen.xenstore.wire.XsPacket;

/**
 * A client on the Unix socket: privileged, acting as Dom0, like every socket client of Xen's
 * xenstored. Its own platform thread reads requests, has the server answer them and writes the
 * replies itself, so a client that does not read its replies only ever stops its own reader
 * (nothing is buffered for it). Watch events go through a bounded queue to a second thread,
 * started with the first event; a client that lets {@link #EVENT_QUEUE} events pile up is
 * disconnected, with a log line, rather than making the daemon hold them.
 *
 * <p>Why platform threads and not virtual ones (measured with {@code bench/xenstore.sh}, see
 * docs/PERFORMANCE.md, section 7): XenStore clients are synchronous, so between two requests
 * the reader always finds its socket empty. A virtual thread then parks through the JDK's
 * poller (re-arming epoll, waking the poller and a carrier): about 8 system calls and 2 context
 * switches per request more than read and write. An echo server on virtual threads serves one
 * synchronous client at 0.69x the rate of the same server on platform threads. Socket clients
 * are few (the toolstack, device models, backends in Dom0), so a thread each is cheap; domains
 * do not come through here.
 *
 * <p>I/O: one read brings any number of requests; their replies go out in one write, encoded
 * straight into a direct buffer that belongs to the connection (a heap buffer makes the JDK
 * copy into a temporary direct one on every read and write). The reader and the event writer
 * share that buffer under {@link #writeLock}, which also keeps their messages whole on the
 * socket.
 */
final class SocketConnection extends Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger("org.jxen.xenstore");
    /** Watch events waiting for a client before it is cut off. */
    static final int EVENT_QUEUE = 4096;
    /** Bytes one read may bring: enough for four requests of the largest size. */
    static final int READ_BUFFER = 16 * 1024;
    /** The write buffer's usual size; it grows to fit one read's replies (at most 4 KiB + 16 each), then shrinks back. */
    static final int WRITE_BUFFER = 16 * 1024;

    private final SocketChannel channel;
    private final XenstoreServer server;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guarded by {@link #writeLock}; little-endian as xsd_sockmsg is on x86. */
    private ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final BlockingQueue<XsPacket> events = new ArrayBlockingQueue<>(EVENT_QUEUE);
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
        List<XsPacket> replies = new ArrayList<>();
        try {
            while (channel.read(in) > 0) {
                in.flip();
                XsPacket p;
                while ((p = decoder.next(in)) != null) {
                    replies.add(server.handle(this, p));
                }
                in.clear();
                write(replies);
                replies.clear();
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

    /** Sends the packets, in order, with one write system call when the socket takes them all. */
    private void write(List<XsPacket> packets) throws IOException {
        if (packets.isEmpty()) {
            return;
        }
        int len = 0;
        for (XsPacket p : packets) {
            len += XsPacket.HEADER_SIZE + p.payload().length;
        }
        writeLock.lock();
        try {
            if (out.capacity() < len) {
                out = ByteBuffer.allocateDirect(Math.max(len, out.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
            }
            out.clear();
            for (XsPacket p : packets) {
                // struct xsd_sockmsg: type, req_id, tx_id, len (xen/io/xs_wire.h), then the payload.
                out.putInt(p.type()).putInt(p.reqId()).putInt(p.txId()).putInt(p.payload().length).put(p.payload());
            }
            out.flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            if (out.capacity() > WRITE_BUFFER) {
                // One batch of large replies (up to 1024 of 4 KiB from a full read buffer) must
                // not pin megabytes for the life of the connection.
                out = ByteBuffer.allocateDirect(WRITE_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    protected void deliverEvent(XsPacket packet) {
        if (!events.offer(packet)) {
            LOG.log(System.Logger.Level.WARNING, this + " does not read its watch events (" + EVENT_QUEUE
                    + " waiting); closing it");
            close();
            return;
        }
        if (eventWriter == null) {
            synchronized (this) {
                if (eventWriter == null) {
                    eventWriter = thread(toString() + " events").start(this::writeEvents);
                }
            }
        }
    }

    private void writeEvents() {
        List<XsPacket> batch = new ArrayList<>();
        try {
            while (!isClosed()) {
                batch.add(events.take());
                events.drainTo(batch, 63);
                write(batch);
                batch.clear();
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
