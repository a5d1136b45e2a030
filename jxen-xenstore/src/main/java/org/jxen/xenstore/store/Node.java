package org.jxen.xenstore.store;

import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
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
        // A node always has permissions (xenstored's records always hold the owner entry).
        Objects.requireNonNull(perms, "perms");
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

    /**
     * Bytes this node costs a domain's node-size quota, counted as xenstored 4.17 counts its
     * database record (write_node_raw): a 24-byte header (struct xs_tdb_record_hdr: u64
     * generation, u32 num_perms, datalen, childlen, padded to 8), 8 bytes per permission entry
     * (struct xs_permissions: u32 id, u32 perms), the value, and each child's name with its NUL.
     * A domain may not write a node whose size reaches the quota.
     */
    public int size() {
        int n = RECORD_HEADER + PERMISSION_ENTRY * perms.entries().size() + value.length;
        for (String c : children) {
            n += c.length() + 1;
        }
        return n;
    }

    /** sizeof(struct xs_tdb_record_hdr) on x86-64 (tools/xenstore/utils.h, Xen 4.17). */
    static final int RECORD_HEADER = 24;
    /** sizeof(struct xs_permissions) (tools/include/xenstore_lib.h). */
    static final int PERMISSION_ENTRY = 8;

    @Override
    public String toString() {
        return "Node[" + value.length + " bytes, " + perms + ", " + children.size() + " children, gen " + generation + "]";
    }
}
