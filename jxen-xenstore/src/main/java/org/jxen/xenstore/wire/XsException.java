package org.jxen.xenstore.wire;

/**
 * A request failed with one of the protocol's errors. The message is for logs and tests; only
 * {@link #error()} goes on the wire.
 */
public final class XsException extends Exception {
    private static final long serialVersionUID = 1L;

    private final XsError error;

    public XsException(XsError error, String message) {
        super(error + ": " + message, null, false, false);
        this.error = error;
    }

    public XsError error() {
        return error;
    }
}
