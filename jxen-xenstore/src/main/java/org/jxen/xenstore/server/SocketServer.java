package org.jxen.xenstore.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Listens on XenStore's Unix socket and serves every client on its own platform thread
 * ({@link SocketConnection} says why not a virtual one). The path is Xen's
 * ({@code /run/xenstored/socket}) unless overridden the way Xen's client library is
 * ({@code XENSTORED_PATH}, else {@code $XENSTORED_RUNDIR/socket}), so Debian's xenstore-utils
 * reach it unchanged.
 */
public final class SocketServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.xenstore");
    /** Xen's default, as /var/run/xenstored/socket resolves on systemd hosts. */
    public static final String DEFAULT_SOCKET = "/run/xenstored/socket";

    private final XenstoreServer server;
    private final Path path;
    /** The longest wait between failed accepts. */
    static final long MAX_ACCEPT_BACKOFF_MS = 1000;

    private final ServerSocketChannel channel;
    /**
     * The bound socket file's identity (device and inode, {@link BasicFileAttributes#fileKey()}):
     * {@link #close()} removes the path only while it is still this file, not a socket another
     * daemon bound there after ours was removed.
     */
    private final Object fileKey;
    private final Thread acceptor;
    private final AtomicLong accepted = new AtomicLong();

    private SocketServer(XenstoreServer server, Path path, ServerSocketChannel channel, Object fileKey) {
        this.server = server;
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
        this.acceptor = Thread.ofPlatform().daemon(true).name("xenstored-accept").unstarted(this::acceptLoop);
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
            ch.bind(UnixDomainSocketAddress.of(path), 128);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            key = fileKey(path);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        SocketServer s = new SocketServer(server, path, ch, key);
        s.acceptor.start();
        return s;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        long backoffMs = 0;
        while (channel.isOpen()) {
            SocketChannel c;
            try {
                c = channel.accept();
                backoffMs = 0;
            } catch (IOException e) {
                if (!channel.isOpen()) {
                    return;
                }
                // Out of file descriptors, most likely: the pending client stays in the backlog,
                // so retrying at once would spin. Wait, longer each time, up to a second.
                backoffMs = Math.min(Math.max(2 * backoffMs, 10), MAX_ACCEPT_BACKOFF_MS);
                LOG.log(System.Logger.Level.WARNING, "accept on " + path + " failed: " + e.getMessage()
                        + "; retrying in " + backoffMs + " ms");
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            SocketConnection conn = new SocketConnection(c, server, "socket client " + accepted.incrementAndGet());
            server.connect(conn);
            try {
                conn.start();
            } catch (OutOfMemoryError | RuntimeException e) {
                // No thread for it (thread limit): this client goes, the daemon stays.
                LOG.log(System.Logger.Level.WARNING, "cannot serve " + conn + ": " + e);
                conn.close();
            }
        }
    }

    /**
     * Stops listening and removes the socket file if it is still the one this server bound
     * (clients already connected are left to end). Someone may have removed it and another
     * daemon bound a new socket there: that one stays. Between the check and the removal
     * another daemon could still take the path; nothing short of a lock every daemon honours
     * closes that window, and it is a few microseconds at exit.
     */
    @Override
    public void close() throws IOException {
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
