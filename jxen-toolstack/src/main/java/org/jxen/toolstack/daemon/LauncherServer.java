package org.jxen.toolstack.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jxen.sys.Errno;
import org.jxen.toolstack.api.SocketFiles;
import org.jxen.sys.EventFd;
import org.jxen.sys.Fd;
import org.jxen.sys.LibC;
import org.jxen.sys.SysException;
import org.jxen.sys.UnixSocket;

/**
 * The socket the native {@code xl} launcher talks to ({@code $JXEN_RUNDIR/xl.sock}, protocol in
 * docs/XL-LAUNCHER.md). For each connection: receive the request and the client's three
 * standard descriptors, check the peer ({@link AccessPolicy}), run the command through the
 * {@link CommandRunner} on those descriptors, send back the exit status. While the command runs
 * the connection is watched: when the client goes away (killed, Ctrl-C), the command's
 * {@link Invocation#cancelled()} completes, its thread is interrupted, reads of its standard
 * input end, and a terminal it put in raw mode is restored.
 *
 * <p>Threads (platform threads: every socket call here is a blocking downcall): one accepts;
 * each connection has one that runs the command and one that watches for the hang-up.
 */
public final class LauncherServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.toolstack.daemon");
    /** Most descriptors a request may carry: stdin, stdout, stderr. */
    static final int FDS = 3;
    /** Most xl commands running at once (each holds two threads and the client's descriptors). */
    public static final int MAX_COMMANDS = 256;

    private final Path path;
    private final UnixSocket socket;
    private final CommandRunner runner;
    private final AccessPolicy policy;
    private final Object fileKey;
    private final Set<UnixSocket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final int maxCommands;
    private volatile boolean closed;

    private LauncherServer(Path path, UnixSocket socket, CommandRunner runner, AccessPolicy policy, Object fileKey,
            int maxCommands) {
        this.maxCommands = maxCommands;
        this.path = path;
        this.socket = socket;
        this.runner = runner;
        this.policy = policy;
        this.fileKey = fileKey;
        this.acceptor = Thread.ofPlatform().name("jxend-xl-accept").daemon(true).unstarted(this::acceptLoop);
    }

    /**
     * Listens on {@code path}: mode 0600, or 0660 with the access group when the policy has one.
     * A stale socket file (nobody answers) is replaced; a live one is another jxend.
     */
    public static LauncherServer start(Path path, CommandRunner runner, AccessPolicy policy) throws IOException {
        return start(path, runner, policy, MAX_COMMANDS);
    }

    static LauncherServer start(Path path, CommandRunner runner, AccessPolicy policy, int maxCommands) throws IOException {
        SocketFiles.prepare(path);
        UnixSocket s;
        try {
            s = UnixSocket.listen(path.toString(), 64);
        } catch (SysException e) {
            throw new IOException("cannot listen on " + path + ": " + Errno.describe(e.errno()));
        }
        Object key;
        try {
            key = SocketFiles.restrict(path, policy.groupName());
        } catch (IOException | RuntimeException e) {
            s.close();
            Files.deleteIfExists(path);
            throw e;
        }
        LauncherServer server = new LauncherServer(path, s, runner, policy, key, maxCommands);
        server.acceptor.start();
        return server;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            UnixSocket c;
            try {
                c = socket.accept();
            } catch (SysException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "xl socket: accept failed: " + e.getMessage());
                if (e.errno() == 24 || e.errno() == 23) {
                    // EMFILE/ENFILE: out of descriptors; do not spin.
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                continue;
            } catch (IllegalStateException e) {
                return;
            }
            if (open.size() >= maxCommands) {
                // Told at once, without reading the request: the client prints that jxend is busy.
                try (c) {
                    c.send(LauncherRequest.busy(maxCommands));
                } catch (SysException e) {
                    // The client went away.
                }
                continue;
            }
            open.add(c);
            Thread.ofPlatform().name("jxend-xl").daemon(true).start(() -> serve(c));
        }
    }

    private void serve(UnixSocket c) {
        List<Fd> fds = List.of();
        FdStdio stdio = null;
        try (c) {
            Peer peer;
            LauncherRequest req;
            try {
                UnixSocket.Credentials cred = c.peer();
                peer = new Peer(cred.pid(), cred.uid(), cred.gid());
                // The descriptors come with the first byte; the rest of the header may follow later.
                UnixSocket.Received first = c.receive(LauncherRequest.HEADER_SIZE, FDS);
                fds = first.fds();
                byte[] header = first.data();
                if (header.length < LauncherRequest.HEADER_SIZE) {
                    byte[] rest = c.readFully(LauncherRequest.HEADER_SIZE - header.length);
                    header = concat(header, rest);
                }
                int length = LauncherRequest.payloadLength(header);
                byte[] payload = c.readFully(length);
                if (payload.length != length) {
                    throw new LauncherRequest.BadRequest("the request ends after " + payload.length + " of " + length + " bytes");
                }
                req = LauncherRequest.decode(payload);
                if (fds.size() != FDS) {
                    throw new LauncherRequest.BadRequest("the request carries " + fds.size() + " descriptors (expected: "
                            + FDS + ", standard input, output and error)");
                }
            } catch (LauncherRequest.BadRequest e) {
                LOG.log(System.Logger.Level.WARNING, "xl socket: refused a request: " + e.getMessage());
                tell(fds, "xl: jxend refused the request: " + e.getMessage());
                reply(c, 1);
                return;
            }
            stdio = new FdStdio(fds.get(0), fds.get(1), fds.get(2));
            fds = List.of();
            String refusal = policy.refusal(peer);
            if (refusal != null) {
                stdio.err().write(("xl: " + refusal + "\n").getBytes(StandardCharsets.UTF_8));
                reply(c, 1);
                return;
            }
            int status = run(c, req, stdio, peer);
            stdio.close();
            reply(c, status);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "xl connection: " + e.getMessage());
        } finally {
            fds.forEach(Fd::close);
            if (stdio != null) {
                stdio.close();
            }
            open.remove(c);
        }
    }

    private int run(UnixSocket c, LauncherRequest req, FdStdio stdio, Peer peer) throws SysException {
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        Invocation inv = new Invocation(req.argv(), req.cwd(), req.env(), stdio, peer, cancelled);
        Thread command = Thread.currentThread();
        try (EventFd done = new EventFd("xl command done")) {
            Thread watcher = Thread.ofPlatform().name("jxend-xl-watch").daemon(true).start(() -> {
                try {
                    short hup = (short) (LibC.POLLRDHUP | LibC.POLLHUP | LibC.POLLERR);
                    short[] r = LibC.poll(new int[] {c.get(), done.get()}, new short[] {hup, LibC.POLLIN}, -1);
                    if (r[1] == 0 && (r[0] & (hup | LibC.POLLNVAL)) != 0) {
                        cancelled.complete(null);
                        stdio.cancel();
                        command.interrupt();
                    }
                } catch (SysException | IllegalStateException e) {
                    // The connection or the event is gone: the command has finished.
                }
            });
            int status;
            try {
                status = runner.run(inv);
            } catch (InterruptedException e) {
                status = 130;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "xl " + String.join(" ", req.argv()) + ": internal error: " + e);
                try {
                    stdio.err().write(("xl: internal error in jxend: " + e + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // The client is gone.
                }
                status = 1;
            }
            done.signal();
            try {
                watcher.join();
            } catch (InterruptedException e) {
                // Interrupted by the watcher itself as the client left; it has finished.
            }
            Thread.interrupted();
            return status;
        }
    }

    private static void tell(List<Fd> fds, String message) {
        if (fds.size() >= 3) {
            byte[] m = (message + "\n").getBytes(StandardCharsets.UTF_8);
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment s = a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, m);
                LibC.writeRaw(fds.get(2).get(), s, m.length);
            }
        }
    }

    private static void reply(UnixSocket c, int status) {
        try {
            c.send(LauncherRequest.reply(status));
        } catch (SysException e) {
            // The client went away before its status.
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Stops accepting, ends every connection, removes the socket if it is still this server's. */
    @Override
    public void close() throws IOException {
        closed = true;
        socket.shutdown(LibC.SHUT_RDWR);
        for (UnixSocket c : open) {
            c.shutdown(LibC.SHUT_RDWR);
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
        SocketFiles.removeIfOwn(path, fileKey);
    }
}
