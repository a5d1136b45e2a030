package org.jxen.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jxen.xenstore.wire.XsOp;

/**
 * A load generator for XenStore daemons on their Unix socket, run by {@code bench/xenstore.sh}.
 * It speaks {@code xen/io/xs_wire.h} itself (no client library: one blocking socket per client
 * and a platform thread each, like separate libxenstore processes), so the same code drives
 * jxen-xenstored, Xen's C xenstored and the echo servers that give the ceiling.
 *
 * <p>Scenarios (each run for a fixed time after a warm-up; the rounds rotate over targets, so
 * drift on a shared host hits every target alike):
 * <ul>
 * <li>{@code read-cN}: N clients, each with one request outstanding (synchronous, as
 *     libxenstore's xs_read), XS_READ of a 16-byte node.</li>
 * <li>{@code write-cN}: the same with XS_WRITE of 16 bytes, each client its own node.</li>
 * <li>{@code read-pipeK-cN}, {@code write-pipeK-cN}: PIPELINED, not what libxenstore does: each
 *     client keeps K requests in flight (it sends as many new requests as replies arrived,
 *     in one write).</li>
 * <li>{@code tx-cN}: N clients run a read-modify-write transaction on ONE shared node
 *     (TRANSACTION_START, READ, WRITE value+1, TRANSACTION_END T; EAGAIN is counted and
 *     retried). Reports commits/s and EAGAIN/s; at the end the node must equal the number of
 *     commits.</li>
 * <li>{@code watch}: one client writes a node, another has a watch on it and timestamps the
 *     event; the writer waits for the event before its next write. Reports the event latency
 *     (write sent to event read) and the write's own round trip, median and p99.</li>
 * </ul>
 * Echo targets answer every message with itself, so they run only the read and write
 * scenarios (the same frames, echoed).
 *
 * <p>Memory ({@code --mem}): after the rounds, per XenStore target, the daemon's RSS (and, for
 * a JVM, the heap used after a full GC: {@code jcmd PID GC.run} then {@code GC.heap_info}) before
 * and after writing 10,100 nodes (100 directories of 100 leaves with 16-byte values).
 */
public final class XenstoreLoad {
    static final int HEADER = 16;
    static final int PAYLOAD_MAX = 4096;
    static final byte[] VALUE = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** One server under test. */
    record Target(String name, String kind, Path socket, long pid, boolean jvm) {
        boolean xenstore() {
            return kind.equals("xenstore");
        }
    }

    /** One measurement. */
    record Result(String scenario, String target, int round, double opsPerSec, double eagainPerSec, long ops,
            double p50us, double p99us, double replyP50us, double serverCpuUsPerOp) {}

    // --- configuration ---
    final List<Target> targets = new ArrayList<>();
    int runs = 5;
    double seconds = 2;
    double warmup = 2;
    int[] clients = {1, 8};
    int window = 16;
    List<String> scenarioFilter = null;
    boolean mem;
    String jcmd = "jcmd";
    Path json;
    final List<Result> results = new ArrayList<>();
    final Map<String, Long> commits = new LinkedHashMap<>();
    final Map<String, String> memory = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        XenstoreLoad l = new XenstoreLoad();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--target" -> {
                    String[] f = args[++i].split(",");
                    if (f.length < 3) {
                        throw new IllegalArgumentException("--target NAME,KIND,SOCKET[,PID[,jvm]]: " + args[i]);
                    }
                    l.targets.add(new Target(f[0], f[1], Path.of(f[2]), f.length > 3 ? Long.parseLong(f[3]) : 0,
                            f.length > 4 && f[4].equals("jvm")));
                }
                case "--runs" -> l.runs = Integer.parseInt(args[++i]);
                case "--seconds" -> l.seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> l.warmup = Double.parseDouble(args[++i]);
                case "--clients" -> l.clients = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--window" -> l.window = Integer.parseInt(args[++i]);
                case "--scenarios" -> l.scenarioFilter = List.of(args[++i].split(","));
                case "--mem" -> l.mem = true;
                case "--jcmd" -> l.jcmd = args[++i];
                case "--json" -> l.json = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        l.run();
    }

    // --- scenarios ---

    List<String> scenarios() {
        List<String> s = new ArrayList<>();
        for (String op : new String[] {"read", "write"}) {
            for (int c : clients) {
                s.add(op + "-c" + c);
            }
        }
        for (String op : new String[] {"read", "write"}) {
            for (int c : clients) {
                s.add(op + "-pipe" + window + "-c" + c);
            }
        }
        for (int c : clients) {
            s.add("tx-c" + c);
        }
        s.add("watch");
        if (scenarioFilter != null) {
            s.removeIf(x -> scenarioFilter.stream().noneMatch(x::startsWith));
        }
        return s;
    }

    static boolean applies(String scenario, Target t) {
        return t.xenstore() || scenario.startsWith("read") || scenario.startsWith("write");
    }

    void run() throws Exception {
        String started = Instant.now().toString();
        for (Target t : targets) {
            if (t.xenstore()) {
                setUp(t);
            }
        }
        List<String> scenarios = scenarios();
        System.out.printf(Locale.ROOT, "targets: %s; scenarios: %s; %d runs of %.1f s after %.1f s warm-up each%n",
                targets.stream().map(Target::name).toList(), scenarios, runs, seconds, warmup);
        for (String sc : scenarios) {
            for (Target t : targets) {
                if (applies(sc, t)) {
                    measure(sc, t, 0, warmup);
                }
            }
        }
        for (int r = 1; r <= runs; r++) {
            for (String sc : scenarios) {
                for (Target t : targets) {
                    if (applies(sc, t)) {
                        Result res = measure(sc, t, r, seconds);
                        results.add(res);
                        System.out.println(format(res));
                    }
                }
            }
        }
        for (Target t : targets) {
            if (t.xenstore() && commits.containsKey(t.name())) {
                checkCounter(t);
            }
        }
        if (mem) {
            for (Target t : targets) {
                if (t.xenstore()) {
                    memory(t);
                }
            }
        }
        summary(scenarios);
        if (json != null) {
            writeJson(started, scenarios);
        }
    }

    static String format(Result r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "round %d  %-16s %-12s %10.0f ops/s", r.round(),
                r.scenario(), r.target(), r.opsPerSec()));
        if (r.serverCpuUsPerOp() >= 0) {
            b.append(String.format(Locale.ROOT, "  server CPU %.2f us/op", r.serverCpuUsPerOp()));
        }
        if (r.scenario().startsWith("tx")) {
            b.append(String.format(Locale.ROOT, "  (commits; EAGAIN %.0f/s)", r.eagainPerSec()));
        }
        if (r.scenario().equals("watch")) {
            b.append(String.format(Locale.ROOT, "  event p50 %.1f us p99 %.1f us; write reply p50 %.1f us", r.p50us(),
                    r.p99us(), r.replyP50us()));
        }
        return b.toString();
    }

    void setUp(Target t) throws IOException {
        try (Conn c = new Conn(t.socket())) {
            c.expectOk(c.call(XsOp.WRITE, 0, c.writePayload("/bench/read", VALUE)), "WRITE /bench/read");
            c.expectOk(c.call(XsOp.WRITE, 0, c.writePayload("/bench/counter", "0".getBytes(StandardCharsets.US_ASCII))),
                    "WRITE /bench/counter");
            c.expectOk(c.call(XsOp.WRITE, 0, c.writePayload("/bench/watch", VALUE)), "WRITE /bench/watch");
            int type = c.call(XsOp.READ, 0, Conn.z("/bench/read"));
            if (type != XsOp.READ.number() || !Arrays.equals(c.payload(), VALUE)) {
                throw new IOException(t.name() + ": READ /bench/read gave type " + type + " " + c.payloadString());
            }
        }
        commits.put(t.name(), 0L);
    }

    Result measure(String sc, Target t, int round, double secs) throws Exception {
        long cpu0 = cpuTicks(t.pid());
        Result r = sc.equals("watch") ? watch(t, round, secs) : throughput(sc, t, round, secs);
        long cpu1 = cpuTicks(t.pid());
        double cpuUs = cpu0 < 0 || r.ops() == 0 ? -1 : (cpu1 - cpu0) * 1e6 / TICKS_PER_SECOND / r.ops();
        return new Result(r.scenario(), r.target(), r.round(), r.opsPerSec(), r.eagainPerSec(), r.ops(), r.p50us(),
                r.p99us(), r.replyP50us(), cpuUs);
    }

    /** USER_HZ: the unit of utime and stime in /proc/PID/stat (100 on every Linux/x86 build). */
    static final double TICKS_PER_SECOND = 100;

    /** The process's user + system CPU time so far, in clock ticks (-1 when unknown). */
    static long cpuTicks(long pid) throws IOException {
        if (pid <= 0) {
            return -1;
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    Result throughput(String sc, Target t, int round, double secs) throws Exception {
        int n = Integer.parseInt(sc.substring(sc.lastIndexOf("-c") + 2));
        boolean tx = sc.startsWith("tx");
        boolean write = sc.startsWith("write");
        int k = sc.contains("-pipe") ? window : 1;
        List<Conn> conns = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                conns.add(new Conn(t.socket()));
            }
            long[] ops = new long[n];
            long[] eagain = new long[n];
            Throwable[] failure = new Throwable[1];
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
            Thread[] threads = new Thread[n];
            for (int i = 0; i < n; i++) {
                int id = i;
                Conn c = conns.get(i);
                threads[i] = Thread.ofPlatform().name("load-" + i).start(() -> {
                    try {
                        ready.countDown();
                        go.await();
                        if (tx) {
                            transactions(c, stopAt, ops, eagain, id);
                        } else {
                            Frame f = write ? Frame.write(c, "/bench/write/" + id, VALUE) : Frame.read(c, "/bench/read");
                            window(c, f, k, stopAt, ops, id);
                        }
                    } catch (Throwable e) {
                        synchronized (failure) {
                            failure[0] = e;
                        }
                    }
                });
            }
            ready.await();
            long start = System.nanoTime();
            long end = start + (long) (secs * 1e9);
            stopAt.set(end);
            go.countDown();
            long now;
            while ((now = System.nanoTime()) < end) {
                Thread.sleep(Math.max(1, (end - now) / 1_000_000));
            }
            for (Thread th : threads) {
                th.join();
            }
            if (failure[0] != null) {
                throw new IOException(t.name() + " " + sc + ": " + failure[0], failure[0]);
            }
            double elapsed = (end - start) / 1e9;
            long total = Arrays.stream(ops).sum();
            long again = Arrays.stream(eagain).sum();
            if (tx) {
                commits.merge(t.name(), total, Long::sum);
            }
            return new Result(sc, t.name(), round, total / elapsed, again / elapsed, total, 0, 0, 0, -1);
        } finally {
            for (Conn c : conns) {
                c.close();
            }
        }
    }

    /** A request to repeat, with its reply type. */
    record Frame(byte[] bytes, int replyType) {
        static Frame read(Conn c, String path) {
            return new Frame(Conn.frame(XsOp.READ, 0, Conn.z(path)), XsOp.READ.number());
        }

        static Frame write(Conn c, String path, byte[] value) {
            return new Frame(Conn.frame(XsOp.WRITE, 0, c.writePayload(path, value)), XsOp.WRITE.number());
        }
    }

    /**
     * Keeps {@code k} requests in flight: sends k, then after each read sends as many new ones as
     * replies arrived, in one write. With k = 1 this is a synchronous client.
     */
    static void window(Conn c, Frame f, int k, AtomicLong stopAt, long[] ops, int id) throws IOException {
        int outstanding = 0;
        c.send(f.bytes(), k);
        outstanding += k;
        long done = 0;
        long stop = stopAt.get();
        while (true) {
            int n = c.readReplies(f.replyType());
            outstanding -= n;
            done += n;
            if (System.nanoTime() >= stop) {
                break;
            }
            c.send(f.bytes(), n);
            outstanding += n;
        }
        while (outstanding > 0) {
            outstanding -= c.readReplies(f.replyType());
        }
        ops[id] = done;
    }

    static void transactions(Conn c, AtomicLong stopAt, long[] ops, long[] eagain, int id) throws IOException {
        long stop = stopAt.get();
        byte[] counter = Conn.z("/bench/counter");
        byte[] commit = Conn.z("T");
        byte[] abort = Conn.z("F");
        byte[] empty = Conn.z("");
        long committed = 0;
        long again = 0;
        while (System.nanoTime() < stop) {
            c.expect(c.call(XsOp.TRANSACTION_START, 0, empty), XsOp.TRANSACTION_START, "TRANSACTION_START");
            int tx = Integer.parseUnsignedInt(c.payloadString());
            int type = c.call(XsOp.READ, tx, counter);
            if (type == XsOp.ERROR.number() && c.payloadString().equals("EAGAIN")) {
                again++;
                c.call(XsOp.TRANSACTION_END, tx, abort);
                continue;
            }
            c.expect(type, XsOp.READ, "READ in transaction");
            long v = Long.parseLong(c.payloadString());
            type = c.call(XsOp.WRITE, tx, c.writePayload("/bench/counter",
                    Long.toString(v + 1).getBytes(StandardCharsets.US_ASCII)));
            if (type == XsOp.ERROR.number() && c.payloadString().equals("EAGAIN")) {
                again++;
                c.call(XsOp.TRANSACTION_END, tx, abort);
                continue;
            }
            c.expect(type, XsOp.WRITE, "WRITE in transaction");
            type = c.call(XsOp.TRANSACTION_END, tx, commit);
            if (type == XsOp.ERROR.number() && c.payloadString().equals("EAGAIN")) {
                again++;
            } else {
                c.expect(type, XsOp.TRANSACTION_END, "TRANSACTION_END");
                committed++;
            }
        }
        ops[id] = committed;
        eagain[id] = again;
    }

    Result watch(Target t, int round, double secs) throws Exception {
        try (Conn writer = new Conn(t.socket()); Conn watcher = new Conn(t.socket())) {
            // The WATCH reply and the event every new watch fires at once may come in either order.
            watcher.send(Conn.frame(XsOp.WATCH, 0, Conn.z("/bench/watch", "bench")), 1);
            boolean reply = false;
            boolean first = false;
            while (!reply || !first) {
                int type = watcher.next();
                if (type == XsOp.WATCH_EVENT.number()) {
                    first = true;
                } else {
                    watcher.expect(type, XsOp.WATCH, "WATCH");
                    reply = true;
                }
            }
            AtomicLong events = new AtomicLong();
            long[] eventAt = new long[1];
            Thread self = Thread.currentThread();
            Thread w = Thread.ofPlatform().name("watcher").start(() -> {
                try {
                    while (true) {
                        int type = watcher.next();
                        long at = System.nanoTime();
                        if (type != XsOp.WATCH_EVENT.number()) {
                            throw new IOException("watcher got type " + type);
                        }
                        eventAt[0] = at;
                        events.incrementAndGet();
                        LockSupport.unpark(self);
                    }
                } catch (IOException e) {
                    // Closed at the end of the measurement.
                }
            });
            byte[] frame = Conn.frame(XsOp.WRITE, 0, writer.writePayload("/bench/watch", VALUE));
            long start = System.nanoTime();
            long end = start + (long) (secs * 1e9);
            long[] lat = new long[1 << 16];
            long[] replyLat = new long[1 << 16];
            int n = 0;
            long now;
            while ((now = System.nanoTime()) < end) {
                long t0 = now;
                writer.send(frame, 1);
                writer.expect(writer.next(), XsOp.WRITE, "WRITE");
                long t1 = System.nanoTime();
                long deadline = t1 + TimeUnit.SECONDS.toNanos(5);
                while (events.get() < n + 1) {
                    LockSupport.parkNanos(1_000_000);
                    if (System.nanoTime() > deadline) {
                        throw new IOException(t.name() + ": no watch event within 5 s");
                    }
                }
                if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                    replyLat = Arrays.copyOf(replyLat, n * 2);
                }
                lat[n] = eventAt[0] - t0;
                replyLat[n] = t1 - t0;
                n++;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            watcher.close();
            w.join();
            long[] l = Arrays.copyOf(lat, n);
            long[] rl = Arrays.copyOf(replyLat, n);
            Arrays.sort(l);
            Arrays.sort(rl);
            return new Result("watch", t.name(), round, n / elapsed, 0, n, l[n / 2] / 1e3, l[(int) (n * 0.99)] / 1e3,
                    rl[n / 2] / 1e3, -1);
        }
    }

    void checkCounter(Target t) throws IOException {
        try (Conn c = new Conn(t.socket())) {
            c.expect(c.call(XsOp.READ, 0, Conn.z("/bench/counter")), XsOp.READ, "READ /bench/counter");
            long v = Long.parseLong(c.payloadString());
            long expected = commits.get(t.name());
            System.out.printf(Locale.ROOT, "%s: /bench/counter = %d, commits counted %d: %s%n", t.name(), v, expected,
                    v == expected ? "consistent" : "MISMATCH");
            if (v != expected) {
                throw new IOException(t.name() + ": lost or duplicated transaction commits");
            }
        }
    }

    // --- memory ---

    void memory(Target t) throws Exception {
        long rssBefore = rssKib(t.pid());
        long heapBefore = heapUsedKib(t);
        int created = 0;
        try (Conn c = new Conn(t.socket())) {
            for (int d = 0; d < 100; d++) {
                for (int i = 0; i < 100; i++) {
                    c.expectOk(c.call(XsOp.WRITE, 0, c.writePayload("/bench/mem/d" + d + "/n" + i, VALUE)), "WRITE");
                    created += i == 0 ? 2 : 1;
                }
            }
        }
        long rssAfter = rssKib(t.pid());
        long heapAfter = heapUsedKib(t);
        String s = String.format(Locale.ROOT, "%d nodes created; RSS %d -> %d KiB (%+.0f KiB per 10k nodes)", created,
                rssBefore, rssAfter, (rssAfter - rssBefore) * 10000.0 / created);
        if (heapBefore >= 0) {
            s += String.format(Locale.ROOT, "; heap used after full GC %d -> %d KiB (%+.0f KiB per 10k nodes)", heapBefore,
                    heapAfter, (heapAfter - heapBefore) * 10000.0 / created);
        }
        memory.put(t.name(), String.format(Locale.ROOT,
                "{\"nodes\": %d, \"rss_kib_before\": %d, \"rss_kib_after\": %d, \"heap_kib_before\": %d, \"heap_kib_after\": %d}",
                created, rssBefore, rssAfter, heapBefore, heapAfter));
        System.out.println("memory " + t.name() + ": " + s);
    }

    static long rssKib(long pid) throws IOException {
        if (pid <= 0) {
            return -1;
        }
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static final Pattern USED = Pattern.compile("total \\d+K, used (\\d+)K");

    /** Heap used after a full GC, from jcmd (-1 for a non-JVM target). */
    long heapUsedKib(Target t) throws Exception {
        if (!t.jvm() || t.pid() <= 0) {
            return -1;
        }
        jcmd(t.pid(), "GC.run");
        String out = jcmd(t.pid(), "GC.heap_info");
        Matcher m = USED.matcher(out);
        long sum = 0;
        boolean any = false;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
            any = true;
        }
        if (!any) {
            throw new IOException("cannot parse jcmd GC.heap_info output:\n" + out);
        }
        return sum;
    }

    String jcmd(long pid, String cmd) throws Exception {
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("jcmd " + pid + " " + cmd + " failed:\n" + out);
        }
        return out;
    }

    // --- summary ---

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    double[] values(String sc, String target, java.util.function.ToDoubleFunction<Result> f) {
        return results.stream().filter(r -> r.scenario().equals(sc) && r.target().equals(target)).mapToDouble(f).toArray();
    }

    void summary(List<String> scenarios) {
        System.out.println();
        System.out.println("median (min-max) over " + runs + " runs:");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-16s", "scenario"));
        for (Target t : targets) {
            head.append(String.format(Locale.ROOT, " %24s", t.name()));
        }
        System.out.println(head);
        for (String sc : scenarios) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-16s", sc));
            for (Target t : targets) {
                double[] v = values(sc, t.name(), Result::opsPerSec);
                b.append(v.length == 0 ? String.format(Locale.ROOT, " %24s", "-")
                        : String.format(Locale.ROOT, " %10.0f (%5.0f-%5.0f)", median(v),
                                Arrays.stream(v).min().orElse(0) / 1, Arrays.stream(v).max().orElse(0)));
            }
            System.out.println(b);
            StringBuilder cpu = new StringBuilder(String.format(Locale.ROOT, "%-16s", "  server CPU us"));
            for (Target t : targets) {
                double[] v = values(sc, t.name(), Result::serverCpuUsPerOp);
                cpu.append(v.length == 0 || median(v) < 0 ? String.format(Locale.ROOT, " %24s", "-")
                        : String.format(Locale.ROOT, " %10.2f %13s", median(v), ""));
            }
            System.out.println(cpu);
            if (sc.startsWith("tx")) {
                StringBuilder e = new StringBuilder(String.format(Locale.ROOT, "%-16s", "  EAGAIN/s"));
                for (Target t : targets) {
                    double[] v = values(sc, t.name(), Result::eagainPerSec);
                    e.append(v.length == 0 ? String.format(Locale.ROOT, " %24s", "-")
                            : String.format(Locale.ROOT, " %10.0f %13s", median(v), ""));
                }
                System.out.println(e);
            }
            if (sc.equals("watch")) {
                for (String what : new String[] {"event p50 us", "event p99 us", "reply p50 us"}) {
                    StringBuilder e = new StringBuilder(String.format(Locale.ROOT, "%-16s", "  " + what));
                    for (Target t : targets) {
                        double[] v = values(sc, t.name(), what.startsWith("event p50") ? Result::p50us
                                : what.startsWith("event p99") ? Result::p99us : Result::replyP50us);
                        e.append(v.length == 0 ? String.format(Locale.ROOT, " %24s", "-")
                                : String.format(Locale.ROOT, " %10.1f %13s", median(v), ""));
                    }
                    System.out.println(e);
                }
            }
        }
        // Ratios of medians: every XenStore target against each echo server and against Xen's
        // xenstored (the target named "xen"); every other XenStore target against the first one.
        System.out.println();
        System.out.println("ratios of medians (ops/s):");
        Target first = targets.stream().filter(Target::xenstore).findFirst().orElse(null);
        for (Target a : targets) {
            if (!a.xenstore()) {
                continue;
            }
            for (Target b : targets) {
                boolean wanted = !b.xenstore() || b.name().equals("xen") || (a != first && b == first);
                if (b == a || !wanted || (a.name().equals("xen") && b.xenstore())) {
                    continue;
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-28s", a.name() + " / " + b.name()));
                for (String sc : scenarios) {
                    double[] va = values(sc, a.name(), Result::opsPerSec);
                    double[] vb = values(sc, b.name(), Result::opsPerSec);
                    if (va.length > 0 && vb.length > 0) {
                        line.append(String.format(Locale.ROOT, " %s %.2f;", sc, median(va) / median(vb)));
                    }
                }
                System.out.println(line);
            }
        }
    }

    void writeJson(String started, List<String> scenarios) throws IOException {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"started\": \"").append(started).append("\",\n");
        b.append(String.format(Locale.ROOT, "  \"runs\": %d, \"seconds\": %.1f, \"warmup\": %.1f, \"window\": %d,%n", runs,
                seconds, warmup, window));
        b.append("  \"median\": {\n");
        List<String> rows = new ArrayList<>();
        for (String sc : scenarios) {
            List<String> cells = new ArrayList<>();
            for (Target t : targets) {
                double[] v = values(sc, t.name(), Result::opsPerSec);
                if (v.length == 0) {
                    continue;
                }
                String extra = "";
                if (sc.startsWith("tx")) {
                    extra = String.format(Locale.ROOT, ", \"eagain_per_s\": %.0f", median(values(sc, t.name(), Result::eagainPerSec)));
                }
                if (sc.equals("watch")) {
                    extra = String.format(Locale.ROOT, ", \"event_p50_us\": %.1f, \"event_p99_us\": %.1f, \"reply_p50_us\": %.1f",
                            median(values(sc, t.name(), Result::p50us)), median(values(sc, t.name(), Result::p99us)),
                            median(values(sc, t.name(), Result::replyP50us)));
                }
                double cpu = median(values(sc, t.name(), Result::serverCpuUsPerOp));
                if (cpu >= 0) {
                    extra += String.format(Locale.ROOT, ", \"server_cpu_us_per_op\": %.2f", cpu);
                }
                cells.add(String.format(Locale.ROOT, "\"%s\": {\"ops_per_s\": %.0f, \"min\": %.0f, \"max\": %.0f%s}", t.name(),
                        median(v), Arrays.stream(v).min().orElse(0), Arrays.stream(v).max().orElse(0), extra));
            }
            rows.add("    \"" + sc + "\": {" + String.join(", ", cells) + "}");
        }
        b.append(String.join(",\n", rows)).append("\n  }");
        if (!memory.isEmpty()) {
            b.append(",\n  \"memory\": {");
            List<String> m = new ArrayList<>();
            memory.forEach((k, v) -> m.add("\"" + k + "\": " + v));
            b.append(String.join(", ", m)).append("}");
        }
        b.append("\n}\n");
        Files.writeString(json, b);
    }

    // --- the wire ---

    /** One blocking client socket with its own buffers; not thread-safe. */
    static final class Conn implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        private final byte[] payload = new byte[PAYLOAD_MAX];
        private int payloadLen;
        private int rpos;
        private int nextReq = 1;

        Conn(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        }

        /** Strings, each NUL-terminated. */
        static byte[] z(String... strings) {
            StringBuilder b = new StringBuilder();
            for (String s : strings) {
                b.append(s).append('\0');
            }
            return b.toString().getBytes(StandardCharsets.US_ASCII);
        }

        byte[] writePayload(String path, byte[] value) {
            byte[] p = path.getBytes(StandardCharsets.US_ASCII);
            byte[] r = Arrays.copyOf(p, p.length + 1 + value.length);
            System.arraycopy(value, 0, r, p.length + 1, value.length);
            return r;
        }

        static byte[] frame(XsOp op, int tx, byte[] payload) {
            ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(op.number()).putInt(0).putInt(tx).putInt(payload.length).put(payload);
            return b.array();
        }

        /** Sends {@code count} copies of a frame (request ids patched) in one write. */
        void send(byte[] frame, int count) throws IOException {
            out.clear();
            for (int i = 0; i < count; i++) {
                int at = out.position();
                out.put(frame);
                out.putInt(at + 4, nextReq++);
            }
            out.flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
        }

        /** Reads at least one message; returns how many complete replies were consumed. */
        int readReplies(int expectedType) throws IOException {
            int n = 0;
            while (n == 0) {
                fill();
                int type;
                while ((type = parse()) >= 0) {
                    if (type != expectedType) {
                        throw new IOException("reply type " + type + " (expected " + expectedType + "): " + payloadString());
                    }
                    n++;
                }
            }
            return n;
        }

        /** The next message's type (its payload in {@link #payload()}). */
        int next() throws IOException {
            int type;
            while ((type = parse()) < 0) {
                fill();
            }
            return type;
        }

        /** Sends one request and returns its reply's type; watch events in between are dropped. */
        int call(XsOp op, int tx, byte[] p) throws IOException {
            send(frame(op, tx, p), 1);
            int type;
            while ((type = next()) == XsOp.WATCH_EVENT.number()) {
                // Not expected on these connections; the watch scenario reads its own.
            }
            return type;
        }

        private int parse() {
            int filled = in.position();
            if (filled - rpos < HEADER) {
                return -1;
            }
            int len = in.getInt(rpos + 12);
            if (filled - rpos < HEADER + len) {
                return -1;
            }
            int type = in.getInt(rpos);
            in.get(rpos + HEADER, payload, 0, len);
            payloadLen = len;
            rpos += HEADER + len;
            if (rpos == filled) {
                in.clear();
                rpos = 0;
            }
            return type;
        }

        private void fill() throws IOException {
            if (in.remaining() < HEADER + PAYLOAD_MAX) {
                in.limit(in.position()).position(rpos);
                in.compact();
                rpos = 0;
            }
            if (ch.read(in) < 0) {
                throw new EOFException("server closed the connection");
            }
        }

        byte[] payload() {
            return Arrays.copyOf(payload, payloadLen);
        }

        /** The payload up to its first NUL. */
        String payloadString() {
            int n = 0;
            while (n < payloadLen && payload[n] != 0) {
                n++;
            }
            return new String(payload, 0, n, StandardCharsets.US_ASCII);
        }

        void expect(int type, XsOp op, String what) throws IOException {
            if (type != op.number()) {
                throw new IOException(what + ": reply type " + type + " " + payloadString());
            }
        }

        void expectOk(int type, String what) throws IOException {
            if (type == XsOp.ERROR.number()) {
                throw new IOException(what + ": " + payloadString());
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
