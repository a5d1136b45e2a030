package org.jxen.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** An {@code eventfd(2)} counter, used for KVM's irqfd and ioeventfd. */
public final class EventFd extends Fd {
    public EventFd(String what) throws SysException {
        super(LibC.eventfd(0, LibC.EFD_CLOEXEC), what);
    }

    /** Adds 1 to the counter (wakes a waiter or raises the irqfd). */
    public void signal() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_LONG, 1L);
            long r = LibC.writeRaw(get(), one, 8);
            if (r < 0) {
                throw new SysException("write(" + what() + ")", (int) -r);
            }
        }
    }

    /** Reads and resets the counter, blocking until it is non-zero. */
    public long await() throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(8);
            while (true) {
                long r = LibC.readRaw(get(), value, 8);
                if (r == 8) {
                    return value.get(ValueLayout.JAVA_LONG, 0);
                }
                if (r != -Errno.EINTR) {
                    throw new SysException("read(" + what() + ")", (int) -r);
                }
            }
        }
    }
}
