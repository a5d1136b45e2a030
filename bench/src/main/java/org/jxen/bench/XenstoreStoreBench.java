package org.jxen.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jxen.xenstore.store.Access;
import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Change;
import org.jxen.xenstore.store.Paths;
import org.jxen.xenstore.store.Perms;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.store.Store;
import org.jxen.xenstore.store.Transaction;
import org.jxen.xenstore.store.Watches;
import org.jxen.xenstore.wire.XsException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * jxen's XenStore core without the socket: {@link Store} and {@link Watches} called directly,
 * as {@code XenstoreServer.handle} calls them under its lock (one thread). The figures are the
 * upper bound the socket path ({@code bench/xenstore.sh}) can reach per CPU.
 *
 * <p>The store holds the layout of a small host: {@code /local/domain/<1..100>} each with
 * {@code name} and {@code device/vif/0/state}, so hash lookups and watch matching run over a
 * realistic number of paths.
 * <ul>
 * <li>{@link #read}: XS_READ of a 16-byte node, as Dom0 (no permission lookup).</li>
 * <li>{@link #readUnprivileged}: the same node read by its owner, domain 7 (permission check).</li>
 * <li>{@link #readFromWire}: the same read as the server's READ handler does it from a request
 *     payload: the path decoded into a new String (so its hash is computed again), checked by
 *     {@link Paths#canonical}, then looked up.</li>
 * <li>{@link #write}: XS_WRITE of 16 bytes over an existing node (new node version, one change).</li>
 * <li>{@link #directory}: XS_DIRECTORY of a node with 100 children (copy of the child list).</li>
 * <li>{@link #transaction}: TRANSACTION_START, WRITE inside it, TRANSACTION_END commit.</li>
 * <li>{@link #watchFire}: matching one change against 1000 registered watches, one of which
 *     fires (the server then queues one event).</li>
 * </ul>
 *
 * <p>Run: {@code java -cp bench/target/jxen-bench-*.jar:bench/target/lib/* org.openjdk.jmh.Main XenstoreStoreBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class XenstoreStoreBench {
    static final int DOMAINS = 100;
    static final int WATCHES = 1000;
    static final byte[] VALUE = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** An XS_READ payload: the path and its NUL. */
    static final byte[] READ_PAYLOAD = "/local/domain/7/data\0".getBytes(StandardCharsets.US_ASCII);

    Store store;
    Watches watches;
    Change vifChange;
    final Caller dom0 = Caller.DOM0;
    final Caller dom7 = Caller.domain(7);
    final Object owner = new Object();
    long changes;

    @Setup
    public void setUp() throws XsException {
        store = new Store(Quota.XEN_DEFAULTS, c -> changes++);
        for (int d = 1; d <= DOMAINS; d++) {
            String home = "/local/domain/" + d;
            store.write(store, dom0, home + "/name", ("guest-" + d).getBytes(StandardCharsets.US_ASCII));
            store.write(store, dom0, home + "/device/vif/0/state", "4".getBytes(StandardCharsets.US_ASCII));
        }
        store.write(store, dom0, "/local/domain/7/data", VALUE);
        store.setPerms(store, dom0, "/local/domain/7/data", Perms.of(7, Access.NONE));
        for (int i = 0; i < 100; i++) {
            store.write(store, dom0, "/bench/dir/child-" + i, VALUE);
        }
        store.write(store, dom0, "/bench/value", VALUE);
        watches = new Watches();
        // 1000 watches as a toolstack and backends hold them: per domain, on its home, its
        // device tree, its vif state, and seven more leaves; one of them watches the changed path.
        int n = 0;
        String[] leaves = {"", "/device", "/device/vif/0/state", "/name", "/memory/target", "/control/shutdown",
            "/data", "/console/tty", "/device/vbd/51712/state", "/error"};
        for (int d = 1; d <= DOMAINS && n < WATCHES; d++) {
            for (String leaf : leaves) {
                watches.add(new Watches.Watch(owner, "/local/domain/" + d + leaf, "t" + n, null, dom0));
                n++;
            }
        }
        vifChange = new Change("/local/domain/50/device/vif/0/state", false,
                List.of(store.getPerms(store, dom0, "/local/domain/50/device/vif/0/state")));
    }

    @Benchmark
    public byte[] read() throws XsException {
        return store.read(store, dom0, "/local/domain/7/data");
    }

    @Benchmark
    public byte[] readFromWire() throws XsException {
        String path = new String(READ_PAYLOAD, 0, READ_PAYLOAD.length - 1, StandardCharsets.UTF_8);
        return store.read(store, dom0, Paths.canonical(path, 0));
    }

    @Benchmark
    public byte[] readUnprivileged() throws XsException {
        return store.read(store, dom7, "/local/domain/7/data");
    }

    @Benchmark
    public long write() throws XsException {
        store.write(store, dom0, "/bench/value", VALUE);
        return changes;
    }

    @Benchmark
    public List<String> directory() throws XsException {
        return store.directory(store, dom0, "/bench/dir");
    }

    @Benchmark
    public long transaction() throws XsException {
        Transaction t = store.begin(owner);
        store.write(t, dom0, "/bench/value", VALUE);
        store.commit(t);
        return changes;
    }

    @Benchmark
    public List<Watches.Event> watchFire() {
        return watches.fire(vifChange, store);
    }
}
