package org.jxen.vmm.vcpu;

import org.jxen.kvm.Sregs;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.memory.GuestMemoryException;

/**
 * Translates a guest linear address to a physical one by walking the guest's page tables as
 * the MMU would (Intel SDM vol. 3, 4.3 32-bit paging, 4.4 PAE paging, 4.5 4/5-level paging),
 * reading them from guest memory. Used for diagnostics only (reading the instruction at RIP),
 * so it ignores access rights and returns -1 for anything unmapped or outside RAM.
 */
public final class PageWalker {
    private static final long PRESENT = 1;
    private static final long PS = 1L << 7;
    private static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
    private static final long CR4_PSE = 1L << 4;
    private static final long CR4_PAE = 1L << 5;
    private static final long CR4_LA57 = 1L << 12;

    private PageWalker() {}

    public static long translate(GuestMemory mem, Sregs sregs, long linear) {
        try {
            if (!sregs.paging()) {
                return linear & 0xffff_ffffL;
            }
            long cr3 = sregs.cr3();
            long cr4 = sregs.cr4();
            if (sregs.longMode()) {
                int levels = (cr4 & CR4_LA57) != 0 ? 5 : 4;
                long table = cr3 & ADDR_MASK;
                for (int level = levels; level >= 1; level--) {
                    int shift = 12 + 9 * (level - 1);
                    long e = mem.readU64(table + ((linear >>> shift) & 0x1ff) * 8);
                    if ((e & PRESENT) == 0) {
                        return -1;
                    }
                    if (level <= 3 && level >= 2 && (e & PS) != 0) {
                        long pageMask = (1L << shift) - 1;
                        return (e & ADDR_MASK & ~pageMask) | (linear & pageMask);
                    }
                    table = e & ADDR_MASK;
                }
                return table | (linear & 0xfff);
            }
            if ((cr4 & CR4_PAE) != 0) {
                long pdpte = mem.readU64((cr3 & 0xffff_ffe0L) + ((linear >>> 30) & 3) * 8);
                if ((pdpte & PRESENT) == 0) {
                    return -1;
                }
                long pde = mem.readU64((pdpte & ADDR_MASK) + ((linear >>> 21) & 0x1ff) * 8);
                if ((pde & PRESENT) == 0) {
                    return -1;
                }
                if ((pde & PS) != 0) {
                    return (pde & ADDR_MASK & ~0x1f_ffffL) | (linear & 0x1f_ffffL);
                }
                long pte = mem.readU64((pde & ADDR_MASK) + ((linear >>> 12) & 0x1ff) * 8);
                return (pte & PRESENT) == 0 ? -1 : (pte & ADDR_MASK) | (linear & 0xfff);
            }
            long pde = Integer.toUnsignedLong(mem.readU32((cr3 & 0xffff_f000L) + ((linear >>> 22) & 0x3ff) * 4));
            if ((pde & PRESENT) == 0) {
                return -1;
            }
            if ((pde & PS) != 0 && (cr4 & CR4_PSE) != 0) {
                return (pde & 0xffc0_0000L) | (linear & 0x3f_ffffL);
            }
            long pte = Integer.toUnsignedLong(mem.readU32((pde & 0xffff_f000L) + ((linear >>> 12) & 0x3ff) * 4));
            return (pte & PRESENT) == 0 ? -1 : (pte & 0xffff_f000L) | (linear & 0xfff);
        } catch (GuestMemoryException e) {
            return -1;
        }
    }
}
