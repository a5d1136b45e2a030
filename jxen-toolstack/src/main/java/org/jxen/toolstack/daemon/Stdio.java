package org.jxen.toolstack.daemon;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The standard input, output and error of the {@code xl} process that asked jxend to run a
 * command: its own descriptors, passed over the launcher socket, so output reaches the user's
 * terminal or pipe directly. Reads from {@link #in()} end (EOF) when the invocation is
 * cancelled.
 */
public interface Stdio extends AutoCloseable {
    InputStream in();

    OutputStream out();

    OutputStream err();

    /** Whether standard input is a terminal (isatty). */
    boolean stdinIsTerminal();

    /**
     * Puts the terminal on standard input into raw mode (cfmakeraw) until the returned handle is
     * closed, which restores it; jxend closes it also when the client dies or the command fails.
     * When standard input is not a terminal, a handle that does nothing.
     */
    AutoCloseable rawMode() throws java.io.IOException;

    /**
     * Makes reads of {@link #in()} end (EOF), now and from now on: a command that reads its input
     * on one thread stops it this way when it finishes on another (xl console, when the domain
     * goes).
     */
    void endInput();

    /** Restores any raw mode and closes the descriptors; idempotent. */
    @Override
    void close();
}
