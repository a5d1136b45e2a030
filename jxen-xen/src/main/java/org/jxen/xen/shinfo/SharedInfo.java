package org.jxen.xen.shinfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import org.jxen.xen.abi.XenH;

/**
 * A domain's shared info page (xen/xen.h, {@code struct shared_info}) and the 2-level event
 * channel protocol on it (Xen's {@code evtchn_2l_set_pending} and {@code _unmask}): the
 * pending and mask bitmaps, and each vCPU's {@code vcpu_info} (upcall pending, upcall mask,
 * pending selector). Bits are set with atomic read-modify-writes on aligned 64-bit words, as the
 * guest's own {@code lock bts}/{@code btr} on the same words expect.
 *
 * <p>Until the guest maps the page ({@code XENMEM_add_to_physmap}, {@link #moveTo}), it lives in
 * jxen's own memory, as Xen keeps it before the guest asks for it.
 *
 * <p>Threads: any; every change is an atomic operation on the page.
 */
public final class SharedInfo {
    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();

    private MemorySegment page;
    /** vcpu_info areas the guest placed with VCPUOP_register_vcpu_info (null: in the page). */
    private final MemorySegment[] placed = new MemorySegment[XenH.XEN_LEGACY_MAX_VCPUS];

    public SharedInfo() {
        this.page = Arena.ofAuto().allocate(XenH.XEN_PAGE_SIZE, XenH.XEN_PAGE_SIZE);
    }

    /** The page is now {@code guestPage} (a guest RAM page): zeroed, then used from here on. */
    public synchronized void moveTo(MemorySegment guestPage) {
        if (guestPage.byteSize() != XenH.XEN_PAGE_SIZE) {
            throw new IllegalArgumentException("a shared info page is " + XenH.XEN_PAGE_SIZE + " bytes");
        }
        guestPage.copyFrom(page);
        page = guestPage;
    }

    private synchronized MemorySegment page() {
        return page;
    }

    private static boolean testAndSet(MemorySegment p, long byteOffset, int bit) {
        long mask = 1L << bit;
        return ((long) WORD.getAndBitwiseOr(p, byteOffset, mask) & mask) != 0;
    }

    private static boolean testAndClear(MemorySegment p, long byteOffset, int bit) {
        long mask = 1L << bit;
        return ((long) WORD.getAndBitwiseAnd(p, byteOffset, ~mask) & mask) != 0;
    }

    private static boolean test(MemorySegment p, long byteOffset, int bit) {
        return ((long) WORD.getVolatile(p, byteOffset) & 1L << bit) != 0;
    }

    private static void checkVcpu(int vcpu) {
        if (vcpu < 0 || vcpu >= XenH.XEN_LEGACY_MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU " + vcpu + " has no vcpu_info");
        }
    }

    /** The vCPU's vcpu_info: 64 bytes in the shared info page, or where the guest placed it. */
    private synchronized MemorySegment vcpuInfo(int vcpu) {
        checkVcpu(vcpu);
        return placed[vcpu] != null ? placed[vcpu] : page.asSlice((long) vcpu * XenH.VCPU_INFO_SIZE, XenH.VCPU_INFO_SIZE);
    }

    /**
     * VCPUOP_register_vcpu_info: {@code vcpu}'s vcpu_info lives at {@code area} (64 bytes of guest
     * memory, 8-byte aligned) from now on; what it held so far is copied there.
     */
    public synchronized void placeVcpuInfo(int vcpu, MemorySegment area) {
        checkVcpu(vcpu);
        area.copyFrom(vcpuInfo(vcpu));
        placed[vcpu] = area;
    }

    /**
     * Marks {@code port} pending and, unless it is masked, tells {@code vcpu}: returns true when
     * that vCPU must get an upcall now (its {@code evtchn_upcall_pending} went from 0 to 1).
     */
    public boolean setPending(int port, int vcpu) {
        MemorySegment p = page();
        if (testAndSet(p, XenH.SHARED_INFO_EVTCHN_PENDING + 8L * (port / 64), port % 64)) {
            return false;
        }
        if (test(p, XenH.SHARED_INFO_EVTCHN_MASK + 8L * (port / 64), port % 64)) {
            return false;
        }
        return markSelector(port, vcpu);
    }

    private boolean markSelector(int port, int vcpu) {
        MemorySegment vi = vcpuInfo(vcpu);
        if (testAndSet(vi, XenH.VCPU_INFO_PENDING_SEL, port / 64)) {
            return false;
        }
        // evtchn_upcall_pending is byte 0 of the vcpu_info's first word (little-endian: bit 0).
        return !testAndSet(vi, XenH.VCPU_INFO_UPCALL_PENDING, 0);
    }

    /** Clears {@code port}'s mask; returns true when a pending event on it must now reach {@code vcpu}. */
    public boolean unmask(int port, int vcpu) {
        MemorySegment p = page();
        if (!testAndClear(p, XenH.SHARED_INFO_EVTCHN_MASK + 8L * (port / 64), port % 64)) {
            return false;
        }
        if (!test(p, XenH.SHARED_INFO_EVTCHN_PENDING + 8L * (port / 64), port % 64)) {
            return false;
        }
        return markSelector(port, vcpu);
    }

    public boolean pending(int port) {
        return test(page(), XenH.SHARED_INFO_EVTCHN_PENDING + 8L * (port / 64), port % 64);
    }

    public boolean masked(int port) {
        return test(page(), XenH.SHARED_INFO_EVTCHN_MASK + 8L * (port / 64), port % 64);
    }

    /** Clears a closed port's pending and mask bits (Xen leaves a new port unmasked and not pending). */
    public void clear(int port) {
        MemorySegment p = page();
        testAndClear(p, XenH.SHARED_INFO_EVTCHN_PENDING + 8L * (port / 64), port % 64);
        testAndClear(p, XenH.SHARED_INFO_EVTCHN_MASK + 8L * (port / 64), port % 64);
    }

    /** Clears {@code vcpu}'s pending selector and upcall flag, as its upcall handler does once it has looked. */
    public void clearUpcall(int vcpu) {
        MemorySegment vi = vcpuInfo(vcpu);
        WORD.setVolatile(vi, (long) XenH.VCPU_INFO_PENDING_SEL, 0L);
        testAndClear(vi, XenH.VCPU_INFO_UPCALL_PENDING, 0);
    }

    /** Whether {@code vcpu} has masked upcalls ({@code evtchn_upcall_mask}). */
    public boolean upcallMasked(int vcpu) {
        return vcpuInfo(vcpu).get(ValueLayout.JAVA_BYTE, XenH.VCPU_INFO_UPCALL_MASK) != 0;
    }

    /** Whether {@code vcpu} has an upcall pending. */
    public boolean upcallPending(int vcpu) {
        return vcpuInfo(vcpu).get(ValueLayout.JAVA_BYTE, XenH.VCPU_INFO_UPCALL_PENDING) != 0;
    }

    /** {@code vcpu}'s pending selector word. */
    public long pendingSelector(int vcpu) {
        return (long) WORD.getVolatile(vcpuInfo(vcpu), (long) XenH.VCPU_INFO_PENDING_SEL);
    }
}
