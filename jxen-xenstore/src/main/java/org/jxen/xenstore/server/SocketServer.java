package org.jxen.xenstore.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Listens on XenStore's Unix socket and serves every client from one I/O thread. The path is
 * Xen's ({@code /run/xenstored/socket}) unless overridden the way Xen's client library is
 * ({@code XENSTORED_PATH}, else {@code $XENSTORED_RUNDIR/socket}), so Debian's xenstore-utils
 * reach it unchanged.
 *
 * <p>Threads: one platform thread, {@code xenstored-io}, however many clients. It owns the
 * listening socket and every client socket through one selector ({@link IoLoop}): it accepts,
 * reads requests, has the server answer them (the store serves one request at a time under its
 * lock anyway) and writes replies and watch events ({@link SocketConnection}). Why not a thread
 * per client, or a virtual thread each: a platform thread each (and a second per watcher) cost
 * 7,515 threads and 556 MiB of RSS for 5000 clients, half of them watching; a virtual thread
 * parks through the JDK's poller between two requests of a synchronous client, which served one
 * such client at 0.53-0.63x the selector's rate. The price: all socket I/O runs on one CPU, so 8
 * clients busy at once get about 0.65x what 8 threads got on a 2-CPU host. docs/PERFORMANCE.md,
 * section 7, has the figures.
 */
public final class SocketServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.xenstore");
    /** Xen's default, as /var/run/xenstored/socket resolves on systemd hosts. */
    public static final String DEFAULT_SOCKET = "/run/xenstored/socket";
    /** Connections the kernel queues before they are accepted (listen(2)); also the most accepted in one round. */
    static final int BACKLOG = 128;
    /** The longest wait between failed accepts. */
    static final long MAX_ACCEPT_BACKOFF_MS = 1000;

    private final XenstoreServer server;
    private final Path path;
    private final ServerSocketChannel channel;
    /**
     * The bound socket file's identity (device and inode, {@link BasicFileAttributes#fileKey()}):
     * {@link #close()} removes the path only while it is still this file, not a socket another
     * daemon bound there after ours was removed.
     */
    private final Object fileKey;
    private final IoLoop io;

    private SocketServer(XenstoreServer server, Path path, ServerSocketChannel channel, Object fileKey) throws IOException {
        this.server = server;
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
        this.io = new IoLoop();
    }

    /** The socket path from the environment, as Xen's client library finds it. */
    public static Path defaultPath() {
        String p = System.getenv("XENSTORED_PATH");
        if (p != null && !p.isEmpty()) {
            return Path.of(p);
        }
        String dir = System.getenv("XENSTORED_RUNDIR");
        return dir != null && !dir.isEmpty() ? Path.of(dir, "socket") : Path.of(DEFAULT_SOCKET);
    }

    /**
     * Binds {@code path} (creating its directory) and starts accepting. A stale socket file
     * that nobody answers on is replaced; a live one is an error ("already running").
     */
    public static SocketServer start(XenstoreServer server, Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            // Only a socket may be replaced: a file or directory there (a typo'd --socket naming
            // a real file) is someone else's and stays.
            if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                throw new IOException("cannot listen on " + path + ": it exists and is not a socket");
            }
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                throw new IOException("another xenstored is already listening on " + path);
            } catch (IOException refused) {
                if (refused.getMessage() != null && refused.getMessage().startsWith("another xenstored")) {
                    throw refused;
                }
                Files.delete(path);
            }
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Object key;
        try {
            ch.bind(UnixDomainSocketAddress.of(path), BACKLOG);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            key = fileKey(path);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        SocketServer s;
        try {
            ch.configureBlocking(false);
            s = new SocketServer(server, path, ch, key);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
        s.io.thread.start();
        return s;
    }

    public Path path() {
        return path;
    }

    private static void log(String warning) {
        if (warning != null) {
            LOG.log(System.Logger.Level.WARNING, warning);
        }
    }

    /**
     * Which failed accepts are worth a log line (I/O thread only). At the descriptor limit
     * every accept fails (Linux takes the new descriptor before it looks for a client), and it
     * is retried up to once a second for as long as the limit holds. So the first failure of a
     * run is logged, then a summary every {@link #SUMMARY_EVERY} while it lasts, and one line
     * once accept has a descriptor to spare again.
     */
    static final class AcceptFailures {
        static final Duration SUMMARY_EVERY = Duration.ofMinutes(5);
        private final Path path;
        private final LongSupplier nanoClock;
        /** Failures in the current run (0: accept works). */
        private long failures;
        /** Failures since the last line. */
        private long unreported;
        private long firstNanos;
        private long lastLineNanos;

        AcceptFailures(Path path, LongSupplier nanoClock) {
            this.path = path;
            this.nanoClock = nanoClock;
        }

        /** An accept failed with {@code reason}; returns the line to log, or null. */
        String failed(String reason) {
            long now = nanoClock.getAsLong();
            if (failures++ == 0) {
                firstNanos = now;
                lastLineNanos = now;
                return "accept on " + path + " failed: " + reason + "; new clients wait until it works again"
                        + " (retrying each second; a summary every " + SUMMARY_EVERY.toMinutes() + " minutes)";
            }
            unreported++;
            if (now - lastLineNanos < SUMMARY_EVERY.toNanos()) {
                return null;
            }
            String line = "accept on " + path + " still fails: " + reason + " (" + unreported + " more times in "
                    + seconds(now - lastLineNanos) + ")";
            lastLineNanos = now;
            unreported = 0;
            return line;
        }

        /**
         * An accept found no client waiting, so it had a descriptor to spare: returns the line to
         * log when that ends a run of failures, else null.
         */
        String caughtUp() {
            if (failures == 0) {
                return null;
            }
            String line = "accept on " + path + " works again, after " + failures + " failed attempts in "
                    + seconds(nanoClock.getAsLong() - firstNanos);
            failures = 0;
            unreported = 0;
            return line;
        }

        private static String seconds(long nanos) {
            return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
        }
    }

    /**
     * The I/O thread: one selector over the listening socket and every client socket. A round
     * waits for sockets that are ready, accepts or serves each ({@link SocketConnection#ready}),
     * then writes the events that the round's requests, or other threads' changes, queued for
     * other clients (those reach it through {@link #flushSoon} and {@link Selector#wakeup()}).
     * The read and write buffers are this thread's, shared by every client.
     */
    final class IoLoop {
        private final Selector selector;
        final Thread thread;
        private final SelectionKey acceptKey;
        private final ConcurrentLinkedQueue<SocketConnection> flushes = new ConcurrentLinkedQueue<>();
        /** Direct: a heap buffer makes the JDK copy through a temporary direct one on every read and write. */
        private final ByteBuffer in = ByteBuffer.allocateDirect(SocketConnection.READ_BUFFER);
        /** Little-endian, as xsd_sockmsg is on x86. */
        private final ByteBuffer out = ByteBuffer.allocateDirect(SocketConnection.WRITE_BUFFER)
                .order(ByteOrder.LITTLE_ENDIAN);
        private final AcceptFailures failures = new AcceptFailures(path, System::nanoTime);
        /** After a failed accept, accepting pauses until {@link #acceptRetryAt} (System.nanoTime). */
        private boolean acceptPaused;
        private long acceptRetryAt;
        private long backoffMs;
        private long accepted;
        private volatile boolean stopping;

        IoLoop() throws IOException {
            this.selector = Selector.open();
            try {
                this.acceptKey = channel.register(selector, SelectionKey.OP_ACCEPT);
            } catch (IOException | RuntimeException e) {
                selector.close();
                throw e;
            }
            this.thread = Thread.ofPlatform().daemon(true).name("xenstored-io").unstarted(this::run);
        }

        /** Has the I/O thread write {@code c}'s queued events after its current round (any thread). */
        void flushSoon(SocketConnection c) {
            flushes.add(c);
            wakeIfElsewhere();
        }

        /** Wakes the selector unless the caller is the I/O thread, which looks at its queues before it waits. */
        void wakeIfElsewhere() {
            if (Thread.currentThread() != thread) {
                selector.wakeup();
            }
        }

        private void run() {
            try {
                while (!stopping) {
                    long waitMs = acceptPaused ? Math.max(1, (acceptRetryAt - System.nanoTime()) / 1_000_000) : 0;
                    selector.select(this::serve, waitMs);
                    if (acceptPaused && System.nanoTime() - acceptRetryAt >= 0) {
                        acceptPaused = false;
                        acceptKey.interestOps(SelectionKey.OP_ACCEPT);
                        accept();
                    }
                    SocketConnection c;
                    while ((c = flushes.poll()) != null) {
                        try {
                            c.flushEvents(out);
                        } catch (RuntimeException | OutOfMemoryError e) {
                            closeAfter(c, e);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "XenStore's socket I/O thread failed; no client is served any more: " + e);
            } finally {
                for (SelectionKey k : selector.keys()) {
                    if (k.attachment() instanceof SocketConnection c) {
                        c.close();
                    }
                }
                try {
                    selector.close();
                } catch (IOException e) {
                    // Exiting anyway.
                }
            }
        }

        /** One ready socket: the listening one, or a client's. */
        private void serve(SelectionKey k) {
            if (k == acceptKey) {
                accept();
                return;
            }
            SocketConnection c = (SocketConnection) k.attachment();
            try {
                c.ready(in, out);
            } catch (RuntimeException | OutOfMemoryError e) {
                closeAfter(c, e);
            }
        }

        /** Whatever goes wrong with one client ends that client only. */
        private void closeAfter(SocketConnection c, Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + c + ": " + e);
            c.close();
        }

        /** Accepts the clients waiting (at most a backlog's worth, so the others get a turn). */
        private void accept() {
            try {
                for (int i = 0; i < BACKLOG; i++) {
                    SocketChannel ch = channel.accept();
                    if (ch == null) {
                        backoffMs = 0;
                        log(failures.caughtUp());
                        return;
                    }
                    SocketConnection c = new SocketConnection(ch, server, this, "socket client " + ++accepted);
                    try {
                        c.register(selector);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.DEBUG, c + ": " + e.getMessage());
                        c.close();
                    }
                }
            } catch (IOException e) {
                // Out of file descriptors, most likely: the client stays in the backlog, and the
                // listening socket stays ready, so retrying at once would spin. Stop accepting
                // for a while, longer each time, up to a second.
                backoffMs = Math.min(Math.max(2 * backoffMs, 10), MAX_ACCEPT_BACKOFF_MS);
                log(failures.failed(e.getMessage()));
                acceptKey.interestOps(0);
                acceptPaused = true;
                acceptRetryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
            }
        }

        /** Ends the thread and every client it serves, waiting up to {@code timeout} for it. */
        void stop(Duration timeout) throws InterruptedException {
            stopping = true;
            selector.wakeup();
            if (Thread.currentThread() != thread) {
                thread.join(timeout);
            }
        }
    }

    /**
     * Stops listening, closes every client's connection, and removes the socket file if it is
     * still the one this server bound. Someone may have removed it and another
     * daemon bound a new socket there: that one stays. Between the check and the removal
     * another daemon could still take the path; nothing short of a lock every daemon honours
     * closes that window, and it is a few microseconds at exit.
     */
    @Override
    public void close() throws IOException {
        try {
            io.stop(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
        try {
            if (fileKey.equals(fileKey(path))) {
                Files.delete(path);
            }
        } catch (NoSuchFileException gone) {
            // Removed already: nothing of ours to tidy.
        }
    }

    /** The identity (device and inode on Linux) of the file at {@code p}, not following a link. */
    private static Object fileKey(Path p) throws IOException {
        Object key = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        if (key == null) {
            throw new IOException("cannot listen on " + p + ": the file system gives the socket no identity (inode)");
        }
        return key;
    }
}
