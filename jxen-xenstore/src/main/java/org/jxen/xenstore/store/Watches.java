package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Registered watches and the matching rules of xenstore.txt, WATCH: a change at path P fires
 * every watch on P or on an ancestor of P, with P as the event path; the removal of P also
 * fires every watch below P, with the watch's own path (the node it watched is gone). A watch
 * registered with a relative path gets relative event paths. Special watches
 * ({@code @introduceDomain}, {@code @releaseDomain}) fire only on those events.
 *
 * <p>Threads: under the server's store lock.
 */
public final class Watches {
    /**
     * One watch.
     *
     * @param owner the connection it belongs to
     * @param path its absolute path (or special path)
     * @param token the client's token
     * @param relativeBase the domain path stripped from event paths when it was registered
     *     relative, else null
     * @param watcher the domain, for the read-permission check on events
     */
    public record Watch(Object owner, String path, String token, String relativeBase, Caller watcher) {}

    /** One event to deliver. */
    public record Event(Object owner, String path, String token) {}

    private final List<Watch> watches = new ArrayList<>();

    public void add(Watch w) {
        watches.add(w);
    }

    /** Whether {@code owner} already has this path and token. */
    public boolean has(Object owner, String path, String token) {
        return watches.stream().anyMatch(w -> w.owner() == owner && w.path().equals(path) && w.token().equals(token));
    }

    public boolean remove(Object owner, String path, String token) {
        return watches.removeIf(w -> w.owner() == owner && w.path().equals(path) && w.token().equals(token));
    }

    /** Removes every watch of {@code owner}; returns how many. */
    public int removeAll(Object owner) {
        int before = watches.size();
        watches.removeIf(w -> w.owner() == owner);
        return before - watches.size();
    }

    public int count(Object owner) {
        return (int) watches.stream().filter(w -> w.owner() == owner).count();
    }

    public int size() {
        return watches.size();
    }

    /** The events a change fires, for watchers allowed to read the node. */
    public List<Event> fire(Change c, Store store) {
        List<Event> out = new ArrayList<>();
        for (Watch w : watches) {
            if (Paths.isSpecial(w.path())) {
                continue;
            }
            String eventPath = null;
            if (Paths.isChild(c.path(), w.path())) {
                eventPath = c.path();
            } else if (c.removal() && Paths.isChild(w.path(), c.path())) {
                eventPath = w.path();
            }
            if (eventPath == null) {
                continue;
            }
            if (c.node() != null && !w.watcher().privileged() && !store.canRead(w.watcher(), c.node())) {
                continue;
            }
            out.add(new Event(w.owner(), relative(w, eventPath), w.token()));
        }
        return out;
    }

    /**
     * The events a special path ({@code @introduceDomain}, {@code @releaseDomain}) fires: to
     * privileged watchers, and to those the special node's permissions let read it.
     */
    public List<Event> fireSpecial(String special, Perms perms) {
        List<Event> out = new ArrayList<>();
        for (Watch w : watches) {
            boolean allowed = w.watcher().privileged() || perms.accessOf(w.watcher().domid()).canRead();
            if (w.path().equals(special) && allowed) {
                out.add(new Event(w.owner(), special, w.token()));
            }
        }
        return out;
    }

    static String relative(Watch w, String eventPath) {
        if (w.relativeBase() == null) {
            return eventPath;
        }
        String prefix = w.relativeBase() + "/";
        return eventPath.startsWith(prefix) ? eventPath.substring(prefix.length()) : eventPath;
    }
}
