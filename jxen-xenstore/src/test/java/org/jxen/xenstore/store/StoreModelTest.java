package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashMap;
import java.util.TreeMap;
import java.util.TreeSet;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of WRITE, MKDIR, RM, READ and DIRECTORY, outside any transaction or inside
 * one of two concurrent transactions that commit or abort, applied both to {@link Store} (as a
 * privileged caller) and to a model: a TreeMap of path to value whose parents are implicit in
 * its keys, plus, per transaction, an overlay of the nodes it touched. After every step the
 * results (or errors) and the whole tree must be the same.
 *
 * <p>The model's transaction rule is xenstore.txt's: a commit fails with EAGAIN exactly when a
 * node the transaction read or wrote is not, at commit, the version it first saw (a version
 * being "absent" or the time of the node's last write). Otherwise the nodes it wrote replace
 * the live ones.
 */
class StoreModelTest {
    // --- commands ---

    /** target: -1 outside any transaction, else the transaction slot (0 or 1), if one is open. */
    sealed interface Cmd {}

    record Write(int target, String path, byte[] value) implements Cmd {
        @Override
        public String toString() {
            return "write" + where(target) + " " + path + " = " + HexFormat.of().formatHex(value);
        }
    }

    record Mkdir(int target, String path) implements Cmd {
        @Override
        public String toString() {
            return "mkdir" + where(target) + " " + path;
        }
    }

    record Rm(int target, String path) implements Cmd {
        @Override
        public String toString() {
            return "rm" + where(target) + " " + path;
        }
    }

    record Read(int target, String path) implements Cmd {
        @Override
        public String toString() {
            return "read" + where(target) + " " + path;
        }
    }

    record Dir(int target, String path) implements Cmd {
        @Override
        public String toString() {
            return "directory" + where(target) + " " + path;
        }
    }

    record Begin(int slot) implements Cmd {
        @Override
        public String toString() {
            return "begin t" + slot;
        }
    }

    record End(int slot, boolean commit) implements Cmd {
        @Override
        public String toString() {
            return (commit ? "commit t" : "abort t") + slot;
        }
    }

    static String where(int target) {
        return target < 0 ? "" : "[t" + target + "]";
    }

    @Provide
    Arbitrary<List<Cmd>> commands() {
        Arbitrary<String> component = Arbitraries.of("a", "b", "c");
        Arbitrary<String> path = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just("/")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("/local", "/tool")),
                net.jqwik.api.Tuple.of(12, component.list().ofMinSize(1).ofMaxSize(3).map(l -> "/" + String.join("/", l))));
        Arbitrary<Integer> target = Arbitraries.integers().between(-1, 1);
        Arbitrary<byte[]> value = Arbitraries.of(new byte[0], new byte[] {'x'}, new byte[] {'y', 0, (byte) 0xff}, new byte[] {'z'});
        Arbitrary<Cmd> cmd = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Combinators.combine(target, path, value).as(Write::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(target, path).as(Mkdir::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(target, path).as(Rm::new)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(target, path).as(Read::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(target, path).as(Dir::new)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 1).map(Begin::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.integers().between(0, 1), Arbitraries.of(true, true, false))
                        .as(End::new)));
        return cmd.list().ofMaxSize(60);
    }

    // --- the model ---

    /** A node as an operation sees it: its value and its children's names. */
    record Rec(byte[] value, TreeSet<String> children) {
        Rec with(String child, boolean add) {
            TreeSet<String> c = new TreeSet<>(children);
            if (add) {
                c.add(child);
            } else {
                c.remove(child);
            }
            return new Rec(value, c);
        }
    }

    interface MView {
        Rec get(String path);

        void put(String path, Rec rec);

        void remove(String path);
    }

    /** The live tree: path → value, children implicit; a version per node (the clock at its last write). */
    static final class Live implements MView {
        final TreeMap<String, byte[]> values = new TreeMap<>();
        final Map<String, Long> versions = new HashMap<>();
        long clock;

        Live() {
            for (String p : List.of("/", "/local", "/local/domain", "/tool", "/tool/xenstored")) {
                values.put(p, new byte[0]);
                versions.put(p, 0L);
            }
        }

        TreeSet<String> childrenOf(String path) {
            String prefix = path.equals("/") ? "/" : path + "/";
            TreeSet<String> out = new TreeSet<>();
            for (String k : values.tailMap(prefix, true).keySet()) {
                if (!k.startsWith(prefix)) {
                    break;
                }
                String rest = k.substring(prefix.length());
                if (!rest.isEmpty() && rest.indexOf('/') < 0) {
                    out.add(rest);
                }
            }
            return out;
        }

        long version(String path) {
            return versions.getOrDefault(path, -1L);
        }

        @Override
        public Rec get(String path) {
            byte[] v = values.get(path);
            return v == null ? null : new Rec(v, childrenOf(path));
        }

        @Override
        public void put(String path, Rec rec) {
            values.put(path, rec.value());
            versions.put(path, ++clock);
        }

        @Override
        public void remove(String path) {
            values.remove(path);
            versions.remove(path);
        }

        void assertWellFormed() {
            for (String p : values.keySet()) {
                if (!p.equals("/")) {
                    assertThat(values).as("model: parent of %s", p).containsKey(Paths.parent(p));
                }
            }
        }
    }

    /** A transaction: the nodes it touched, as first seen and then as it changed them. */
    static final class Tx implements MView {
        final Live live;
        final Map<String, Rec> view = new HashMap<>();
        final Map<String, Long> seen = new HashMap<>();
        final Set<String> written = new LinkedHashSet<>();

        Tx(Live live) {
            this.live = live;
        }

        @Override
        public Rec get(String path) {
            if (view.containsKey(path)) {
                return view.get(path);
            }
            Rec r = live.get(path);
            view.put(path, r);
            seen.put(path, live.version(path));
            return r;
        }

        @Override
        public void put(String path, Rec rec) {
            get(path);
            view.put(path, rec);
            written.add(path);
        }

        @Override
        public void remove(String path) {
            get(path);
            view.put(path, null);
            written.add(path);
        }

        /** xenstore.txt's rule: EAGAIN if a node touched changed; else its writes replace the live nodes. */
        String commit() {
            boolean conflict = seen.entrySet().stream().anyMatch(e -> live.version(e.getKey()) != e.getValue());
            if (conflict) {
                return "EAGAIN";
            }
            for (String p : written) {
                Rec r = view.get(p);
                if (r == null) {
                    live.remove(p);
                } else {
                    live.put(p, r);
                }
            }
            return "OK";
        }
    }

    static final class ModelError extends Exception {
        private static final long serialVersionUID = 1L;

        ModelError(XsError e) {
            super(e.name(), null, false, false);
        }
    }

    static Rec need(MView v, String path) throws ModelError {
        Rec r = v.get(path);
        if (r == null) {
            throw new ModelError(XsError.ENOENT);
        }
        return r;
    }

    static void create(MView v, String path) {
        List<String> missing = new ArrayList<>();
        for (String p = path; v.get(p) == null; p = Paths.parent(p)) {
            missing.add(p);
        }
        for (int i = missing.size() - 1; i >= 0; i--) {
            String m = missing.get(i);
            String parent = Paths.parent(m);
            v.put(parent, v.get(parent).with(Paths.name(m), true));
            v.put(m, new Rec(new byte[0], new TreeSet<>()));
        }
    }

    static void removeTree(MView v, String path, Rec r) {
        for (String c : r.children()) {
            String cp = Paths.child(path, c);
            Rec cr = v.get(cp);
            if (cr != null) {
                removeTree(v, cp, cr);
            }
        }
        v.remove(path);
    }

    /** Runs one data command on the model; the result as text ("OK", a value, a listing, or an error name). */
    static String model(Cmd cmd, MView v) {
        try {
            switch (cmd) {
                case Read r -> {
                    return "value " + HexFormat.of().formatHex(need(v, r.path()).value());
                }
                case Dir d -> {
                    return "children " + need(v, d.path()).children();
                }
                case Write w -> {
                    if (v.get(w.path()) == null) {
                        create(v, w.path());
                    }
                    v.put(w.path(), new Rec(w.value(), v.get(w.path()).children()));
                    return "OK";
                }
                case Mkdir m -> {
                    if (v.get(m.path()) == null) {
                        create(v, m.path());
                    }
                    return "OK";
                }
                case Rm r -> {
                    if (r.path().equals("/")) {
                        throw new ModelError(XsError.EINVAL);
                    }
                    Rec n = v.get(r.path());
                    if (n == null) {
                        need(v, Paths.parent(r.path()));
                        return "OK";
                    }
                    String parent = Paths.parent(r.path());
                    Rec p = v.get(parent);
                    if (p == null) {
                        // A transaction that saw the parent absent sees the node, created since: it is
                        // doomed, and says so at once rather than remove a child from no parent.
                        throw new ModelError(XsError.EAGAIN);
                    }
                    removeTree(v, r.path(), n);
                    v.put(parent, p.with(Paths.name(r.path()), false));
                    return "OK";
                }
                default -> throw new IllegalArgumentException(cmd.toString());
            }
        } catch (ModelError e) {
            return e.getMessage();
        }
    }

    /** Runs one data command on the store. */
    static String real(Cmd cmd, Store store, View v) {
        Caller c = Caller.DOM0;
        try {
            switch (cmd) {
                case Read r -> {
                    return "value " + HexFormat.of().formatHex(store.read(v, c, r.path()));
                }
                case Dir d -> {
                    return "children " + store.directory(v, c, d.path());
                }
                case Write w -> store.write(v, c, w.path(), w.value());
                case Mkdir m -> store.mkdir(v, c, m.path());
                case Rm r -> store.rm(v, c, r.path());
                default -> throw new IllegalArgumentException(cmd.toString());
            }
            return "OK";
        } catch (XsException e) {
            return e.error().name();
        }
    }

    /** The whole live tree of the store, walked through its public operations. */
    static TreeMap<String, String> dump(Store store) throws XsException {
        TreeMap<String, String> out = new TreeMap<>();
        List<String> todo = new ArrayList<>(List.of("/"));
        while (!todo.isEmpty()) {
            String p = todo.removeLast();
            out.put(p, HexFormat.of().formatHex(store.read(store, Caller.DOM0, p)));
            for (String child : store.directory(store, Caller.DOM0, p)) {
                todo.add(Paths.child(p, child));
            }
        }
        return out;
    }

    static TreeMap<String, String> dump(Live live) {
        TreeMap<String, String> out = new TreeMap<>();
        live.values.forEach((k, v) -> out.put(k, HexFormat.of().formatHex(v)));
        return out;
    }

    @Property(tries = 500)
    void storeBehavesLikeTheModel(@ForAll("commands") List<Cmd> commands) throws Exception {
        Store store = new Store(Quota.XEN_DEFAULTS, ch -> {});
        Live live = new Live();
        Transaction[] realTx = new Transaction[2];
        Tx[] modelTx = new Tx[2];
        int step = 0;
        for (Cmd cmd : commands) {
            step++;
            String expected;
            String actual;
            switch (cmd) {
                case Begin b -> {
                    if (realTx[b.slot()] != null) {
                        continue;
                    }
                    realTx[b.slot()] = store.begin("t" + b.slot());
                    modelTx[b.slot()] = new Tx(live);
                    expected = actual = "OK";
                }
                case End e -> {
                    Transaction t = realTx[e.slot()];
                    if (t == null) {
                        continue;
                    }
                    expected = e.commit() ? modelTx[e.slot()].commit() : "OK";
                    try {
                        if (e.commit()) {
                            store.commit(t);
                        }
                        actual = "OK";
                    } catch (XsException x) {
                        actual = x.error().name();
                    }
                    realTx[e.slot()] = null;
                    modelTx[e.slot()] = null;
                }
                default -> {
                    int target = switch (cmd) {
                        case Write w -> w.target();
                        case Mkdir m -> m.target();
                        case Rm r -> r.target();
                        case Read r -> r.target();
                        case Dir d -> d.target();
                        default -> -1;
                    };
                    boolean inTx = target >= 0 && realTx[target] != null;
                    expected = model(cmd, inTx ? modelTx[target] : live);
                    actual = real(cmd, store, inTx ? realTx[target] : store);
                }
            }
            String at = "step " + step + " (" + cmd + ") of " + commands;
            assertThat(actual).as(at).isEqualTo(expected);
            live.assertWellFormed();
            assertThat(dump(store)).as(at).isEqualTo(dump(live));
            assertThat(store.size()).as(at).isEqualTo(live.values.size());
            assertThat(new StoreCheck().tree(store).findings()).as("CONTROL check after " + at).isEmpty();
        }
    }
}
