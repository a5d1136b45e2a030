package org.jxen.xenstore.client;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.jxen.xenstore.wire.XsDecoder;
import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

/**
 * A XenStore client on the Unix socket, like Xen's libxenstore: requests carry increasing
 * request ids, a reader thread matches replies to them and queues watch events, and error
 * replies become {@link XsException}. Transaction ids are passed explicitly (0: none).
 *
 * <p>Thread-safe: any number of threads may have requests in flight.
 */
public final class XsClient implements AutoCloseable {
    /** One XS_WATCH_EVENT: the path that changed and the watch's token. */
    public record WatchEvent(String path, String token) {}

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final SocketChannel channel;
    private final AtomicInteger nextReq = new AtomicInteger(1);
    private final Map<Integer, CompletableFuture<XsPacket>> pending = new ConcurrentHashMap<>();
    private final BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    private final Object writeLock = new Object();
    private final Thread reader;
    private volatile IOException failure;

    private XsClient(SocketChannel channel) {
        this.channel = channel;
        this.reader = Thread.ofPlatform().daemon(true).name("xs-client-reader").start(this::readLoop);
    }

    /** Connects to the daemon's socket. */
    public static XsClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot connect to XenStore at " + socket + ": " + e.getMessage(), e);
        }
        return new XsClient(ch);
    }

    private void readLoop() {
        XsDecoder decoder = new XsDecoder();
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        try {
            while (channel.read(in) > 0) {
                in.flip();
                XsPacket p;
                while ((p = decoder.next(in)) != null) {
                    if (p.op() == XsOp.WATCH_EVENT) {
                        List<String> s = XsPacket.strings(p.payload(), 0);
                        events.add(new WatchEvent(s.isEmpty() ? "" : s.get(0), s.size() < 2 ? "" : s.get(1)));
                    } else {
                        CompletableFuture<XsPacket> f = pending.remove(p.reqId());
                        if (f != null) {
                            f.complete(p);
                        }
                    }
                }
                in.clear();
            }
            failure = new IOException("XenStore closed the connection");
        } catch (IOException e) {
            failure = e;
        } catch (XsDecoder.ProtocolException e) {
            failure = new IOException("XenStore sent a malformed message: " + e.getMessage());
        }
        IOException f = failure;
        pending.values().forEach(x -> x.completeExceptionally(f));
    }

    /** Sends one request and waits for its reply; an XS_ERROR reply throws. */
    public byte[] request(XsOp op, int txId, byte[] payload) throws IOException, XsException {
        int req = nextReq.getAndIncrement();
        CompletableFuture<XsPacket> f = new CompletableFuture<>();
        pending.put(req, f);
        if (failure != null) {
            pending.remove(req);
            throw failure;
        }
        ByteBuffer out = ByteBuffer.wrap(XsPacket.of(op, req, txId, payload).encode());
        synchronized (writeLock) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }
        XsPacket reply;
        try {
            reply = f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            pending.remove(req);
            throw new IOException("no reply to " + op + " within " + TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + op);
        }
        if (reply.op() == XsOp.ERROR) {
            XsError err = XsError.fromPayload(reply.payload());
            throw new XsException(err == null ? XsError.EINVAL : err, op + " failed");
        }
        return reply.payload();
    }

    private static byte[] bytes(String s) {
        return XsPacket.nulTerminated(s);
    }

    private static String firstString(byte[] payload) {
        List<String> s = XsPacket.strings(payload, 0);
        return s.isEmpty() ? "" : s.get(0);
    }

    public byte[] read(int tx, String path) throws IOException, XsException {
        return request(XsOp.READ, tx, bytes(path));
    }

    public String readString(String path) throws IOException, XsException {
        return new String(read(0, path), StandardCharsets.UTF_8);
    }

    public void write(int tx, String path, byte[] value) throws IOException, XsException {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        byte[] payload = Arrays.copyOf(p, p.length + 1 + value.length);
        System.arraycopy(value, 0, payload, p.length + 1, value.length);
        request(XsOp.WRITE, tx, payload);
    }

    public void write(String path, String value) throws IOException, XsException {
        write(0, path, value.getBytes(StandardCharsets.UTF_8));
    }

    public void mkdir(int tx, String path) throws IOException, XsException {
        request(XsOp.MKDIR, tx, bytes(path));
    }

    public void rm(int tx, String path) throws IOException, XsException {
        request(XsOp.RM, tx, bytes(path));
    }

    public List<String> directory(int tx, String path) throws IOException, XsException {
        return XsPacket.strings(request(XsOp.DIRECTORY, tx, bytes(path)), 0);
    }

    public List<String> getPerms(int tx, String path) throws IOException, XsException {
        return XsPacket.strings(request(XsOp.GET_PERMS, tx, bytes(path)), 0);
    }

    public void setPerms(int tx, String path, String... perms) throws IOException, XsException {
        List<String> all = new ArrayList<>();
        all.add(path);
        all.addAll(List.of(perms));
        request(XsOp.SET_PERMS, tx, XsPacket.nulTerminated(all.toArray(String[]::new)));
    }

    public void watch(String path, String token) throws IOException, XsException {
        request(XsOp.WATCH, 0, XsPacket.nulTerminated(path, token));
    }

    public void unwatch(String path, String token) throws IOException, XsException {
        request(XsOp.UNWATCH, 0, XsPacket.nulTerminated(path, token));
    }

    /** The next watch event, waiting up to {@code timeout}; null if none came. */
    public WatchEvent nextEvent(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int transactionStart() throws IOException, XsException {
        return Integer.parseUnsignedInt(firstString(request(XsOp.TRANSACTION_START, 0, bytes(""))));
    }

    public void transactionEnd(int tx, boolean commit) throws IOException, XsException {
        request(XsOp.TRANSACTION_END, tx, bytes(commit ? "T" : "F"));
    }

    public String getDomainPath(int domid) throws IOException, XsException {
        return firstString(request(XsOp.GET_DOMAIN_PATH, 0, bytes(Integer.toString(domid))));
    }

    public void introduce(int domid, long mfn, int evtchn) throws IOException, XsException {
        request(XsOp.INTRODUCE, 0, XsPacket.nulTerminated(Integer.toString(domid), Long.toString(mfn), Integer.toString(evtchn)));
    }

    public boolean isDomainIntroduced(int domid) throws IOException, XsException {
        return firstString(request(XsOp.IS_DOMAIN_INTRODUCED, 0, bytes(Integer.toString(domid)))).equals("T");
    }

    public void release(int domid) throws IOException, XsException {
        request(XsOp.RELEASE, 0, bytes(Integer.toString(domid)));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
