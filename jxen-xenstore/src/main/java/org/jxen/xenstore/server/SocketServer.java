package org.jxen.xenstore.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private final ServerSocketChannel channel;
    private final Thread acceptor;
    private final AtomicLong accepted = new AtomicLong();

    private SocketServer(XenstoreServer server, Path path, ServerSocketChannel channel) {
        this.server = server;
        this.path = path;
        this.channel = channel;
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
        if (Files.exists(path)) {
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
        try {
            ch.bind(UnixDomainSocketAddress.of(path), 128);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        SocketServer s = new SocketServer(server, path, ch);
        s.acceptor.start();
        return s;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (channel.isOpen()) {
            try {
                SocketChannel c = channel.accept();
                SocketConnection conn = new SocketConnection(c, server, "socket client " + accepted.incrementAndGet());
                server.connect(conn);
                conn.start();
            } catch (IOException e) {
                if (channel.isOpen()) {
                    LOG.log(System.Logger.Level.WARNING, "accept on " + path + " failed: " + e.getMessage());
                }
            }
        }
    }

    /** Stops listening and removes the socket file (clients already connected are left to end). */
    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(path);
    }
}
