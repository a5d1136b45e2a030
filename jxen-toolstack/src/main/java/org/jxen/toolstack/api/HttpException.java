package org.jxen.toolstack.api;

/** A request the API refuses: the status and one sentence saying why. */
public final class HttpException extends Exception {
    private final int status;

    public HttpException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
