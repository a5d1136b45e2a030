package org.jxen.toolstack.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Who may have jxend run xl commands: root, the user jxend runs as, and the members of the
 * access group (primary or supplementary, from {@code /proc/PID/status} of the peer), as the
 * socket's mode 0660 and group {@code jxen} also say.
 *
 * @param ownUid the daemon's uid
 * @param group the access group's name and gid, when it exists on this host
 */
public record AccessPolicy(int ownUid, Optional<String> groupName, OptionalInt groupGid) {
    /** The policy for this process: its uid, and the group {@code name} if /etc/group has it. */
    public static AccessPolicy forThisProcess(Optional<String> name) throws IOException {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        OptionalInt gid = OptionalInt.empty();
        if (name.isPresent()) {
            for (String line : Files.readAllLines(Path.of("/etc/group"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && f[0].equals(name.get())) {
                    gid = OptionalInt.of(Integer.parseInt(f[2]));
                }
            }
        }
        return new AccessPolicy(uid, gid.isPresent() ? name : Optional.empty(), gid);
    }

    /** Null when the peer may use jxend, else the sentence that refuses it. */
    public String refusal(Peer peer) {
        if (peer.uid() == 0 || peer.uid() == ownUid) {
            return null;
        }
        if (groupGid.isPresent() && (peer.gid() == groupGid.getAsInt() || inGroup(peer.pid(), groupGid.getAsInt()))) {
            return null;
        }
        return "permission denied: jxend admits root, uid " + ownUid + groupName.map(g -> " and group " + g).orElse("")
                + "; uid " + peer.uid() + " is none of them";
    }

    /** Whether process {@code pid} has {@code gid} among its groups ("Groups:" in /proc/PID/status). */
    static boolean inGroup(int pid, int gid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith("Groups:")) {
                    for (String g : line.substring(7).trim().split("\\s+")) {
                        if (!g.isEmpty() && Integer.parseInt(g) == gid) {
                            return true;
                        }
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The peer is gone or unreadable: not a member.
        }
        return false;
    }
}
