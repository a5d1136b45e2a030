package org.jxen.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.jxen.xenstore.wire.XsOp;

/**
 * Many idle clients on one XenStore daemon, run by {@code bench/xenstore-clients.sh}: what
 * each connected client costs the daemon in threads and memory, and whether the memory comes
 * back once they leave. It speaks {@code xen/io/xs_wire.h} itself over blocking sockets from
 * one thread (the clients are idle after their first requests, so they need no thread each).
 *
 * <p>Steps, with the daemon's {@code /proc/PID/status} (Threads, VmRSS, VmHWM) and its number
 * of open descriptors sampled at each mark:
 * <ol>
 * <li>{@code before}: the daemon as started (one node written, {@code /bench/clients/value}).</li>
 * <li>N clients connect; each sends XS_READ of that node, and every K-th first sends XS_WATCH
 *     on {@code /bench/clients/watched} (as libxenstore's callers do); every reply (and each
 *     watch's first event) is read ({@code connect_and_serve_s}: the time this takes).</li>
 * <li>One more client writes under the watched node, so each watcher gets an event fired by
 *     another client's change; each is read. {@code peak}: all N connected and served.</li>
 * <li>All N close. {@code after}: once the daemon's descriptor count is back to where it was.
 *     {@code settled}: S seconds later, the daemon idle throughout.</li>
 * </ol>
 * Prints one JSON object. Fails (exit status 1) if a reply is missing or wrong, or if any step
 * takes longer than {@link #STEP_DEADLINE_S} seconds.
 *
 * <p>usage: {@code XenstoreClients --socket PATH --pid PID --name NAME [--clients N]
 * [--watch-every K] [--settle S]}
 */
public final class XenstoreClients {
    static final int HEADER = 16;
    static final long STEP_DEADLINE_S = 300;
    static final String VALUE_PATH = "/bench/clients/value";
    static final String WATCHED = "/bench/clients/watched";

    private XenstoreClients() {}

    /** One mark's figures. */
    record Sample(String mark, long threads, long rssKib, long hwmKib, long fds, double seconds) {
        String json() {
            return String.format(Locale.ROOT, "{\"threads\": %d, \"rss_kib\": %d, \"hwm_kib\": %d, \"fds\": %d, \"t_s\": %.2f}",
                    threads, rssKib, hwmKib, fds, seconds);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>(Map.of("--clients", "5000", "--watch-every", "2", "--settle", "10"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i], args[i + 1]);
        }
        if (!opt.containsKey("--socket") || !opt.containsKey("--pid") || !opt.containsKey("--name") || args.length % 2 != 0) {
            System.err.println("usage: XenstoreClients --socket PATH --pid PID --name NAME [--clients N] [--watch-every K]"
                    + " [--settle S]");
            System.exit(2);
        }
        Path socket = Path.of(opt.get("--socket"));
        long pid = Long.parseLong(opt.get("--pid"));
        int n = Integer.parseInt(opt.get("--clients"));
        int every = Integer.parseInt(opt.get("--watch-every"));
        int settle = Integer.parseInt(opt.get("--settle"));
        // A step that hangs (a daemon that stopped answering) ends the run instead of the host's patience.
        Thread watchdog = Thread.ofPlatform().daemon(true).unstarted(() -> {
            try {
                Thread.sleep(STEP_DEADLINE_S * 1000 * 4 + settle * 1000L);
                System.err.println("XenstoreClients: no result within " + (STEP_DEADLINE_S * 4 + settle) + " s");
                System.exit(1);
            } catch (InterruptedException e) {
                // Done in time.
            }
        });
        watchdog.start();

        long t0 = System.nanoTime();
        List<Sample> samples = new ArrayList<>();
        try (Client control = new Client(socket)) {
            control.call(XsOp.WRITE, control.pathValue(VALUE_PATH, "0123456789abcdef"));
            control.call(XsOp.WRITE, control.pathValue(WATCHED, ""));
            samples.add(sample("before", pid, t0));

            List<Client> clients = new ArrayList<>(n);
            int watchers = 0;
            double connectS;
            long connectStart = System.nanoTime();
            try {
                for (int i = 0; i < n; i++) {
                    Client c = new Client(socket);
                    clients.add(c);
                    ByteBuffer reqs = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
                    if (i % every == 0) {
                        Client.frame(reqs, XsOp.WATCH, 1, z(WATCHED, "w" + i));
                        watchers++;
                    }
                    Client.frame(reqs, XsOp.READ, 2, z(VALUE_PATH));
                    c.send(reqs.flip());
                }
                for (int i = 0; i < n; i++) {
                    Client c = clients.get(i);
                    if (i % every == 0) {
                        c.expect(XsOp.WATCH, "OK");
                        c.expect(XsOp.WATCH_EVENT, WATCHED + "\0w" + i + "\0");
                    }
                    c.expect(XsOp.READ, "0123456789abcdef");
                }
                connectS = (System.nanoTime() - connectStart) / 1e9;
                control.call(XsOp.WRITE, control.pathValue(WATCHED + "/fired", "1"));
                for (int i = 0; i < n; i += every) {
                    clients.get(i).expect(XsOp.WATCH_EVENT, WATCHED + "/fired\0w" + i + "\0");
                }
                samples.add(sample("peak", pid, t0));
                System.err.printf(Locale.ROOT, "%s: %d clients (%d watching) connected and served in %.2f s%n",
                        opt.get("--name"), n, watchers, connectS);
            } finally {
                for (Client c : clients) {
                    c.close();
                }
            }
            long fdsBefore = samples.get(0).fds();
            long deadline = System.nanoTime() + STEP_DEADLINE_S * 1_000_000_000L;
            // The daemon notices each close on its own time: poll its descriptor count (a bench
            // script watching another process has no event to wait on).
            while (fds(pid) > fdsBefore) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the daemon still holds " + fds(pid) + " descriptors (" + fdsBefore + " before)");
                }
                Thread.sleep(20);
            }
            samples.add(sample("after", pid, t0));
            Thread.sleep(settle * 1000L);
            samples.add(sample("settled", pid, t0));
            // Still answering.
            control.call(XsOp.READ, z(VALUE_PATH));

            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "{\"target\": \"%s\", \"clients\": %d, \"watchers\": %d, \"settle_s\": %d,"
                    + " \"connect_and_serve_s\": %.2f", opt.get("--name"), n, watchers, settle, connectS));
            for (Sample s : samples) {
                b.append(", \"").append(s.mark()).append("\": ").append(s.json());
            }
            System.out.println(b.append('}'));
        }
        watchdog.interrupt();
    }

    static Sample sample(String mark, long pid, long t0) throws IOException {
        long threads = -1;
        long rss = -1;
        long hwm = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                threads = number(line);
            } else if (line.startsWith("VmRSS:")) {
                rss = number(line);
            } else if (line.startsWith("VmHWM:")) {
                hwm = number(line);
            }
        }
        return new Sample(mark, threads, rss, hwm, fds(pid), (System.nanoTime() - t0) / 1e9);
    }

    static long number(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    static long fds(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        }
    }

    /** Strings, each NUL-terminated. */
    static byte[] z(String... strings) {
        StringBuilder b = new StringBuilder();
        for (String s : strings) {
            b.append(s).append('\0');
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** One blocking client with a small buffer (thousands are open at once). */
    static final class Client implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);

        Client(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            in.flip();
        }

        /** struct xsd_sockmsg (type, req_id, tx_id, len) and the payload. */
        static void frame(ByteBuffer b, XsOp op, int reqId, byte[] payload) {
            b.putInt(op.number()).putInt(reqId).putInt(0).putInt(payload.length).put(payload);
        }

        byte[] pathValue(String path, String value) {
            return (path + "\0" + value).getBytes(StandardCharsets.US_ASCII);
        }

        void send(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        void call(XsOp op, byte[] payload) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length).order(ByteOrder.LITTLE_ENDIAN);
            frame(b, op, 9, payload);
            send(b.flip());
            String reply = next(op);
            if (op == XsOp.WRITE && !reply.equals("OK\0")) {
                throw new IOException(op + " answered " + reply);
            }
        }

        /** Reads the next message: it must be {@code op} with {@code payload} (a trailing NUL ignored). */
        void expect(XsOp op, String payload) throws IOException {
            String got = next(op);
            if (!got.equals(payload) && !got.equals(payload + "\0")) {
                throw new IOException(op + ": '" + got.replace('\0', '|') + "' (expected '" + payload.replace('\0', '|') + "')");
            }
        }

        private String next(XsOp op) throws IOException {
            fill(HEADER);
            int type = in.getInt();
            in.getInt();
            in.getInt();
            int len = in.getInt();
            fill(len);
            byte[] p = new byte[len];
            in.get(p);
            String s = new String(p, StandardCharsets.ISO_8859_1);
            if (type != op.number()) {
                throw new IOException("message type " + type + " '" + s.replace('\0', '|') + "' (expected " + op + ")");
            }
            return s;
        }

        private void fill(int bytes) throws IOException {
            if (bytes > in.capacity()) {
                throw new IOException("a message of " + bytes + " bytes (this client expects short ones)");
            }
            while (in.remaining() < bytes) {
                in.compact();
                if (ch.read(in) < 0) {
                    throw new IOException("the daemon closed the connection");
                }
                in.flip();
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
