package org.jxen.xen.backend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import org.jxen.xen.abi.XenH;

/**
 * The back end of one shared ring (xen/io/ring.h): the header's four indices, the backend's
 * private request consumer and response producer, and ring.h's rules for when each side must be
 * notified. The request entries are read once each into the caller's buffer; every index from the
 * guest is checked against the ring's size.
 *
 * <p>Threads: one thread serves a ring (the caller's lock).
 */
public final class BackRing {
    private static final VarHandle INDEX = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment sring;
    private final int size;
    private final int entry;
    private int reqCons;
    private int rspProdPvt;
    private int pushedRsp;

    /** A ring of {@code size} entries of {@code entry} bytes in {@code sring}; indices taken as they are (BACK_RING_ATTACH). */
    public BackRing(MemorySegment sring, int size, int entry) {
        this.sring = sring;
        this.size = size;
        this.entry = entry;
        this.rspProdPvt = (int) INDEX.getAcquire(sring, (long) XenH.BLKIF_SRING_RSP_PROD);
        this.pushedRsp = rspProdPvt;
        this.reqCons = rspProdPvt;
    }

    /**
     * Requests the frontend made available and not yet taken; negative when its producer index
     * moved by more than the ring (the ring cannot be trusted any more).
     */
    public int available() {
        int rp = (int) INDEX.getAcquire(sring, (long) XenH.BLKIF_SRING_REQ_PROD);
        int n = rp - reqCons;
        return Integer.compareUnsigned(n, size) > 0 ? -1 : n;
    }

    /** Room for responses: entries the frontend has consumed (RING_FULL's complement for the back). */
    public boolean canRespond() {
        return rspProdPvt - reqCons < size;
    }

    /** Copies the next request (read once) and takes it. */
    public byte[] take() {
        byte[] b = sring.asSlice(slot(reqCons), entry).toArray(ValueLayout.JAVA_BYTE);
        reqCons++;
        return b;
    }

    /** Writes the next response (not yet visible to the frontend until {@link #push}). */
    public void respond(byte[] rsp) {
        MemorySegment.copy(rsp, 0, sring, ValueLayout.JAVA_BYTE, slot(rspProdPvt), rsp.length);
        rspProdPvt++;
    }

    private long slot(int index) {
        return XenH.BLKIF_SRING_RING + (long) (index & (size - 1)) * entry;
    }

    /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publishes the responses; whether the frontend asked to be told. */
    public boolean push() {
        int old = pushedRsp;
        int now = rspProdPvt;
        if (now == old) {
            return false;
        }
        pushedRsp = now;
        INDEX.setRelease(sring, (long) XenH.BLKIF_SRING_RSP_PROD, now);
        VarHandle.fullFence();
        int event = (int) INDEX.getAcquire(sring, (long) XenH.BLKIF_SRING_RSP_EVENT);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }

    /** RING_FINAL_CHECK_FOR_REQUESTS: asks to be notified of the next request; whether one came meanwhile. */
    public boolean finalCheck() {
        INDEX.setRelease(sring, (long) XenH.BLKIF_SRING_REQ_EVENT, reqCons + 1);
        VarHandle.fullFence();
        return (int) INDEX.getAcquire(sring, (long) XenH.BLKIF_SRING_REQ_PROD) != reqCons;
    }
}
