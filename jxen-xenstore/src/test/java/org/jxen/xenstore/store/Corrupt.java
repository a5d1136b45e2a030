package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Test-only hooks that break the store's and the watch index's invariants behind their backs,
 * the way a bug would, so that the tests can see CONTROL check find and repair it. Public so that
 * the server's tests (another package of the same test tree) can use it too; nothing in main
 * code calls it.
 */
public final class Corrupt {
    private Corrupt() {}

    /** Takes {@code path}'s name out of its parent's child list: the node and what lies below it are unreachable. */
    public static void dropChildEntry(Store s, String path) {
        String parent = Paths.parent(path);
        Node p = s.nodeMap().get(parent);
        s.nodeMap().put(parent, p.withoutChild(Paths.name(path), p.generation()));
    }

    /** Lists a child {@code name} under {@code parent} with no node behind it (any name, even an invalid one). */
    public static void addDanglingChild(Store s, String parent, String name) {
        Node p = s.nodeMap().get(parent);
        s.nodeMap().put(parent, p.withChild(name, p.generation()));
    }

    /** Stores a node at {@code path} that its parent does not list, counted for its owner as put() would. */
    public static void addOrphan(Store s, String path, Perms perms) {
        s.put(path, Node.empty(perms, s.generation()));
    }

    /** Replaces a node's permissions without a check (the node counts follow, as put() keeps them). */
    public static void setPerms(Store s, String path, Perms perms) {
        Node n = s.nodeMap().get(path);
        s.put(path, n.withPerms(perms, n.generation()));
    }

    /** Moves domain {@code domid}'s node count by {@code delta} without a node changing. */
    public static void skewNodeCount(Store s, int domid, int delta) {
        s.ownedCounts().merge(domid, delta, Integer::sum);
    }

    /** Gives a node a generation the store's counter has not reached. */
    public static void generationAhead(Store s, String path, long by) {
        Node n = s.nodeMap().get(path);
        s.nodeMap().put(path, new Node(n.value(), n.perms(), n.children(), s.generation() + by));
    }

    /** Leaves an empty index entry for {@code path}, as a removal that forgot to tidy up would. */
    public static void staleWatchIndexEntry(Watches w, String path) {
        w.index().put(path, new ArrayList<>());
    }

    /** Files the watches on {@code from} under {@code to} instead. */
    public static void misfileWatches(Watches w, String from, String to) {
        List<Watches.Entry> moved = w.index().remove(from);
        w.index().computeIfAbsent(to, k -> new ArrayList<>()).addAll(moved);
    }

    /** Moves {@code owner}'s watch count (the watch quota's figure) by {@code delta}. */
    public static void skewWatchCount(Watches w, Object owner, int delta) {
        w.ownerCounts().merge(owner, delta, Integer::sum);
    }
}
