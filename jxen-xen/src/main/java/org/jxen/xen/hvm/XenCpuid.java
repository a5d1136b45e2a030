package org.jxen.xen.hvm;

import java.util.List;

import org.jxen.xen.abi.XenH;
import org.jxen.xen.hypercall.Hypercalls;

/**
 * Xen's CPUID leaves (xen/arch-x86/cpuid.h) as a domain that uses the Xen ABI sees them, at
 * {@code base} (0x40000000, where Xen guests look first): the "XenVMMXenVMM" signature and the
 * highest leaf, the version, the hypercall page count and the MSR that installs it, the time
 * leaf (empty), and the HVM features: the vCPU id and domain id present, and the per-vCPU upcall
 * vector (HVMOP_set_evtchn_upcall_vector). A Linux kernel on a host without KVM's Xen support
 * must not see these (it would issue {@code vmcall} and hang here); whether a domain gets them
 * is decided from its kernel's Xen ELF notes (DESIGN.md).
 */
public final class XenCpuid {
    /** The MSR a guest writes its hypercall page's address to (cpuid leaf 2, ebx). */
    public static final int HYPERCALL_PAGE_MSR = 0x40000000;

    private XenCpuid() {}

    /** One leaf's four registers. */
    public record Leaf(int function, int eax, int ebx, int ecx, int edx) {}

    /** The leaves for vCPU {@code vcpu} of domain {@code domid}, starting at {@code base}. */
    public static List<Leaf> leaves(int base, int domid, int vcpu) {
        return List.of(
                new Leaf(base, base + XenH.XEN_CPUID_MAX_NUM_LEAVES, XenH.XEN_CPUID_SIGNATURE_EBX, XenH.XEN_CPUID_SIGNATURE_ECX,
                        XenH.XEN_CPUID_SIGNATURE_EDX),
                new Leaf(base + 1, Hypercalls.VERSION, 0, 0, 0),
                new Leaf(base + 2, 1, HYPERCALL_PAGE_MSR, 0, 0),
                new Leaf(base + 3, 0, 0, 0, 0),
                new Leaf(base + 4, XenH.XEN_HVM_CPUID_VCPU_ID_PRESENT | XenH.XEN_HVM_CPUID_DOMID_PRESENT, vcpu, domid, 0),
                new Leaf(base + 5, 0, 0, 0, 0));
    }
}
