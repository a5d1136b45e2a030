package org.jxen.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Interrupts a thread that is blocked in a system call (a vCPU in {@code KVM_RUN}) with a
 * real-time signal, without ever running a signal handler in the JVM.
 *
 * <p>How: the target thread blocks {@link #SIGNAL} for itself and gives KVM a run-time mask in
 * which it is unblocked ({@code KVM_SET_SIGNAL_MASK}). A kick sent while the thread is in
 * {@code KVM_RUN} makes the ioctl return {@code EINTR}; one sent at any other moment stays
 * pending and makes the next {@code KVM_RUN} return {@code EINTR} at once. Either way the
 * signal is never delivered: the target takes it with {@link #consume()}. The disposition is
 * {@code SIG_IGN}, so a stray process-directed instance cannot kill the process (blocked
 * signals are queued even when ignored).
 */
public final class ThreadKick {
    /**
     * The kick signal: a real-time signal (the kernel's SIGRTMIN is 32) above the two that glibc
     * keeps for itself (32, 33) and unused by the JVM.
     */
    public static final int SIGNAL = 40;

    static {
        try {
            LibC.ignoreSignal(SIGNAL);
        } catch (SysException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int tid;
    private final byte[] runMask;
    private final MemorySegment set;
    private final MemorySegment zero;

    private ThreadKick(int tid, byte[] runMask, MemorySegment set, MemorySegment zero) {
        this.tid = tid;
        this.runMask = runMask;
        this.set = set;
        this.zero = zero;
    }

    /**
     * Blocks the kick signal in the calling thread and returns the handle other threads use to
     * kick it. Must be called on the thread to be kicked.
     */
    public static ThreadKick forCurrentThread() throws SysException {
        Arena arena = Arena.ofAuto();
        MemorySegment set = LibC.sigset(arena, SIGNAL);
        MemorySegment old = arena.allocate(LibC.KERNEL_SIGSET_SIZE, 8);
        LibC.sigprocmask(LibC.SIG_BLOCK, set, old);
        old.set(ValueLayout.JAVA_LONG, 0, old.get(ValueLayout.JAVA_LONG, 0) & ~(1L << (SIGNAL - 1)));
        byte[] mask = old.toArray(ValueLayout.JAVA_BYTE);
        MemorySegment zero = arena.allocate(LibC.TIMESPEC_SIZE, 8);
        return new ThreadKick(LibC.gettid(), mask, set, zero);
    }

    /**
     * The signal mask for {@code KVM_SET_SIGNAL_MASK}: the thread's own mask with the kick
     * signal unblocked, as the kernel's 64-bit sigset.
     */
    public byte[] runMask() {
        return runMask.clone();
    }

    /** Sends the kick. Safe from any thread; a thread that has ended is ignored. */
    public void kick() {
        LibC.tgkill(tid, SIGNAL);
    }

    /**
     * Takes a pending kick, if any. Must be called on the kicked thread, after
     * {@code KVM_RUN} returned {@code EINTR}; otherwise the next {@code KVM_RUN} returns at once.
     *
     * @return whether a kick was pending
     */
    public boolean consume() {
        return LibC.sigtimedwaitNow(set, zero) == SIGNAL;
    }
}
