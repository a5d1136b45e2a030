package org.jxen.toolstack.domain;

/**
 * A domain operation failed. The message is one sentence for the user, in xl's wording where
 * xl has one; {@link #kind()} says which of libxl's error classes it is, so that the xl
 * commands and the control API can map it to an exit status or an HTTP status.
 */
public final class DomainException extends Exception {
    /** libxl's error classes (libxl_types.idl, {@code libxl_error}) that jxen reports. */
    public enum Kind {
        /** ERROR_DOMAIN_NOTFOUND: no domain has that name or id. */
        NOT_FOUND,
        /** ERROR_INVAL: the request or the configuration is invalid. */
        INVALID,
        /** A domain of that name already exists (xl: "domain with name ... already exists"). */
        EXISTS,
        /** ERROR_NOT_READY / not supported yet: jxen cannot do this (yet); the message says why. */
        UNSUPPORTED,
        /** ERROR_FAIL: anything else; the message says what failed. */
        FAILED
    }

    private final Kind kind;

    public DomainException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DomainException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
