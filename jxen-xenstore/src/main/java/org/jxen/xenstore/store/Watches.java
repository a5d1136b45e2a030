package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /** A registered watch and its registration number: events go out in registration order. */
    private record Entry(Watch watch, long seq) {}

    /**
     * The watches by path. Sorted, so the watches below a removed node are one sub-map; a change
     * looks up only its own path and its ancestors, and costs the same whether 10 or 10,000
     * watches are registered (docs/PERFORMANCE.md, "XenStore": matching used to scan them all).
     */
    private final TreeMap<String, List<Entry>> byPath = new TreeMap<>();
    private final Map<Object, Integer> perOwner = new IdentityHashMap<>();
    private long nextSeq;
    private int size;

    public void add(Watch w) {
        byPath.computeIfAbsent(w.path(), k -> new ArrayList<>(1)).add(new Entry(w, nextSeq++));
        perOwner.merge(w.owner(), 1, Integer::sum);
        size++;
    }

    /** Whether {@code owner} already has this path and token. */
    public boolean has(Object owner, String path, String token) {
        List<Entry> l = byPath.get(path);
        return l != null && l.stream().anyMatch(e -> e.watch().owner() == owner && e.watch().token().equals(token));
    }

    public boolean remove(Object owner, String path, String token) {
        List<Entry> l = byPath.get(path);
        if (l == null || !l.removeIf(e -> e.watch().owner() == owner && e.watch().token().equals(token))) {
            return false;
        }
        if (l.isEmpty()) {
            byPath.remove(path);
        }
        forget(owner, 1);
        return true;
    }

    /** Removes every watch of {@code owner}; returns how many. */
    public int removeAll(Object owner) {
        int n = perOwner.getOrDefault(owner, 0);
        if (n == 0) {
            return 0;
        }
        Iterator<List<Entry>> it = byPath.values().iterator();
        while (it.hasNext()) {
            List<Entry> l = it.next();
            if (l.removeIf(e -> e.watch().owner() == owner) && l.isEmpty()) {
                it.remove();
            }
        }
        forget(owner, n);
        return n;
    }

    private void forget(Object owner, int n) {
        size -= n;
        perOwner.computeIfPresent(owner, (k, v) -> v == n ? null : v - n);
    }

    public int count(Object owner) {
        return perOwner.getOrDefault(owner, 0);
    }

    public int size() {
        return size;
    }

    /** The events a change fires, for watchers allowed to read the node. */
    public List<Event> fire(Change c, Store store) {
        List<Entry> hits = new ArrayList<>();
        // The changed path and each of its ancestors, up to and including "/".
        String p = c.path();
        while (true) {
            List<Entry> l = byPath.get(p);
            if (l != null) {
                hits.addAll(l);
            }
            if (p.equals("/")) {
                break;
            }
            p = Paths.parent(p);
        }
        if (c.removal()) {
            // Every watch strictly below the removed path: keys after "P/" (never a key itself)
            // and before "P0" ('0' is the character after '/').
            String below = c.path().equals("/") ? "/" : c.path() + "/";
            String end = below.substring(0, below.length() - 1) + "0";
            for (List<Entry> l : byPath.subMap(below, false, end, false).values()) {
                hits.addAll(l);
            }
        }
        List<Event> out = new ArrayList<>(hits.size());
        if (hits.isEmpty()) {
            return out;
        }
        if (hits.size() > 1) {
            hits.sort(Comparator.comparingLong(Entry::seq));
        }
        for (Entry e : hits) {
            Watch w = e.watch();
            if (c.node() != null && !w.watcher().privileged() && !store.canRead(w.watcher(), c.node())) {
                continue;
            }
            String eventPath = Paths.isChild(c.path(), w.path()) ? c.path() : w.path();
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
        for (Entry e : byPath.getOrDefault(special, List.of())) {
            Watch w = e.watch();
            if (w.watcher().privileged() || perms.accessOf(w.watcher().domid()).canRead()) {
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
