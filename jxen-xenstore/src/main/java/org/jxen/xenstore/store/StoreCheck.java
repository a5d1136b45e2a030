package org.jxen.xenstore.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

import org.jxen.xenstore.wire.XsException;

/**
 * CONTROL check: finds where the store's tables disagree with each other, and puts them right, as
 * Xen's xenstored does with its recovery on (the default; tools/xenstore/xenstored_core.c of Xen
 * 4.17, check_store; the node accounting is Xen 4.18's domain_check_acc in
 * tools/xenstored/domain.c):
 * <ul>
 * <li>the tree, walked from {@code /}: a child entry with no node behind it (xenstored: "node not
 *     found") or with a name that is no valid node name is taken out of its parent's list;</li>
 * <li>a node the walk does not reach (its parent does not list it, or it has no parent) is
 *     removed, with everything below it (xenstored's clean_store: "orphaned");</li>
 * <li>permissions (a node always has an owner entry: {@link Node} and {@link Perms} make sure):
 *     every entry a domid of 0 to 65535 and one of the letters n, r, w, b; a bad entry is
 *     dropped, a bad owner entry becomes Dom0's with no access for others. A list longer than
 *     the permissions quota on a node a domain owns is reported and left: a privileged domain
 *     may set such a list;</li>
 * <li>no node's generation is ahead of the store's counter (a later change could otherwise
 *     reuse it, and a transaction would miss that conflict);</li>
 * <li>each domain's node count (the node quota's figure) equals the nodes it owns;</li>
 * <li>the watch index: no empty entries, each watch filed under its own path, once, and belonging
 *     to a live connection; each connection's watch count equals the watches it holds;</li>
 * <li>the transaction tables: each transaction filed under its id, in the table of the
 *     connection that started it, and that connection live.</li>
 * </ul>
 * Duplicated nodes, xenstored's other finding, cannot happen here: nodes are keyed by path and
 * child lists are sets of names without '/'.
 *
 * <p>Repairs change nodes with fresh generations, so an open transaction that read a repaired
 * node fails its commit with EAGAIN instead of writing over the repair; they fire no watches
 * (xenstored's do not either).
 *
 * <p>Threads: under the server's store lock, as every other use of the store.
 */
public final class StoreCheck {
    /** One thing found wrong: what and where, and whether the check put it right. */
    public record Finding(String message, boolean repaired) {
        @Override
        public String toString() {
            return message + (repaired ? "" : " (left as it is)");
        }
    }

    private final List<Finding> findings = new ArrayList<>();
    private int nodes;
    private int watches;
    private int transactions;

    /** What the check found so far, in the order found. */
    public List<Finding> findings() {
        return List.copyOf(findings);
    }

    /** One line for the log: what was walked and how it went. */
    public String summary() {
        long repaired = findings.stream().filter(Finding::repaired).count();
        String what = nodes + " nodes, " + watches + " watches, " + transactions + " transactions checked: ";
        return what + (findings.isEmpty() ? "no problem found"
                : findings.size() + " problem(s) found, " + repaired + " repaired");
    }

    private void found(boolean repaired, String message) {
        findings.add(new Finding(message, repaired));
    }

    // --- the tree ---

    /** Checks and repairs the node tree, the permissions and the node counts of {@code store}. */
    public StoreCheck tree(Store store) {
        Map<String, Node> all = store.nodeMap();
        long newest = all.values().stream().mapToLong(Node::generation).max().orElse(0);
        if (newest > store.generation()) {
            found(true, "a node has generation " + newest + ", ahead of the store's counter " + store.generation()
                    + ": moved the counter on");
            store.generation(newest);
        }
        if (!all.containsKey("/")) {
            found(true, "the root node / is missing: made an empty one, owned by domain 0");
            store.put("/", Node.empty(Perms.of(0, Access.NONE), store.nextGeneration()));
        }
        Set<String> reachable = walk(store);
        removeUnreachable(store, reachable);
        nodes = all.size();
        checkCounts(store);
        return this;
    }

    /**
     * Walks the tree from the root (iteratively: trees may be deep), repairing child lists and
     * permissions on the way; returns the paths reached.
     */
    private Set<String> walk(Store store) {
        Map<String, Node> all = store.nodeMap();
        Set<String> reached = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.push("/");
        while (!todo.isEmpty()) {
            String path = todo.pop();
            reached.add(path);
            Node n = all.get(path);
            Node fixed = n.withPerms(perms(path, n.perms(), store.quota()), n.generation());
            for (String name : n.children()) {
                String child = childPath(path, name);
                if (child == null) {
                    found(true, path + " lists a child \"" + printable(name) + "\" that is no valid node name: "
                            + "removed the entry");
                    fixed = fixed.withoutChild(name, n.generation());
                } else if (!all.containsKey(child)) {
                    found(true, "node " + child + " not found: removed its entry from " + path);
                    fixed = fixed.withoutChild(name, n.generation());
                } else {
                    todo.push(child);
                }
            }
            if (!fixed.equals(n)) {
                store.put(path, new Node(fixed.value(), fixed.perms(), fixed.children(), store.nextGeneration()));
            }
        }
        return reached;
    }

    /** {@code parent}'s child called {@code name}, or null when that is no single valid path component. */
    private static String childPath(String parent, String name) {
        if (name.isEmpty() || name.indexOf('/') >= 0) {
            return null;
        }
        String child = Paths.child(parent, name);
        try {
            Paths.check(child);
            return child;
        } catch (XsException e) {
            return null;
        }
    }

    /**
     * Removes the nodes the walk did not reach, reporting each unreachable subtree once, by its
     * top node.
     */
    private void removeUnreachable(Store store, Set<String> reached) {
        Set<String> lost = new HashSet<>(store.nodeMap().keySet());
        lost.removeAll(reached);
        Map<String, Integer> byTop = new TreeMap<>();
        for (String p : lost) {
            String top = p;
            // Bounded by the path's depth.
            while (!top.equals("/") && lost.contains(Paths.parent(top))) {
                top = Paths.parent(top);
            }
            byTop.merge(top, 1, Integer::sum);
        }
        byTop.forEach((top, count) -> found(true, "node " + printable(top) + " is orphaned (not reachable from /): "
                + "removed it" + (count > 1 ? " and the " + (count - 1) + " node(s) below it" : "")));
        lost.forEach(store::remove);
    }

    /** Compares each domain's node count with the nodes it owns, and corrects it. */
    private void checkCounts(Store store) {
        Map<Integer, Integer> owned = new HashMap<>();
        for (Node n : store.nodeMap().values()) {
            owned.merge(n.perms().owner(), 1, Integer::sum);
        }
        correct(store.ownedCounts(), owned, new TreeSet<>(), domid -> "domain " + domid, "nodes but owns");
    }

    /**
     * Reports each key whose {@code counted} figure differs from the {@code actual} one, then
     * makes {@code counted} the actual figures. {@code keys} is an empty set that gives the
     * report's order and the keys' equality.
     */
    private <K> void correct(Map<K, Integer> counted, Map<K, Integer> actual, Set<K> keys, Function<K, String> who,
            String what) {
        keys.addAll(actual.keySet());
        keys.addAll(counted.keySet());
        for (K k : keys) {
            int has = actual.getOrDefault(k, 0);
            int was = counted.getOrDefault(k, 0);
            if (has != was) {
                found(true, who.apply(k) + " was counted " + was + " " + what + " " + has + ": corrected");
            }
        }
        counted.clear();
        counted.putAll(actual);
    }

    // --- permissions ---

    /**
     * {@code perms} of the node (or special node) {@code where}, well formed: the same object
     * when they already are, else repaired, with a finding for each fault.
     */
    public Perms perms(String where, Perms perms, Quota quota) {
        List<Perms.Entry> kept = new ArrayList<>(perms.entries().size());
        for (int i = 0; i < perms.entries().size(); i++) {
            Perms.Entry e = perms.entries().get(i);
            boolean ok = e.access() != null && e.domid() >= 0 && e.domid() <= 0xffff;
            if (ok) {
                kept.add(e);
            } else if (i == 0) {
                found(true, where + " has a malformed owner entry (domain " + e.domid() + ", access " + e.access()
                        + "): gave it to domain 0, no access for others");
                kept.add(new Perms.Entry(0, Access.NONE));
            } else {
                found(true, where + " has a malformed permission entry (domain " + e.domid() + ", access " + e.access()
                        + "): dropped it");
            }
        }
        Perms out = kept.equals(perms.entries()) ? perms : new Perms(kept);
        if (out.owner() != 0 && out.entries().size() > quota.permissions()) {
            found(false, where + " has " + out.entries().size() + " permission entries, over the quota of "
                    + quota.permissions() + " for a node domain " + out.owner() + " owns");
        }
        return out;
    }

    // --- watches ---

    /**
     * Checks and repairs the watch index of {@code w}: watches of owners {@code live} rejects go,
     * misfiled ones are filed under their path, duplicates and empty entries go, and the per-owner
     * counts are recounted.
     */
    public StoreCheck watches(Watches w, Predicate<Object> live) {
        Map<String, List<Watches.Entry>> index = w.index();
        List<Watches.Entry> misfiled = new ArrayList<>();
        for (Iterator<Map.Entry<String, List<Watches.Entry>>> it = index.entrySet().iterator(); it.hasNext();) {
            var slot = it.next();
            if (slot.getValue().isEmpty()) {
                found(true, "the watch index has an empty entry for " + printable(slot.getKey()) + ": removed it");
                it.remove();
                continue;
            }
            slot.getValue().removeIf(e -> {
                Watches.Watch watch = e.watch();
                if (!live.test(watch.owner())) {
                    found(true, "watch " + describe(watch) + " belongs to a connection that is gone: removed it");
                    w.forget(watch.owner(), 1);
                    return true;
                }
                if (!watch.path().equals(slot.getKey())) {
                    found(true, "watch " + describe(watch) + " was filed under " + printable(slot.getKey())
                            + ": moved it");
                    misfiled.add(e);
                    return true;
                }
                return false;
            });
            if (slot.getValue().isEmpty()) {
                it.remove();
            }
        }
        for (Watches.Entry e : misfiled) {
            index.computeIfAbsent(e.watch().path(), k -> new ArrayList<>(1)).add(e);
        }
        // Duplicates (the first registration stays), then the counts against what is left.
        Map<Object, Set<String>> held = new IdentityHashMap<>();
        Map<Object, Integer> count = new IdentityHashMap<>();
        int total = 0;
        for (List<Watches.Entry> slot : index.values()) {
            slot.removeIf(e -> {
                Watches.Watch watch = e.watch();
                if (!held.computeIfAbsent(watch.owner(), k -> new HashSet<>()).add(watch.path() + "\0" + watch.token())) {
                    found(true, "watch " + describe(watch) + " is registered twice: removed the second");
                    w.forget(watch.owner(), 1);
                    return true;
                }
                return false;
            });
            for (Watches.Entry e : slot) {
                count.merge(e.watch().owner(), 1, Integer::sum);
                total++;
            }
        }
        correct(w.ownerCounts(), count, Collections.newSetFromMap(new IdentityHashMap<>()), String::valueOf,
                "watches but holds");
        if (w.size() != total) {
            found(true, "the watch total was " + w.size() + " but " + total + " are registered: corrected");
            w.size(total);
        }
        watches = total;
        return this;
    }

    private static String describe(Watches.Watch w) {
        return printable(w.path()) + " (token \"" + printable(w.token()) + "\") of " + w.owner();
    }

    // --- transactions ---

    /**
     * Checks and repairs {@code owner}'s table of open transactions (id → transaction): all of
     * them end when the owner is not {@code live}; otherwise one filed under another id, or
     * started by another owner, leaves this table.
     */
    public StoreCheck transactions(Object owner, boolean live, Map<Integer, Transaction> table) {
        if (!live && !table.isEmpty()) {
            found(true, owner + " is closed but holds " + table.size() + " open transaction(s): ended them");
            table.clear();
            return this;
        }
        table.entrySet().removeIf(e -> {
            Transaction t = e.getValue();
            if (t.owner() != owner) {
                found(true, "transaction " + Integer.toUnsignedString(t.id()) + " of " + t.owner() + " is in the table of "
                        + owner + ": removed it from there");
                return true;
            }
            if (t.id() != e.getKey()) {
                found(true, "transaction " + Integer.toUnsignedString(t.id()) + " of " + owner + " was filed under id "
                        + Integer.toUnsignedString(e.getKey()) + ": ended it");
                return true;
            }
            return false;
        });
        transactions += table.size();
        return this;
    }

    /** {@code s} with anything outside printable ASCII as \xNN, so that a finding stays one line. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\x%02x", (int) c & 0xff));
            }
        }
        return b.toString();
    }
}
