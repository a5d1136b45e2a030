package org.jxen.xenstore.store;

import java.util.Arrays;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One node, immutable: a change makes a new node with a new generation (a store-wide counter),
 * which is what transactions compare to detect conflicts and what XS_DIRECTORY_PART reports.
 *
 * @param value the value (any bytes)
 * @param perms its permissions
 * @param children the names of its children, sorted
 * @param generation the store's change counter when this version was made
 */
public record Node(byte[] value, Perms perms, SortedSet<String> children, long generation) {
    private static final byte[] EMPTY = new byte[0];

    public Node {
        children = Collections.unmodifiableSortedSet(children);
    }

    public static Node empty(Perms perms, long generation) {
        return new Node(EMPTY, perms, new TreeSet<>(), generation);
    }

    public Node withValue(byte[] v, long gen) {
        return new Node(v, perms, children, gen);
    }

    public Node withPerms(Perms p, long gen) {
        return new Node(value, p, children, gen);
    }

    public Node withChild(String name, long gen) {
        TreeSet<String> c = new TreeSet<>(children);
        c.add(name);
        return new Node(value, perms, c, gen);
    }

    public Node withoutChild(String name, long gen) {
        TreeSet<String> c = new TreeSet<>(children);
        c.remove(name);
        return new Node(value, perms, c, gen);
    }

    /** Bytes this node costs a domain's node-size quota: value plus permissions and child names. */
    public int size() {
        int n = value.length;
        for (Perms.Entry e : perms.entries()) {
            n += e.toString().length() + 1;
        }
        for (String c : children) {
            n += c.length() + 1;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Node n && Arrays.equals(value, n.value) && perms.equals(n.perms)
                && children.equals(n.children) && generation == n.generation;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value) * 31 + Long.hashCode(generation);
    }

    @Override
    public String toString() {
        return "Node[" + value.length + " bytes, " + perms + ", " + children.size() + " children, gen " + generation + "]";
    }
}
