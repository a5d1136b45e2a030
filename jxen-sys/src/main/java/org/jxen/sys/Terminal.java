package org.jxen.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A terminal switched to raw mode (no echo, no line discipline, no signals from ^C), restored
 * by {@link #close()}, which is idempotent, and by a shutdown hook if the JVM exits first.
 */
public final class Terminal implements AutoCloseable {
    private final int fd;
    private final MemorySegment saved;
    private final Thread restoreHook;
    private boolean restored;

    private Terminal(int fd, MemorySegment saved) {
        this.fd = fd;
        this.saved = saved;
        this.restoreHook = new Thread(this::restore, "terminal-restore");
    }

    /** Whether {@code fd} is a terminal. */
    public static boolean isTerminal(int fd) {
        return LibC.isatty(fd);
    }

    /** Puts terminal {@code fd} in raw mode. */
    public static Terminal raw(int fd) throws SysException {
        Arena arena = Arena.ofAuto();
        MemorySegment saved = arena.allocate(LibC.KERNEL_TERMIOS_SIZE, 8);
        LibC.tcgetattr(fd, saved);
        MemorySegment raw = arena.allocate(LibC.KERNEL_TERMIOS_SIZE, 8);
        raw.copyFrom(saved);
        LibC.cfmakeraw(raw);
        Terminal t = new Terminal(fd, saved);
        Runtime.getRuntime().addShutdownHook(t.restoreHook);
        LibC.tcsetattr(fd, raw);
        return t;
    }

    private synchronized void restore() {
        if (!restored) {
            restored = true;
            try {
                LibC.tcsetattr(fd, saved);
            } catch (SysException e) {
                System.err.println("jxen: cannot restore the terminal: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs anyway; restore() is idempotent.
        }
    }
}
