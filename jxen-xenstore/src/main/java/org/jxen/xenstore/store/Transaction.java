package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transaction: an overlay of the nodes it wrote over the live store, plus a copy of every
 * node it looked at, taken the first time it looked. Reads see the transaction's own writes,
 * else that copy, so a transaction reads the same version of a node however often it asks
 * (xenstore.txt: "reads and writes happen on the copy"; Xen's test-xenstore "ta err" checks
 * it). As in Xen 4.17's xenstored, a node is copied when the transaction first touches it, not
 * when the transaction starts: a node changed by others before that is simply read as it is.
 *
 * <p>Conflicts (xenstore.txt: "only intervening conflicting writes cause EAGAIN"): at commit,
 * every node the transaction read or wrote must still have the generation it had when first
 * touched (or still be absent). Worked example, three scenarios:
 * <ol>
 * <li>T1 reads /a, T2 writes /b, both commit: no node T1 touched changed, both succeed.</li>
 * <li>T1 reads /a, then /a is written outside T1, then T1 commits: /a's generation moved, T1
 *     gets EAGAIN and nothing of it is applied.</li>
 * <li>T1 creates /x/y (so it wrote /x's child list), another client creates /x/z, T1 commits:
 *     /x's generation moved, EAGAIN — the directory T1 saw is not the one it would change.</li>
 * </ol>
 *
 * <p>Threads: used under the server's store lock only.
 */
public final class Transaction implements View {
    private static final Node ABSENT = null;

    private final int id;
    private final Store store;
    private final Object owner;
    /** path → node written by this transaction, or null when it removed the node. */
    private final Map<String, Node> writes = new LinkedHashMap<>();
    /** path → generation first seen (-1: absent). */
    private final Map<String, Long> seen = new HashMap<>();
    /** path → the node as first seen (null: absent). */
    private final Map<String, Node> copies = new HashMap<>();
    private final List<Change> changes = new ArrayList<>();

    Transaction(int id, Store store, Object owner) {
        this.id = id;
        this.store = store;
        this.owner = owner;
    }

    public int id() {
        return id;
    }

    /** The connection (or other owner) that started it. */
    public Object owner() {
        return owner;
    }

    @Override
    public Node get(String path) {
        if (writes.containsKey(path)) {
            return writes.get(path);
        }
        if (copies.containsKey(path)) {
            return copies.get(path);
        }
        Node n = store.get(path);
        copies.put(path, n);
        seen.put(path, n == null ? -1L : n.generation());
        return n;
    }

    @Override
    public Node peek(String path) {
        if (writes.containsKey(path)) {
            return writes.get(path);
        }
        return copies.containsKey(path) ? copies.get(path) : store.get(path);
    }

    @Override
    public void put(String path, Node node) {
        get(path);
        writes.put(path, node);
    }

    @Override
    public void remove(String path) {
        get(path);
        writes.put(path, ABSENT);
    }

    @Override
    public long nextGeneration() {
        return store.nextGeneration();
    }

    @Override
    public void changed(Change change) {
        changes.add(change);
    }

    Map<String, Node> writes() {
        return writes;
    }

    Map<String, Long> seen() {
        return seen;
    }

    List<Change> changes() {
        return changes;
    }

    /** Number of nodes this transaction would add for {@code domid} (for the node quota). */
    int addedNodesOwnedBy(int domid) {
        int n = 0;
        for (var e : writes.entrySet()) {
            Node before = store.get(e.getKey());
            Node after = e.getValue();
            if (after != null && before == null && after.perms().owner() == domid) {
                n++;
            } else if (after == null && before != null && before.perms().owner() == domid) {
                n--;
            }
        }
        return n;
    }
}
