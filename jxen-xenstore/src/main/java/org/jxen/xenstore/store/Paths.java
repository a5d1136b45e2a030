package org.jxen.xenstore.store;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.jxen.xenstore.wire.XsPacket;

/**
 * Path rules of xenstore.txt: absolute paths start with '/', use ASCII letters, digits and
 * "-/_@", have no doubled or trailing slash (but the root), and are at most 3072 bytes;
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

    /** Checks an absolute path; EINVAL names what is wrong. */
    public static void check(String abs) throws XsException {
        if (abs.length() > XsPacket.ABS_PATH_MAX) {
            throw new XsException(XsError.EINVAL, "path of " + abs.length() + " bytes (expected: <= " + XsPacket.ABS_PATH_MAX + ")");
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
