package org.jxen.toolstack.daemon;

/**
 * Runs one {@code xl} command inside jxend. The daemon knows only this interface; the xl command
 * table (module jxen-cli) implements it, so no dependency points up the layers.
 */
@FunctionalInterface
public interface CommandRunner {
    /** Runs the command; returns the exit status the client exits with. */
    int run(Invocation invocation) throws InterruptedException;
}
