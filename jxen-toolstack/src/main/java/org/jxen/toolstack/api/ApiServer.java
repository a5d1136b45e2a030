package org.jxen.toolstack.api;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The control API on its Unix socket ({@code $JXEN_RUNDIR/jxend.sock}): HTTP/1.1 with JSON
 * bodies, as Firecracker's and Docker's, so {@code curl --unix-socket} works. The socket is
 * mode 0600, or 0660 owned by the access group when one is configured; on top of the file mode,
 * each connection's peer ({@code SO_PEERCRED}) must be root, the daemon's own user, or in the
 * access group (by its primary group), or it gets a 403 that says who may connect.
 *
 * <p>Threads: one virtual thread accepts, one virtual thread serves each connection (keep-alive:
 * several requests in turn). {@link ControlApi} is thread-safe.
 */
public final class ApiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.toolstack.api");
    /** Most API connections open at once: each holds a descriptor, and jxend's are its domains' too. */
    public static final int MAX_CONNECTIONS = 1024;

    private final Path path;
    private final ServerSocketChannel channel;
    private final ControlApi api;
    private final Optional<String> group;
    private final String owner;
    private final Object fileKey;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final int maxConnections;

    private ApiServer(Path path, ServerSocketChannel channel, ControlApi api, Optional<String> group, Object fileKey,
            int maxConnections) {
        this.maxConnections = maxConnections;
        this.path = path;
        this.channel = channel;
        this.api = api;
        this.group = group;
        this.owner = System.getProperty("user.name");
        this.fileKey = fileKey;
        this.acceptor = Thread.ofVirtual().name("jxend-api-accept").unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code path} (replacing a stale socket that nobody answers on; a live one is another
     * jxend) and starts serving.
     *
     * @param group the access group ({@code jxen}), or empty for root and the daemon's user only
     */
    public static ApiServer start(Path path, ControlApi api, Optional<String> group) throws IOException {
        return start(path, api, group, MAX_CONNECTIONS);
    }

    static ApiServer start(Path path, ControlApi api, Optional<String> group, int maxConnections) throws IOException {
        SocketFiles.prepare(path);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Object key;
        try {
            ch.bind(UnixDomainSocketAddress.of(path));
            key = SocketFiles.restrict(path, group);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
        ApiServer s = new ApiServer(path, ch, api, group, key, maxConnections);
        s.acceptor.start();
        return s;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (channel.isOpen()) {
            SocketChannel c;
            try {
                c = channel.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "control API: accept failed: " + e.getMessage());
                // Out of descriptors, most likely: wait instead of spinning on the same failure.
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            if (open.size() >= maxConnections) {
                if (busyAnswers.tryAcquire()) {
                    // Answered on a thread of its own, which then reads what the client sent until it
                    // closes: a socket closed with a request unread would reset the client before it read
                    // the 503. At most BUSY_ANSWERS such threads; past them a client is just closed.
                    Thread.ofVirtual().name("jxend-api-busy").start(() -> answerBusy(c));
                } else {
                    try {
                        c.close();
                    } catch (IOException e) {
                        // Nothing to do.
                    }
                }
                continue;
            }
            open.add(c);
            Thread.ofVirtual().name("jxend-api").start(() -> serve(c));
        }
    }

    /** How many clients past the limit are being told so at once. */
    static final int BUSY_ANSWERS = 32;
    private final java.util.concurrent.Semaphore busyAnswers = new java.util.concurrent.Semaphore(BUSY_ANSWERS);

    private void answerBusy(SocketChannel c) {
        try (c) {
            ControlApi.Response r = ControlApi.error(503, "jxend serves at most " + maxConnections
                    + " API connections at once; close one and try again", null);
            HttpCodec.write(Channels.newOutputStream(c), r.status(), r.body(), true);
            c.shutdownOutput();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8192);
            for (int i = 0; i < 8 && c.read(b.clear()) >= 0; i++) {
                // Until the client closes, or 64 KiB of it.
            }
        } catch (IOException e) {
            // The client went away.
        } finally {
            busyAnswers.release();
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            InputStream in = Channels.newInputStream(c);
            OutputStream out = Channels.newOutputStream(c);
            String refusal = refusal(c);
            if (refusal != null) {
                // The request is read first (within the codec's limits), so the answer does not race it:
                // a socket closed with a request unread resets the client before it sees the 403.
                try {
                    HttpCodec.read(in, out);
                } catch (HttpException e) {
                    // Whatever it sent, the answer is the same.
                }
                ControlApi.Response r = ControlApi.error(403, refusal, null);
                HttpCodec.write(out, r.status(), r.body(), true);
                discardUnread(c);
                return;
            }
            while (true) {
                HttpRequest req;
                try {
                    req = HttpCodec.read(in, out);
                } catch (HttpException e) {
                    // The stream is out of step after a malformed request: answer, then close.
                    ControlApi.Response r = ControlApi.error(e.status(), e.getMessage(), null);
                    HttpCodec.write(out, r.status(), r.body(), true);
                    discardUnread(c);
                    return;
                }
                if (req == null) {
                    return;
                }
                ControlApi.Response r = api.handle(req);
                HttpCodec.write(out, r.status(), r.body(), !req.keepAlive());
                if (!req.keepAlive()) {
                    return;
                }
            }
        } catch (EOFException | ClosedChannelException e) {
            // The client went away; nothing to answer.
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "control API connection: " + e.getMessage());
        } finally {
            open.remove(c);
        }
    }

    /**
     * Reads what the client already sent and nobody will read: closing a socket with unread
     * bytes resets the connection, and the client would lose the answer just written.
     */
    private static void discardUnread(SocketChannel c) throws IOException {
        c.shutdownOutput();
        c.configureBlocking(false);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8192);
        for (int i = 0; i < 16 && c.read(b.clear()) > 0; i++) {
            // Bounded: a client still sending after 128 KiB gets its reset.
        }
    }

    /** Why this peer may not use the API, or null when it may. */
    private String refusal(SocketChannel c) throws IOException {
        UnixDomainPrincipal p = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
        String user = p.user().getName();
        if (user.equals("root") || user.equals(owner)) {
            return null;
        }
        if (group.isPresent() && p.group().getName().equals(group.get())) {
            return null;
        }
        return "permission denied: user " + user + " may not use jxend (it admits root, " + owner
                + group.map(g -> " and group " + g).orElse("") + ")";
    }

    /** Stops accepting, closes every connection, and removes the socket if it is still this server's. */
    @Override
    public void close() throws IOException {
        channel.close();
        for (SocketChannel c : open) {
            c.close();
        }
        SocketFiles.removeIfOwn(path, fileKey);
    }
}
