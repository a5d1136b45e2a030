package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Registered watches and the matching rules of xenstore.txt, WATCH, as xenstored 4.17 applies
 * them: a change at path P fires every watch on P or on an ancestor of P, with P as the event
 * path; removing P fires, for each node N below P, the watches on exactly N (with N's path),
 * then P's own change ({@link Change#exact}). A watcher hears of a change when it may read the
 * node or its parent. A watch registered with a relative path gets relative event paths.
 * Special watches ({@code @introduceDomain}, {@code @releaseDomain}) fire only on those events.
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
    record Entry(Watch watch, long seq) {}

    /**
     * The watches by path: a change looks up only its own path and its ancestors, and costs the
     * same whether 10 or 10,000 watches are registered (docs/PERFORMANCE.md, section 7: matching
     * used to scan them all).
     */
    private final Map<String, List<Entry>> byPath = new HashMap<>();
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

    /** Takes {@code n} watches of {@code owner} out of the counts, once their entries are gone. */
    void forget(Object owner, int n) {
        size -= n;
        perOwner.computeIfPresent(owner, (k, v) -> v == n ? null : v - n);
    }

    // --- the raw tables, for StoreCheck (and the tests' corruption hooks) ---

    /** The index: path → the watches on it. */
    Map<String, List<Entry>> index() {
        return byPath;
    }

    /** Watches held, by owner (compared by identity). */
    Map<Object, Integer> ownerCounts() {
        return perOwner;
    }

    void size(int n) {
        size = n;
    }

    public int count(Object owner) {
        return perOwner.getOrDefault(owner, 0);
    }

    public int size() {
        return size;
    }

    /**
     * The events a change fires: watches on its path, and unless the change is exact, on its
     * ancestors; each for a watcher allowed to read any of the change's permissions.
     */
    public List<Event> fire(Change c, Store store) {
        List<Entry> hits = new ArrayList<>();
        String p = c.path();
        while (true) {
            List<Entry> l = byPath.get(p);
            if (l != null) {
                hits.addAll(l);
            }
            if (c.exact() || p.equals("/")) {
                break;
            }
            p = Paths.parent(p);
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
            if (!w.watcher().privileged() && c.readers().stream().noneMatch(perms -> store.canRead(w.watcher(), perms))) {
                continue;
            }
            out.add(new Event(w.owner(), relative(w, c.path()), w.token()));
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
