package org.jxen.toolstack.domain;

import java.time.Instant;
import java.util.ArrayDeque;

/**
 * jxend's message ring, what {@code xl dmesg} prints as Xen prints its console ring: one line
 * per domain event ("(jxend) domain 3 (web) created"), the oldest dropped past
 * {@link #CAPACITY} lines. Thread-safe.
 */
final class EventRing {
    static final int CAPACITY = 2000;
    private final ArrayDeque<String> lines = new ArrayDeque<>();

    synchronized void add(String message) {
        if (lines.size() == CAPACITY) {
            lines.poll();
        }
        lines.add("(jxend) [" + Instant.now() + "] " + message);
    }

    /** A domain's own line, as Xen's console shows a guest's debug output: {@code (dN) text}. */
    synchronized void addGuest(int domid, String text) {
        if (lines.size() == CAPACITY) {
            lines.poll();
        }
        lines.add("(d" + domid + ") " + text);
    }

    synchronized String read(boolean clear) {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        if (clear) {
            lines.clear();
        }
        return b.toString();
    }
}
