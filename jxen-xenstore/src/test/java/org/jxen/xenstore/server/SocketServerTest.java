package org.jxen.xenstore.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.jxen.xenstore.client.XsClient;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.wire.XsDecoder;
import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The daemon on a real Unix socket, against well-behaved and hostile clients: many at once,
 * oversized headers, clients that leave mid-message, flood without reading, or watch without
 * reading. Whatever one client does, the others carry on. Every wait has a deadline.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketServerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    XenstoreServer server;
    SocketServer listener;
    Path socket;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = new XenstoreServer(Quota.XEN_DEFAULTS);
        socket = dir.resolve("socket");
        listener = SocketServer.start(server, socket);
        assertThat(listener.path()).isEqualTo(socket);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            try {
                c.close();
            } catch (IOException e) {
                // Already gone.
            }
        }
        listener.close();
    }

    XsClient client() throws IOException {
        XsClient c = XsClient.connect(socket);
        toClose.add(c);
        return c;
    }

    SocketChannel raw() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        toClose.add(ch);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    static byte[] header(XsOp op, int reqId, int len) {
        return ByteBuffer.allocate(XsPacket.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(op.number()).putInt(reqId)
                .putInt(0).putInt(len).array();
    }

    static void send(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    String diagnostics() {
        return " (connections: " + server.connectionCount() + ")";
    }

    /** Waits, with a deadline, until {@code condition} holds. */
    void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("no " + what + " within " + DEADLINE + diagnostics());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Reads {@code ch} until the server closes it (EOF, or a reset when it closed with our bytes
     * unread), with a deadline; returns the packets that came first.
     */
    List<XsPacket> readUntilClosed(SocketChannel ch) throws IOException {
        return read(ch, -1);
    }

    /** Reads exactly {@code n} packets from {@code ch}, with a deadline. */
    List<XsPacket> readPackets(SocketChannel ch, int n) throws IOException {
        return read(ch, n);
    }

    /** Reads {@code n} packets, or with {@code n < 0} until the server closes the connection. */
    private List<XsPacket> read(SocketChannel ch, int n) throws IOException {
        boolean untilClosed = n < 0;
        ch.configureBlocking(false);
        List<XsPacket> out = new ArrayList<>();
        XsDecoder decoder = new XsDecoder();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (Selector sel = Selector.open()) {
            SelectionKey key = ch.register(sel, SelectionKey.OP_READ);
            while (untilClosed || out.size() < n) {
                buf.clear();
                int r;
                try {
                    r = ch.read(buf);
                } catch (IOException reset) {
                    if (untilClosed) {
                        return out;
                    }
                    throw reset;
                }
                if (r < 0) {
                    if (untilClosed) {
                        return out;
                    }
                    fail("the server closed the connection after " + out.size() + " of " + n + " packets");
                }
                buf.flip();
                XsPacket p;
                try {
                    while ((p = decoder.next(buf)) != null) {
                        out.add(p);
                    }
                } catch (XsDecoder.ProtocolException e) {
                    fail("the server sent a malformed packet: " + e.getMessage());
                }
                if (r == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        fail(untilClosed ? "the server did not close the connection within " + DEADLINE + diagnostics()
                                : "only " + out.size() + " of " + n + " packets within " + DEADLINE + diagnostics());
                    }
                    sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    sel.selectedKeys().clear();
                }
            }
            key.cancel();
        }
        ch.configureBlocking(true);
        return out;
    }

    static byte[] request(XsOp op, int reqId, String... strings) {
        byte[] payload = XsPacket.nulTerminated(strings);
        ByteBuffer b = ByteBuffer.allocate(XsPacket.HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header(op, reqId, payload.length)).put(payload);
        return b.array();
    }

    static String describe(XsPacket p) {
        return p.op() + " " + p.reqId() + " " + new String(p.payload(), java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("\0", "|");
    }

    /** A client that must still be served normally, promptly. */
    void assertServes(XsClient c, String key) throws Exception {
        long t0 = System.nanoTime();
        c.write("/alive/" + key, "yes");
        assertThat(c.readString("/alive/" + key)).isEqualTo("yes");
        assertThat(c.directory(0, "/alive")).contains(key);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void manyConcurrentClientsEachGetTheirOwnResults() throws Exception {
        int clients = 16;
        int ops = 500;
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int me = i;
                done.add(exec.submit(() -> {
                    try (XsClient c = XsClient.connect(socket)) {
                        for (int j = 0; j < ops; j++) {
                            String path = "/clients/c" + me + "/k" + j;
                            c.write(path, me + "-" + j);
                            assertThat(c.readString(path)).isEqualTo(me + "-" + j);
                        }
                        return c.directory(0, "/clients/c" + me).size();
                    }
                }));
            }
            for (Future<Integer> f : done) {
                assertThat(f.get(DEADLINE.toSeconds() * 3, TimeUnit.SECONDS)).isEqualTo(ops);
            }
        }
        XsClient check = client();
        assertThat(check.directory(0, "/clients")).hasSize(clients);
        assertThat(check.readString("/clients/c7/k499")).isEqualTo("7-499");
        await("return to one connection", () -> server.connectionCount() == 1);
    }

    @Test
    void aThousandClientsWatchingAndServedCostTheServerNoThreadEach() throws Exception {
        XsClient writer = client();
        writer.write("/many", "v");
        long before = osThreads();
        int n = 1000;
        List<SocketChannel> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SocketChannel ch = raw();
            clients.add(ch);
            send(ch, request(XsOp.WATCH, 1, "/many", "w" + i));
        }
        for (SocketChannel ch : clients) {
            assertThat(readPackets(ch, 2)).extracting(XsPacket::op).containsExactly(XsOp.WATCH, XsOp.WATCH_EVENT);
        }
        // An event from another client's change reaches every watcher.
        writer.write("/many/changed", "x");
        for (SocketChannel ch : clients) {
            assertThat(readPackets(ch, 1)).extracting(SocketServerTest::describe).singleElement().asString()
                    .startsWith("WATCH_EVENT 0 /many/changed|");
        }
        assertThat(server.connectionCount()).isEqualTo(n + 1);
        assertThat(osThreads() - before).as("threads started for %d served and watching clients", n).isLessThan(10);
    }

    /** This JVM's threads as the kernel counts them (carriers of virtual threads included). */
    static long osThreads() throws IOException {
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            return tasks.count();
        }
    }

    @Test
    void aHeaderOverThePayloadLimitClosesThatConnectionOnly() throws Exception {
        XsClient other = client();
        other.write("/before", "1");
        await("two connections", () -> server.connectionCount() == 1);
        SocketChannel bad = raw();
        await("the bad client's connection", () -> server.connectionCount() == 2);
        send(bad, header(XsOp.READ, 1, 5000));
        assertThat(readUntilClosed(bad)).as("no reply, just the close").isEmpty();
        await("the bad connection to go", () -> server.connectionCount() == 1);
        assertServes(other, "after-oversize");
        assertThat(other.readString("/before")).isEqualTo("1");
    }

    @Test
    void aPayloadOfExactlyTheLimitIsServed() throws Exception {
        SocketChannel ch = raw();
        byte[] path = XsPacket.nulTerminated("/max");
        byte[] payload = new byte[XsPacket.PAYLOAD_MAX];
        System.arraycopy(path, 0, payload, 0, path.length);
        send(ch, header(XsOp.WRITE, 9, payload.length));
        send(ch, payload);
        ch.shutdownOutput();
        List<XsPacket> replies = readUntilClosed(ch);
        assertThat(replies).singleElement().satisfies(r -> {
            assertThat(r.op()).isEqualTo(XsOp.WRITE);
            assertThat(r.reqId()).isEqualTo(9);
            assertThat(r.payload()).isEqualTo(XsPacket.nulTerminated("OK"));
        });
        assertThat(client().read(0, "/max")).hasSize(XsPacket.PAYLOAD_MAX - path.length);
    }

    @Test
    void clientsThatLeaveMidMessageLeaveNoTrace() throws Exception {
        XsClient other = client();
        other.write("/x", "1");
        await("one connection", () -> server.connectionCount() == 1);

        SocketChannel halfHeader = raw();
        send(halfHeader, java.util.Arrays.copyOf(header(XsOp.WRITE, 1, 10), 8));
        halfHeader.close();
        await("the half-header client to go", () -> server.connectionCount() == 1);

        SocketChannel halfPayload = raw();
        byte[] payload = XsPacket.nulTerminated("/half", "0123456789012345678901234567890123456789");
        send(halfPayload, header(XsOp.WRITE, 2, payload.length));
        send(halfPayload, java.util.Arrays.copyOf(payload, payload.length / 2));
        halfPayload.close();
        await("the half-payload client to go", () -> server.connectionCount() == 1);

        SocketChannel wholeThenHalf = raw();
        byte[] mk = XsPacket.nulTerminated("/whole");
        send(wholeThenHalf, header(XsOp.MKDIR, 3, mk.length));
        send(wholeThenHalf, mk);
        send(wholeThenHalf, java.util.Arrays.copyOf(header(XsOp.RM, 4, 7), 5));
        wholeThenHalf.shutdownOutput();
        assertThat(readUntilClosed(wholeThenHalf)).extracting(XsPacket::reqId).containsExactly(3);
        await("the third client to go", () -> server.connectionCount() == 1);

        assertServes(other, "after-half-messages");
        assertThatThrownBy(() -> other.read(0, "/half")).isInstanceOfSatisfying(XsException.class,
                e -> assertThat(e.error()).isEqualTo(XsError.ENOENT));
        assertThat(other.directory(0, "/")).contains("whole");
    }

    @Test
    void aClientThatFloodsAndNeverReadsOnlyBlocksItself() throws Exception {
        XsClient other = client();
        other.write("/x", "v");
        SocketChannel flood = raw();
        flood.configureBlocking(false);
        // Small READs, sent for as long as the socket takes them, for the whole test: the server
        // must stop reading once it cannot write the replies, so what the flooder pushes stays
        // bounded (socket buffers and one read's worth of replies) however long it tries.
        byte[] req = XsPacket.of(XsOp.READ, 7, 0, XsPacket.nulTerminated("/x")).encode();
        ByteBuffer batch = ByteBuffer.allocate(req.length * 1024);
        while (batch.remaining() >= req.length) {
            batch.put(req);
        }
        long cap = 16L << 20;
        java.util.concurrent.atomic.AtomicLong pushed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread flooder = Thread.ofVirtual().name("flooder").start(() -> {
            try {
                while (!stop.get() && pushed.get() < cap) {
                    batch.clear();
                    int n = flood.write(batch);
                    pushed.addAndGet(n);
                    if (n == 0) {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
            } catch (IOException e) {
                pushed.set(-1);
            }
        });
        await("the flood to fill the socket", () -> pushed.get() > 64 * 1024);
        // Everyone else is served as usual, and new clients are accepted.
        for (int i = 0; i < 100; i++) {
            assertServes(other, "during-flood-" + i);
        }
        assertServes(client(), "new-client-during-flood");
        stop.set(true);
        flooder.join(DEADLINE);
        assertThat(flooder.isAlive()).isFalse();
        assertThat(pushed.get()).as("bytes the server took from a client that never reads").isPositive().isLessThan(cap);

        int before = server.connectionCount();
        flood.close();
        await("the flooder's connection to go", () -> server.connectionCount() == before - 1);
        assertServes(other, "after-flood");
    }

    @Test
    void aWatcherThatNeverReadsIsDisconnectedAndTheWriterIsUnaffected() throws Exception {
        XsClient writer = client();
        SocketChannel watcher = raw();
        byte[] watch = XsPacket.nulTerminated("/", "w");
        send(watcher, header(XsOp.WATCH, 1, watch.length));
        send(watcher, watch);
        await("the watch to be registered", () -> memreport(writer).contains("watches: 1\n"));
        int before = server.connectionCount();
        int nodes = 10_000;
        String name = "a-node-name-long-enough-to-fill-the-watchers-socket-quickly-";
        long t0 = System.nanoTime();
        for (int i = 0; i < nodes; i++) {
            writer.write("/flood/" + name + i, "x");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        await("the watcher to be cut off", () -> server.connectionCount() == before - 1);
        assertThat(nodes).as("more events than the queue and a socket buffer hold")
                .isGreaterThan(SocketConnection.EVENT_QUEUE + 2000);
        List<XsPacket> got = readUntilClosed(watcher);
        long events = got.stream().filter(p -> p.op() == XsOp.WATCH_EVENT).count();
        assertThat(events).as("the watcher missed events: it was cut off").isGreaterThan(0).isLessThan(nodes);
        assertThat(writer.readString("/flood/" + name + (nodes - 1))).isEqualTo("x");
        assertThat(memreport(writer)).containsPattern("nodes: 100[0-9][0-9]\n");
        assertThat(took).as("10000 writes despite the stuck watcher").isLessThan(Duration.ofSeconds(60));
        assertServes(writer, "after-watch-flood");
        assertThat(memreport(writer)).as("the watcher's watch went with it").contains("watches: 0\n");
    }

    /** The daemon's counters: CONTROL memreport into a file, as xenstore-control memreport FILE does. */
    static String memreport(XsClient c) {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("jxen-memreport", ".txt");
            try {
                c.request(XsOp.CONTROL, 0, XsPacket.nulTerminated("memreport", f.toString()));
                return java.nio.file.Files.readString(f);
            } finally {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (IOException | XsException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void watchEventsReachASocketClient() throws Exception {
        XsClient a = client();
        XsClient b = client();
        a.watch("/shared", "tok");
        assertThat(a.nextEvent(DEADLINE)).isEqualTo(new XsClient.WatchEvent("/shared", "tok"));
        b.write("/shared/k", "v");
        assertThat(a.nextEvent(DEADLINE)).isEqualTo(new XsClient.WatchEvent("/shared/k", "tok"));
        a.unwatch("/shared", "tok");
        b.write("/shared/k", "w");
        a.write("/fence", "");
        assertThat(a.nextEvent(Duration.ZERO)).isNull();
    }

    @Test
    void eventsFromAChangeMadeOffTheIoThreadReachASocketClient() throws Exception {
        // The toolstack changes the store from its own thread (withStore): the socket client's
        // event must be written without a request of its own to wake the I/O thread.
        XsClient a = client();
        a.watch("/toolstack", "tok");
        assertThat(a.nextEvent(DEADLINE)).isEqualTo(new XsClient.WatchEvent("/toolstack", "tok"));
        for (int i = 0; i < 100; i++) {
            String path = "/toolstack/k" + i;
            server.withStore(s -> {
                try {
                    s.write(s, org.jxen.xenstore.store.Caller.DOM0, path, new byte[] {'v'});
                } catch (XsException e) {
                    throw new AssertionError(e);
                }
                return null;
            });
            assertThat(a.nextEvent(DEADLINE)).as("event %d", i).isEqualTo(new XsClient.WatchEvent(path, "tok"));
        }
    }

    @Test
    void aSecondDaemonOnTheSameSocketIsRefused() {
        assertThatThrownBy(() -> SocketServer.start(new XenstoreServer(Quota.XEN_DEFAULTS), socket))
                .isInstanceOf(IOException.class).hasMessageContaining("already");
    }

    @Test
    void aStaleSocketIsReplacedButAFileOrDirectoryIsNot() throws Exception {
        // A socket nobody listens on any more (its daemon was killed): replaced.
        Path stale = dir.resolve("stale");
        try (var ch = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(stale));
        }
        assertThat(java.nio.file.Files.exists(stale)).isTrue();
        try (SocketServer s = SocketServer.start(server, stale); XsClient c = XsClient.connect(stale)) {
            c.write("/via-stale", "ok");
            assertThat(c.readString("/via-stale")).isEqualTo("ok");
        }
        // Someone's file, and a directory: refused, and left as they were.
        Path file = java.nio.file.Files.writeString(dir.resolve("file"), "precious");
        assertThatThrownBy(() -> SocketServer.start(server, file)).isInstanceOf(IOException.class)
                .hasMessage("cannot listen on " + file + ": it exists and is not a socket");
        assertThat(java.nio.file.Files.readString(file)).isEqualTo("precious");
        Path directory = java.nio.file.Files.createDirectory(dir.resolve("directory"));
        assertThatThrownBy(() -> SocketServer.start(server, directory)).hasMessageContaining("is not a socket");
        assertThat(directory).isDirectory();
    }

    @Test
    void closingLeavesASocketThatAnotherServerBoundInPlaceOfOurs() throws Exception {
        java.nio.file.Files.delete(socket);
        XenstoreServer other = new XenstoreServer(Quota.XEN_DEFAULTS);
        try (SocketServer second = SocketServer.start(other, socket)) {
            listener.close();
            assertThat(socket).as("the second server's socket after the first closed").exists();
            try (XsClient c = XsClient.connect(socket)) {
                c.write("/second", "yes");
                assertThat(c.readString("/second")).isEqualTo("yes");
            }
            assertThat(other.connectionCount()).as("the second server served that client").isLessThanOrEqualTo(1);
        }
        assertThat(socket).as("the second server's socket after it closed").doesNotExist();
    }

    @Test
    void failedAcceptsAreLoggedOnceThenSummarisedEveryFewMinutesAndTheRecoveryIsNamed() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000);
        var failures = new SocketServer.AcceptFailures(socket, now::get);
        long second = TimeUnit.SECONDS.toNanos(1);
        assertThat(failures.caughtUp()).as("an accept that ends no failures").isNull();

        assertThat(failures.failed("Too many open files")).startsWith("accept on " + socket + " failed: Too many open files;");
        // Retried each second: quiet until the summary is due.
        List<String> lines = new ArrayList<>();
        long summary = SocketServer.AcceptFailures.SUMMARY_EVERY.toNanos();
        for (long t = second; t < summary; t += second) {
            now.set(1_000 + t);
            String line = failures.failed("Too many open files");
            if (line != null) {
                lines.add(line);
            }
        }
        assertThat(lines).isEmpty();
        now.set(1_000 + summary);
        assertThat(failures.failed("Too many open files")).isEqualTo("accept on " + socket
                + " still fails: Too many open files (" + summary / second + " more times in 300.0 s)");
        now.addAndGet(second);
        assertThat(failures.failed("Too many open files")).as("just after a summary").isNull();

        now.addAndGet(second / 2);
        assertThat(failures.caughtUp()).isEqualTo("accept on " + socket + " works again, after " + (summary / second + 2)
                + " failed attempts in 301.5 s");
        assertThat(failures.caughtUp()).isNull();
        // A new run starts with its own first line.
        assertThat(failures.failed("Too many open files")).startsWith("accept on " + socket + " failed:");
    }

    @Test
    void aClientGetsItsRepliesAndOwnEventsInXensOrder() throws Exception {
        SocketChannel ch = raw();
        // WATCH: the OK, then the watch's first event (xenstored_watch.c, do_watch).
        send(ch, request(XsOp.WATCH, 1, "/order", "tok"));
        // WRITE under the watch: the event, then the OK (xenstored_core.c, do_write fires, then acks).
        send(ch, writeRequest(2, "/order/x", "v"));
        send(ch, request(XsOp.READ, 3, "/order/x"));
        assertThat(readPackets(ch, 5)).extracting(SocketServerTest::describe).containsExactly(
                "WATCH 1 OK|", "WATCH_EVENT 0 /order|tok|", "WATCH_EVENT 0 /order/x|tok|", "WRITE 2 OK|", "READ 3 v");
    }

    static byte[] writeRequest(int reqId, String path, String value) {
        byte[] payload = (path + "\0" + value).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(XsPacket.HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(header(XsOp.WRITE, reqId, payload.length)).put(payload).array();
    }

    @Test
    void anEventOverThePayloadLimitIsDroppedAndTheWriterIsStillAnswered() throws Exception {
        SocketChannel longToken = raw();
        String token = "T".repeat(4000);
        send(longToken, request(XsOp.WATCH, 1, "/", token));
        assertThat(readPackets(longToken, 2)).extracting(XsPacket::op).containsExactly(XsOp.WATCH, XsOp.WATCH_EVENT);
        XsClient shortToken = client();
        shortToken.watch("/", "short");
        assertThat(shortToken.nextEvent(DEADLINE).token()).isEqualTo("short");
        // "/" + 200 characters and the long token do not fit in 4096 bytes: that event is dropped,
        // as xenstored's send_event drops it; the write and every other event go through.
        String path = "/" + "q".repeat(200);
        XsClient writer = client();
        writer.write(path, "v");
        assertThat(writer.readString(path)).isEqualTo("v");
        assertThat(shortToken.nextEvent(DEADLINE).path()).isEqualTo(path);
        writer.write("/s", "v");
        assertThat(readPackets(longToken, 1)).extracting(SocketServerTest::describe)
                .containsExactly("WATCH_EVENT 0 /s|" + token + "|");
    }

    @Test
    void aPipelinedFloodOfLargeRepliesIsAnsweredInFullAndInOrder() throws Exception {
        XsClient c = client();
        String big = "x".repeat(4000);
        c.write("/big", big);
        SocketChannel ch = raw();
        // 16 KiB of READ requests at once: over 3 MB of replies, written in bounded pieces.
        int n = 16 * 1024 / (XsPacket.HEADER_SIZE + "/big".length() + 1);
        ByteBuffer all = ByteBuffer.allocate(n * (XsPacket.HEADER_SIZE + 5));
        for (int i = 0; i < n; i++) {
            all.put(request(XsOp.READ, 100 + i, "/big"));
        }
        send(ch, all.array());
        List<XsPacket> replies = readPackets(ch, n);
        for (int i = 0; i < n; i++) {
            assertThat(replies.get(i).reqId()).isEqualTo(100 + i);
            assertThat(replies.get(i).payload()).hasSize(4000);
        }
        assertServes(c, "after-flood");
    }

    @Test
    void watchTokensAreBytesAndComeBackUnchanged() throws Exception {
        SocketChannel ch = raw();
        byte[][] tokens = {{'a', (byte) 0xe9, 'b'}, {(byte) 0xff}, {(byte) 0xfe}};
        int req = 1;
        for (byte[] t : tokens) {
            ByteBuffer payload = ByteBuffer.allocate(3 + t.length).put(new byte[] {'/', 'w', 0}).put(t);
            byte[] p = java.util.Arrays.copyOf(payload.array(), payload.capacity() + 1);
            send(ch, ByteBuffer.allocate(XsPacket.HEADER_SIZE + p.length).order(ByteOrder.LITTLE_ENDIAN)
                    .put(header(XsOp.WATCH, req++, p.length)).put(p).array());
        }
        List<XsPacket> got = readPackets(ch, 6);
        for (int i = 0; i < tokens.length; i++) {
            assertThat(got.get(2 * i).op()).as("WATCH reply %d", i).isEqualTo(XsOp.WATCH);
            byte[] expected = java.util.Arrays.copyOf(new byte[] {'/', 'w', 0}, 3 + tokens[i].length + 1);
            System.arraycopy(tokens[i], 0, expected, 3, tokens[i].length);
            assertThat(got.get(2 * i + 1).payload()).as("event %d", i).isEqualTo(expected);
        }
    }
}
