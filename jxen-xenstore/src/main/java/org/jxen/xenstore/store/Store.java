package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;

/**
 * The node tree and the operations of xenstore.txt on it: READ, WRITE, MKDIR, RM, DIRECTORY,
 * GET_PERMS and SET_PERMS, each against a {@link View} (the live store, or a transaction), with
 * the XenBus permission checks and the node quotas. Single-threaded: the server calls it under
 * one lock.
 *
 * <p>Permission rules: reading needs read access to the node; changing a node's value, or
 * removing it, needs write access to it; creating a node needs write access to the nearest
 * existing ancestor, and the new node inherits that parent's permissions, owned by the creating
 * domain when it is unprivileged; only the owner (or a privileged domain) may change
 * permissions, and only a privileged domain may give a node away.
 */
public final class Store implements View {
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<Integer, Integer> ownedNodes = new HashMap<>();
    private final Consumer<Change> watches;
    private Quota quota;
    private long generation;
    private int nextTransaction = 1;

    /**
     * A store with the nodes xenstored starts with ({@code /tool/xenstored}, setup_structure) and
     * {@code /local/domain} (which the toolstack would create first), firing changes to
     * {@code watches}.
     */
    public Store(Quota quota, Consumer<Change> watches) {
        this.quota = quota;
        this.watches = watches;
        // Through put(), so that Dom0 is counted for the root as for every other node.
        put("/", Node.empty(Perms.of(0, Access.NONE), nextGeneration()));
        for (String p : new String[] {"/local", "/local/domain", "/tool", "/tool/xenstored"}) {
            addChild(this, p, Perms.of(0, Access.NONE));
        }
    }

    public Quota quota() {
        return quota;
    }

    public void quota(Quota q) {
        this.quota = q;
    }

    /** Number of nodes in the store. */
    public int size() {
        return nodes.size();
    }

    /**
     * Removes every node {@code domid} owns, with what lies below it, firing watches as RM does:
     * what xenstored does when a domain goes (domain_tree_remove; its keep_orphans option, off by
     * default, is not offered). Returns how many subtrees went.
     */
    public int removeOwnedBy(int domid) throws XsException {
        if (ownedBy(domid) == 0) {
            return 0;
        }
        // Sorted, a node comes before everything below it: removing it takes those too.
        List<String> owned = new ArrayList<>();
        for (var e : nodes.entrySet()) {
            if (!e.getKey().equals("/") && e.getValue().perms().owner() == domid) {
                owned.add(e.getKey());
            }
        }
        owned.sort(null);
        int removed = 0;
        for (String path : owned) {
            if (nodes.containsKey(path)) {
                rm(this, Caller.DOM0, path);
                removed++;
            }
        }
        return removed;
    }

    /** Nodes owned by a domain (its node quota usage). */
    public int ownedBy(int domid) {
        return ownedNodes.getOrDefault(domid, 0);
    }

    // --- the raw tables, for StoreCheck (and the tests' corruption hooks) ---

    /** The nodes by absolute path, as they are: changing them here skips every rule. */
    Map<String, Node> nodeMap() {
        return nodes;
    }

    /** Nodes owned, by domid, as the node quota counts them. */
    Map<Integer, Integer> ownedCounts() {
        return ownedNodes;
    }

    /** The last generation handed out. */
    long generation() {
        return generation;
    }

    void generation(long g) {
        generation = g;
    }

    // --- View over the live store ---

    @Override
    public Node get(String path) {
        return nodes.get(path);
    }

    @Override
    public void put(String path, Node node) {
        Node old = nodes.put(path, node);
        count(old, -1);
        count(node, 1);
    }

    @Override
    public void remove(String path) {
        count(nodes.remove(path), -1);
    }

    private void count(Node n, int delta) {
        if (n != null) {
            ownedNodes.merge(n.perms().owner(), delta, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    @Override
    public long nextGeneration() {
        return ++generation;
    }

    @Override
    public void changed(Change change) {
        watches.accept(change);
    }

    // --- permissions ---

    private Access access(View v, Caller c, Node n) {
        if (c.privileged()) {
            return Access.BOTH;
        }
        return n.perms().accessOf(c.domid(), c.target());
    }

    /** Whether {@code c} may read {@code n}. */
    public boolean canRead(Caller c, Node n) {
        return access(this, c, n).canRead();
    }

    /** Whether {@code c} may read a node with these permissions (for watch events). */
    public boolean canRead(Caller c, Perms perms) {
        return c.privileged() || perms.accessOf(c.domid(), c.target()).canRead();
    }

    /** The change of the node at {@code path} (not the root): its permissions and its parent's. */
    private static Change change(View v, String path, Node n, Perms... more) {
        List<Perms> readers = new ArrayList<>(2 + more.length);
        readers.add(n.perms());
        readers.addAll(List.of(more));
        Node parent = v.peek(Paths.parent(path));
        if (parent != null) {
            readers.add(parent.perms());
        }
        return new Change(path, false, readers);
    }

    /**
     * The error for a node that does not exist, as xenstored's errno_from_parents: ENOENT only
     * when the caller may read (or write) the nearest ancestor that does exist, else EACCES, so
     * the answer tells nobody what lies in a directory it may not see.
     */
    private XsException missing(View v, Caller c, String path, boolean write) {
        if (c.privileged()) {
            return new XsException(XsError.ENOENT, path + " does not exist");
        }
        // Looked at, not read: the answer's wording is no reason for a transaction to conflict.
        String p = path;
        Node ancestor = null;
        while (ancestor == null && !p.equals("/")) {
            p = Paths.parent(p);
            ancestor = v.peek(p);
        }
        if (ancestor != null) {
            Access a = access(v, c, ancestor);
            if (write ? !a.canWrite() : !a.canRead()) {
                return new XsException(XsError.EACCES, "domain " + c.domid() + " may not " + (write ? "write " : "read ")
                        + p);
            }
        }
        return new XsException(XsError.ENOENT, path + " does not exist");
    }

    private Node readable(View v, Caller c, String path) throws XsException {
        Node n = v.get(path);
        if (n == null) {
            throw missing(v, c, path, false);
        }
        if (!access(v, c, n).canRead()) {
            throw new XsException(XsError.EACCES, "domain " + c.domid() + " may not read " + path);
        }
        return n;
    }

    // --- operations ---

    /** XS_READ. */
    public byte[] read(View v, Caller c, String path) throws XsException {
        return readable(v, c, path).value();
    }

    /** XS_DIRECTORY: the children's names. */
    public List<String> directory(View v, Caller c, String path) throws XsException {
        return List.copyOf(readable(v, c, path).children());
    }

    /** The node, for XS_DIRECTORY_PART's generation count (read access checked). */
    public Node node(View v, Caller c, String path) throws XsException {
        return readable(v, c, path);
    }

    /** XS_GET_PERMS. */
    public Perms getPerms(View v, Caller c, String path) throws XsException {
        return readable(v, c, path).perms();
    }

    /** XS_WRITE: sets the value, creating the node and missing parents. */
    public void write(View v, Caller c, String path, byte[] value) throws XsException {
        Node n = v.get(path);
        if (!c.privileged()) {
            Node parent = n == null ? v.peek(Paths.parent(path)) : null;
            checkSize(c, n != null ? n.withValue(value, 0)
                    : Node.empty(parent != null ? parent.perms() : Perms.of(c.domid(), Access.NONE), 0).withValue(value, 0));
        }
        if (n == null) {
            n = create(v, c, path);
        } else if (!access(v, c, n).canWrite()) {
            throw new XsException(XsError.EACCES, "domain " + c.domid() + " may not write " + path);
        }
        Node updated = n.withValue(value, v.nextGeneration());
        v.put(path, updated);
        v.changed(change(v, path, updated));
    }

    /** The node-size quota, for an unprivileged caller about to store {@code n} (see {@link Node#size}). */
    private void checkSize(Caller c, Node n) throws XsException {
        if (!c.privileged() && n.size() >= quota.nodeSize()) {
            throw new XsException(XsError.ENOSPC, "a node of " + n.size() + " bytes reaches the node-size quota of "
                    + quota.nodeSize());
        }
    }

    /** XS_MKDIR: makes the node exist; an existing one is left alone. */
    public void mkdir(View v, Caller c, String path) throws XsException {
        Node existing = v.get(path);
        if (existing != null) {
            if (!access(v, c, existing).canWrite()) {
                throw new XsException(XsError.EACCES, "domain " + c.domid() + " may not write " + path);
            }
            return;
        }
        Node n = create(v, c, path);
        v.changed(change(v, path, n));
    }

    /**
     * Creates {@code path} and any missing parents, with the permission and quota checks;
     * returns the new node. Does not fire watches (the caller's change covers it).
     */
    private Node create(View v, Caller c, String path) throws XsException {
        if (path.equals("/")) {
            throw new XsException(XsError.EINVAL, "the root always exists");
        }
        // Find the nearest existing ancestor and the chain of nodes to create below it.
        List<String> missing = new ArrayList<>();
        String p = path;
        Node ancestor;
        while ((ancestor = v.get(p)) == null) {
            missing.add(p);
            p = Paths.parent(p);
        }
        if (!access(v, c, ancestor).canWrite()) {
            throw new XsException(XsError.EACCES, "domain " + c.domid() + " may not create nodes under " + p);
        }
        // The ancestor's record grows by the new child's name.
        checkSize(c, ancestor.withChild(Paths.name(missing.getLast()), 0));
        if (!c.privileged()) {
            int owned = ownedBy(c.domid()) + (v instanceof Transaction t ? t.addedNodesOwnedBy(c.domid()) : 0);
            if (owned + missing.size() > quota.nodes()) {
                throw new XsException(XsError.ENOSPC, "domain " + c.domid() + " would own " + (owned + missing.size())
                        + " nodes (quota " + quota.nodes() + ")");
            }
        }
        Node created = null;
        for (int i = missing.size() - 1; i >= 0; i--) {
            String m = missing.get(i);
            Node parent = v.get(Paths.parent(m));
            Perms perms = c.privileged() ? parent.perms() : parent.perms().withOwner(c.domid());
            created = addChild(v, m, perms);
        }
        return created;
    }

    private Node addChild(View v, String path, Perms perms) {
        String parentPath = Paths.parent(path);
        Node parent = v.get(parentPath);
        long gen = v.nextGeneration();
        v.put(parentPath, parent.withChild(Paths.name(path), gen));
        Node n = Node.empty(perms, gen);
        v.put(path, n);
        return n;
    }

    /** XS_RM: removes the node and everything below it; a missing node is fine if its parent exists. */
    public void rm(View v, Caller c, String path) throws XsException {
        if (path.equals("/")) {
            throw new XsException(XsError.EINVAL, "the root cannot be removed");
        }
        Node n = v.get(path);
        if (n == null) {
            XsException e = missing(v, c, path, true);
            if (e.error() == XsError.EACCES) {
                throw e;
            }
            if (v.get(Paths.parent(path)) == null) {
                throw new XsException(XsError.ENOENT, "neither " + path + " nor its parent exists");
            }
            return;
        }
        if (!access(v, c, n).canWrite()) {
            throw new XsException(XsError.EACCES, "domain " + c.domid() + " may not remove " + path);
        }
        String parentPath = Paths.parent(path);
        Node parent = v.get(parentPath);
        if (parent == null) {
            // Only in a transaction that saw the parent absent: the node has appeared since, so the
            // transaction's view is out of date and its commit would fail anyway.
            throw new XsException(XsError.EAGAIN, "transaction saw no " + parentPath + " but " + path + " exists now");
        }
        List<Change> removed = removeTree(v, path, n);
        v.put(parentPath, parent.withoutChild(Paths.name(path), v.nextGeneration()));
        // As xenstored's delnode_sub: each removed node fires the watches on exactly it, deepest
        // first, with its own and its parent's permissions; the node removed fires last, for the
        // watches on it and its ancestors.
        for (Change ch : removed.reversed()) {
            v.changed(ch);
        }
        v.changed(new Change(path, false, List.of(n.perms(), parent.perms())));
    }

    /** Removes the tree below and at {@code path}; returns the changes of the nodes below it, top down. */
    private List<Change> removeTree(View v, String path, Node n) {
        // Iterative depth-first removal: guest-built trees may be deep.
        List<Change> below = new ArrayList<>();
        List<String> stack = new ArrayList<>();
        stack.add(path);
        List<Node> nodesOf = new ArrayList<>();
        nodesOf.add(n);
        while (!stack.isEmpty()) {
            String p = stack.removeLast();
            Node node = nodesOf.removeLast();
            for (String child : node.children()) {
                String cp = Paths.child(p, child);
                Node cn = v.get(cp);
                if (cn != null) {
                    stack.add(cp);
                    nodesOf.add(cn);
                    below.add(new Change(cp, true, List.of(cn.perms(), node.perms())));
                }
            }
            v.remove(p);
        }
        return below;
    }

    /** XS_SET_PERMS. */
    public void setPerms(View v, Caller c, String path, Perms perms) throws XsException {
        Node n = v.get(path);
        if (n == null) {
            throw missing(v, c, path, true);
        }
        if (!c.privileged()) {
            boolean owns = n.perms().owner() == c.domid() || n.perms().owner() == c.target();
            if (!owns) {
                throw new XsException(XsError.EACCES, "only the owner of " + path + " may change its permissions");
            }
            if (perms.owner() != n.perms().owner()) {
                throw new XsException(XsError.EPERM, "only a privileged domain may give " + path + " to another domain");
            }
            checkSize(c, n.withPerms(perms, 0));
            if (perms.entries().size() > quota.permissions()) {
                throw new XsException(XsError.ENOSPC, perms.entries().size() + " permission entries exceed the quota of "
                        + quota.permissions());
            }
        }
        Node updated = n.withPerms(perms, v.nextGeneration());
        v.put(path, updated);
        v.changed(change(v, path, updated, n.perms()));
    }

    // --- transactions ---

    /** Starts a transaction for {@code owner}, with a fresh non-zero id. */
    public Transaction begin(Object owner) {
        int id = nextTransaction++;
        if (nextTransaction == 0) {
            nextTransaction = 1;
        }
        return new Transaction(id, this, owner);
    }

    /**
     * Commits: EAGAIN (and nothing applied) when a node the transaction touched changed since;
     * otherwise its writes become live, with fresh generations, and its changes fire.
     */
    public void commit(Transaction t) throws XsException {
        for (var e : t.seen().entrySet()) {
            Node now = nodes.get(e.getKey());
            long gen = now == null ? -1 : now.generation();
            if (gen != e.getValue()) {
                throw new XsException(XsError.EAGAIN, "transaction " + t.id() + " conflicts at " + e.getKey());
            }
        }
        for (var e : t.writes().entrySet()) {
            if (e.getValue() == null) {
                remove(e.getKey());
            } else {
                Node n = e.getValue();
                put(e.getKey(), new Node(n.value(), n.perms(), n.children(), nextGeneration()));
            }
        }
        for (Change c : t.changes()) {
            watches.accept(c);
        }
    }
}
