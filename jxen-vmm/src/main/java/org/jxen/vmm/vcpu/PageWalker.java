package org.jxen.vmm.vcpu;

import org.jxen.kvm.Sregs;
import org.jxen.vmm.memory.GuestMemory;

/**
 * The page walk of {@link org.jxen.vmm.memory.PageWalker} for a vCPU's registers: used for
 * diagnostics (reading the instruction at RIP); -1 for anything unmapped or outside RAM.
 */
public final class PageWalker {

    private PageWalker() {}

    /** As {@link org.jxen.vmm.memory.PageWalker#translate}, with the vCPU's control registers. */
    public static long translate(GuestMemory mem, Sregs sregs, long linear) {
        return org.jxen.vmm.memory.PageWalker.translate(mem, sregs.cr3(), sregs.cr4(), sregs.paging(), sregs.longMode(), linear);
    }
}
