package org.jxen.xen.xenbus;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

import org.jxen.xen.abi.XenH;

/**
 * A guest's PV console ring (xen/io/console.h, {@code struct xencons_interface}): what the
 * guest writes into {@code out} goes to the domain's console (its log and {@code xl console}),
 * and what is typed at the console goes into {@code in} as the guest makes room. Indices are
 * free-running 32-bit counters, read once with acquire order and checked; a guest whose indices
 * moved by more than the ring is ignored until they make sense again.
 *
 * <p>Threads: {@link #kick} from the thread serving the console port, {@link #input} from the
 * console's reader; one lock orders them.
 */
public final class ConsoleRing {
    private static final VarHandle INDEX = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment page;
    private final Consumer<byte[]> output;
    private final Runnable notifyGuest;
    private long badIndices;

    public ConsoleRing(MemorySegment page, Consumer<byte[]> output, Runnable notifyGuest) {
        if (page.byteSize() < XenH.XEN_PAGE_SIZE) {
            throw new IllegalArgumentException("a console ring page is " + XenH.XEN_PAGE_SIZE + " bytes");
        }
        this.page = page;
        this.output = output;
        this.notifyGuest = notifyGuest;
    }

    /** How many times the guest's indices made no sense (for the domain's log). */
    public synchronized long badIndices() {
        return badIndices;
    }

    /** The guest notified the console port: pass on what it wrote. */
    public synchronized void kick() {
        int prod = (int) INDEX.getAcquire(page, (long) XenH.XENCONS_OUT_PROD);
        int cons = (int) INDEX.getAcquire(page, (long) XenH.XENCONS_OUT_CONS);
        int avail = prod - cons;
        if (Integer.compareUnsigned(avail, XenH.XENCONS_OUT_SIZE) > 0) {
            badIndices++;
            return;
        }
        if (avail == 0) {
            return;
        }
        byte[] b = new byte[avail];
        for (int i = 0; i < avail; i++) {
            b[i] = page.get(ValueLayout.JAVA_BYTE, XenH.XENCONS_OUT + ((cons + i) & (XenH.XENCONS_OUT_SIZE - 1)));
        }
        INDEX.setRelease(page, (long) XenH.XENCONS_OUT_CONS, prod);
        output.accept(b);
        notifyGuest.run();
    }

    /** Typed input for the guest: returns how many bytes fitted (the rest waits for room). */
    public synchronized int input(byte[] data) {
        int prod = (int) INDEX.getAcquire(page, (long) XenH.XENCONS_IN_PROD);
        int cons = (int) INDEX.getAcquire(page, (long) XenH.XENCONS_IN_CONS);
        int used = prod - cons;
        if (Integer.compareUnsigned(used, XenH.XENCONS_IN_SIZE) > 0) {
            badIndices++;
            return 0;
        }
        int n = Math.min(data.length, XenH.XENCONS_IN_SIZE - used);
        for (int i = 0; i < n; i++) {
            page.set(ValueLayout.JAVA_BYTE, XenH.XENCONS_IN + ((prod + i) & (XenH.XENCONS_IN_SIZE - 1)), data[i]);
        }
        if (n > 0) {
            INDEX.setRelease(page, (long) XenH.XENCONS_IN_PROD, prod + n);
            notifyGuest.run();
        }
        return n;
    }
}
