package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.List;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;

/**
 * A node's permissions, as XS_GET_PERMS returns them (xenstore.txt; the XenBus wiki,
 * "Permissions"): the first entry names the owner and the access every domain not listed gets;
 * each further entry grants one domain its access. The owner and privileged domains always
 * have full access.
 *
 * <p>Worked example: {@code n5 r7 b9} — domain 5 owns the node (full access); domain 7 may
 * read it; domain 9 may read and write it; every other unprivileged domain has no access.
 */
public record Perms(List<Entry> entries) {
    /** One {@code <letter><domid>} entry. */
    public record Entry(int domid, Access access) {
        @Override
        public String toString() {
            return access.letter() + Integer.toString(domid);
        }
    }

    public Perms {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("permissions need at least the owner entry");
        }
        entries = List.copyOf(entries);
    }

    /** Owned by {@code owner}, everyone else gets {@code others}. */
    public static Perms of(int owner, Access others) {
        return new Perms(List.of(new Entry(owner, others)));
    }

    /** Parses XS_SET_PERMS strings; EINVAL names the bad one. */
    public static Perms parse(List<String> strings) throws XsException {
        if (strings.isEmpty()) {
            throw new XsException(XsError.EINVAL, "no permissions given");
        }
        List<Entry> out = new ArrayList<>(strings.size());
        for (String s : strings) {
            Access a = s.isEmpty() ? null : Access.of(s.charAt(0));
            int domid = -1;
            // ASCII decimal only: Character.isDigit would also take other scripts' digits.
            if (a != null && s.length() > 1 && s.length() <= 6
                    && s.substring(1).chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                domid = Integer.parseInt(s.substring(1));
            }
            if (a == null || domid < 0 || domid > 0xffff) {
                throw new XsException(XsError.EINVAL, "permission \"" + s + "\" (expected: n, r, w or b and a domid 0..65535)");
            }
            out.add(new Entry(domid, a));
        }
        return new Perms(out);
    }

    public int owner() {
        return entries.get(0).domid();
    }

    /** The access of domains without an entry of their own. */
    public Access others() {
        return entries.get(0).access();
    }

    /**
     * The same permissions without {@code domid}, for a domain that is gone (xenstored's
     * remove_domid_from_perm): its entries dropped, and Dom0 the owner if it owned them.
     */
    public Perms without(int domid) {
        List<Entry> e = new ArrayList<>();
        e.add(owner() == domid ? new Entry(0, others()) : entries.get(0));
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).domid() != domid) {
                e.add(entries.get(i));
            }
        }
        return new Perms(e);
    }

    /** The same permissions with another owner. */
    public Perms withOwner(int domid) {
        List<Entry> e = new ArrayList<>(entries);
        e.set(0, new Entry(domid, e.get(0).access()));
        return new Perms(e);
    }

    /**
     * What an unprivileged domain may do: everything as owner, otherwise its own entry (the
     * first one for it), otherwise the default.
     */
    public Access accessOf(int domid) {
        return accessOf(domid, -1);
    }

    /**
     * What an unprivileged domain with a target (XS_SET_TARGET; -1 for none) may do, as
     * xenstored's perm_for_conn: everything when it or its target owns the node, otherwise the
     * first entry for either of them, otherwise the default.
     */
    public Access accessOf(int domid, int target) {
        if (domid == owner() || (target >= 0 && target == owner())) {
            return Access.BOTH;
        }
        for (int i = 1; i < entries.size(); i++) {
            int id = entries.get(i).domid();
            if (id == domid || (target >= 0 && id == target)) {
                return entries.get(i).access();
            }
        }
        return others();
    }

    public List<String> strings() {
        return entries.stream().map(Entry::toString).toList();
    }

    @Override
    public String toString() {
        return String.join(" ", strings());
    }
}
