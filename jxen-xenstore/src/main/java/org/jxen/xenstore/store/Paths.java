package org.jxen.xenstore.store;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.jxen.xenstore.wire.XsPacket;

/**
 * Path rules of xenstore.txt: absolute paths start with '/', use ASCII letters, digits and
 * "-/_@", have no doubled or trailing slash (but the root), and are at most 2048 bytes, or
 * 2048 after a leading "/local/domain/N/" (xenstored's is_valid_nodename);
 * relative ones (at most 2048 bytes) are taken relative to the caller's domain path
 * {@code /local/domain/<domid>}. Special watch paths start with '@'.
 */
public final class Paths {
    private Paths() {}

    /** The home of a domain, as XS_GET_DOMAIN_PATH answers. */
    public static String domainPath(int domid) {
        return "/local/domain/" + domid;
    }

    /** Canonicalises a client path to an absolute one; EINVAL names what is wrong. */
    public static String canonical(String path, int domid) throws XsException {
        if (path.isEmpty()) {
            throw new XsException(XsError.EINVAL, "empty path");
        }
        boolean relative = path.charAt(0) != '/';
        if (relative && path.length() > XsPacket.REL_PATH_MAX) {
            throw new XsException(XsError.EINVAL, "relative path of " + path.length() + " bytes (expected: <= "
                    + XsPacket.REL_PATH_MAX + ")");
        }
        String abs = relative ? domainPath(domid) + "/" + path : path;
        check(abs);
        return abs;
    }

    /** The length of a leading "/local/domain/N/" (N of 1 to 5 digits, as sscanf's %5u), else 0. */
    static int localPrefix(String abs) {
        String head = "/local/domain/";
        if (!abs.startsWith(head)) {
            return 0;
        }
        int i = head.length();
        int digits = 0;
        while (i < abs.length() && digits < 5 && abs.charAt(i) >= '0' && abs.charAt(i) <= '9') {
            i++;
            digits++;
        }
        return digits > 0 && i < abs.length() && abs.charAt(i) == '/' ? i + 1 : 0;
    }

    /** Checks an absolute path; EINVAL names what is wrong. */
    public static void check(String abs) throws XsException {
        // xenstored 4.17's is_valid_nodename: what follows "/local/domain/<domid>/" may be as
        // long as a relative path (2048); any other path as a whole. (Always under the
        // xs_wire.h XENSTORE_ABS_PATH_MAX of 3072.)
        int limit = localPrefix(abs) + XsPacket.REL_PATH_MAX;
        if (abs.length() > limit) {
            throw new XsException(XsError.EINVAL, "path of " + abs.length() + " bytes (expected: <= " + limit + ")");
        }
        if (abs.isEmpty() || abs.charAt(0) != '/') {
            throw new XsException(XsError.EINVAL, "path \"" + abs + "\" is not absolute");
        }
        if (abs.equals("/")) {
            return;
        }
        if (abs.endsWith("/") || abs.contains("//")) {
            throw new XsException(XsError.EINVAL, "path \"" + abs + "\" has an empty component");
        }
        for (int i = 0; i < abs.length(); i++) {
            char c = abs.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '/' || c == '_' || c == '@';
            if (!ok) {
                throw new XsException(XsError.EINVAL, "path has an invalid character (code " + (int) c + ")");
            }
        }
    }

    /** Whether {@code path} is a special watch path such as {@code @releaseDomain}. */
    public static boolean isSpecial(String path) {
        return !path.isEmpty() && path.charAt(0) == '@';
    }

    public static String parent(String abs) {
        int i = abs.lastIndexOf('/');
        return i <= 0 ? "/" : abs.substring(0, i);
    }

    public static String name(String abs) {
        return abs.substring(abs.lastIndexOf('/') + 1);
    }

    public static String child(String parent, String name) {
        return parent.equals("/") ? "/" + name : parent + "/" + name;
    }

    /** xenstore.txt: {@code child} is a child of {@code parent} if equal, or parent is /, or parent + "/" prefixes it. */
    public static boolean isChild(String child, String parent) {
        return child.equals(parent) || parent.equals("/")
                || (child.length() > parent.length() && child.startsWith(parent) && child.charAt(parent.length()) == '/');
    }
}
