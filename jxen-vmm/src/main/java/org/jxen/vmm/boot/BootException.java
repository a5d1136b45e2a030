package org.jxen.vmm.boot;

/**
 * A kernel, initrd or command line cannot be booted: the message says which file, what is
 * wrong with it and, where it helps, what was expected. One line, meant for the user.
 */
public final class BootException extends Exception {
    private static final long serialVersionUID = 1L;

    public BootException(String message) {
        super(message);
    }

    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
