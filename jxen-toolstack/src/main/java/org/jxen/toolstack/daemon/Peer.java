package org.jxen.toolstack.daemon;

/**
 * Who is on the other end of a control connection, from {@code SO_PEERCRED}
 * ({@code struct ucred}, socket(7)).
 */
public record Peer(int pid, int uid, int gid) {
    public boolean isRoot() {
        return uid == 0;
    }
}
