package org.jxen.xenstore.wire;

/**
 * The error replies XenStore may send: exactly the {@code xsd_errors} table of
 * xen/io/xs_wire.h, sent as the name followed by a NUL. Xen's client library turns the name
 * back into the errno of the same name; a name outside this table would reach the caller as
 * EINVAL, which is why nothing else is ever sent (quota violations are ENOSPC, as Xen's C
 * xenstored answers them).
 */
public enum XsError {
    EINVAL,
    EACCES,
    EEXIST,
    EISDIR,
    ENOENT,
    ENOMEM,
    ENOSPC,
    EIO,
    ENOTEMPTY,
    ENOSYS,
    EROFS,
    EBUSY,
    EAGAIN,
    EISCONN,
    E2BIG,
    EPERM;

    /** The payload of the XS_ERROR reply: the name and a NUL. */
    public byte[] payload() {
        byte[] name = name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] p = new byte[name.length + 1];
        System.arraycopy(name, 0, p, 0, name.length);
        return p;
    }

    /** The error named by a reply payload (with or without its NUL), or null. */
    public static XsError fromPayload(byte[] payload) {
        int n = payload.length;
        while (n > 0 && payload[n - 1] == 0) {
            n--;
        }
        String s = new String(payload, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
        for (XsError e : values()) {
            if (e.name().equals(s)) {
                return e;
            }
        }
        return null;
    }
}
