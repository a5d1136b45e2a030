package org.jxen.xenstore.server;

import java.io.IOException;
import java.nio.ByteBuffer;
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
 * xenstored. A virtual thread reads requests, has the server answer them and writes the
 * replies itself, so a client that does not read its replies only ever stops its own reader
 * (nothing is buffered for it). Watch events go through a bounded queue to a second virtual
 * thread; a client that lets {@link #EVENT_QUEUE} events pile up is disconnected, with a log
 * line, rather than making the daemon hold them.
 */
final class SocketConnection extends Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger("org.jxen.xenstore");
    /** Watch events waiting for a client before it is cut off. */
    static final int EVENT_QUEUE = 4096;

    private final SocketChannel channel;
    private final XenstoreServer server;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final BlockingQueue<XsPacket> events = new ArrayBlockingQueue<>(EVENT_QUEUE);
    private volatile Thread eventWriter;

    SocketConnection(SocketChannel channel, XenstoreServer server, String name) {
        super(0, true, name);
        this.channel = channel;
        this.server = server;
    }

    @Override
    public void run() {
        XsDecoder decoder = new XsDecoder();
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
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

    private void write(List<XsPacket> packets) throws IOException {
        if (packets.isEmpty()) {
            return;
        }
        int len = 0;
        for (XsPacket p : packets) {
            len += XsPacket.HEADER_SIZE + p.payload().length;
        }
        ByteBuffer out = ByteBuffer.allocate(len);
        for (XsPacket p : packets) {
            out.put(p.encode());
        }
        out.flip();
        writeLock.lock();
        try {
            while (out.hasRemaining()) {
                channel.write(out);
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
                    eventWriter = Thread.ofVirtual().name(toString() + " events").start(this::writeEvents);
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
