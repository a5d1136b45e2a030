package org.jxen.xenstore.store;

/** Where an operation reads and writes nodes: the store itself, or a transaction over it. */
public interface View {
    /** The node at an absolute path, or null. */
    Node get(String path);

    /**
     * The node, as {@link #get}, but not counted as read: a transaction does not conflict on a
     * node looked at only for bookkeeping (the parent's permissions of a watch event).
     */
    default Node peek(String path) {
        return get(path);
    }

    /** Stores a node (its generation is already set). */
    void put(String path, Node node);

    /** Removes one node (not its children). */
    void remove(String path);

    /** A fresh generation number for a node changed through this view. */
    long nextGeneration();

    /** Records a change for the watches (fired at once, or at commit). */
    void changed(Change change);
}
