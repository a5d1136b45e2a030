package org.jxen.xen.hvm;

import org.jxen.xen.abi.XenH;

/**
 * The hypercall page jxen writes where the guest asks (its write of the page's address to
 * {@link XenCpuid#HYPERCALL_PAGE_MSR}). Xen's own page holds, every 32 bytes,
 * {@code mov $nr,%eax; vmcall; ret}; on this KVM {@code vmcall} never comes back to user space
 * (DESIGN.md, "Verified on this project's KVM"), so jxen's stubs leave through a port instead:
 *
 * <pre>
 *   entry nr, at 32 * nr:   b8 nr nr nr nr    mov  $nr, %eax
 *                           e7 PORT           out  %eax, $PORT     (a KVM_EXIT_IO of 4 bytes)
 *                           c3                ret
 *                           cc ...            int3 to the next entry
 * </pre>
 *
 * The stub ABI: at the exit, eax is the hypercall number, the arguments are where the guest put
 * them (rdi, rsi, rdx, r10, r8, as for Xen), jxen writes the result to rax and resumes after the
 * {@code out}; no other register changes, as with Xen's {@code vmcall} entries. The port is an
 * 8-bit immediate so the stub needs no register for it (dx carries the third argument).
 */
public final class HypercallPage {
    /** The port jxen's stubs use: unassigned on PCs (between the debug port 0xE9 and the delay port 0xED). */
    public static final int PORT = 0xEB;
    public static final int ENTRY = 32;
    public static final int ENTRIES = XenH.XEN_PAGE_SIZE / ENTRY;

    private HypercallPage() {}

    /** The page's 4096 bytes. */
    public static byte[] build() {
        byte[] p = new byte[XenH.XEN_PAGE_SIZE];
        java.util.Arrays.fill(p, (byte) 0xcc);
        for (int nr = 0; nr < ENTRIES; nr++) {
            int at = nr * ENTRY;
            p[at] = (byte) 0xb8;
            p[at + 1] = (byte) nr;
            p[at + 2] = (byte) (nr >>> 8);
            p[at + 3] = 0;
            p[at + 4] = 0;
            p[at + 5] = (byte) 0xe7;
            p[at + 6] = (byte) PORT;
            p[at + 7] = (byte) 0xc3;
        }
        return p;
    }
}
