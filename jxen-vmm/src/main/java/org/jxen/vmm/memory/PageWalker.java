package org.jxen.vmm.memory;

/**
 * Translates a guest's linear addresses to guest-physical ones through its own page tables, as
 * the MMU does (Intel SDM vol. 3A, 4.3 32-bit paging, 4.4 PAE paging, 4.5 4- and 5-level paging
 * with 1 GiB and 2 MiB pages), or identity when paging is off; access rights are not checked.
 * Hypercall arguments and the instruction at a faulting RIP are guest linear addresses. Every
 * table entry is read from guest RAM; a table or page outside RAM, or an entry not present, is
 * a {@link Fault} (or -1 from {@link #translate(GuestMemory, long, long, boolean, boolean, long)}).
 */
public final class PageWalker {
    private static final long PRESENT = 1;
    private static final long PS = 1L << 7;
    /** Bits 51:12 of an entry: the next table's or the page's frame. */
    private static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
    private static final long CR4_PSE = 1L << 4;
    private static final long CR4_PAE = 1L << 5;
    private static final long CR4_LA57 = 1L << 12;

    private final GuestMemory memory;

    public PageWalker(GuestMemory memory) {
        this.memory = memory;
    }

    /** An address that does not translate: the reason and the address. */
    public static final class Fault extends Exception {
        public Fault(String message) {
            super(message);
        }
    }

    /**
     * The guest-physical address of linear address {@code linear}, or -1 when it is not mapped or
     * a table lies outside RAM; {@code paging} false is identity (32-bit), {@code longMode} picks
     * 4- or 5-level paging (by CR4.LA57), else PAE or 32-bit paging by CR4.PAE.
     */
    public static long translate(GuestMemory mem, long cr3, long cr4, boolean paging, boolean longMode, long linear) {
        try {
            if (!paging) {
                return linear & 0xffff_ffffL;
            }
            if (longMode) {
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

    /** The guest-physical address of {@code va} in 64-bit mode under {@code cr3}; {@code paging} false is identity. */
    public long translate(long va, long cr3, boolean paging) throws Fault {
        if (!paging) {
            return va;
        }
        long pa = translate(memory, cr3, 0, true, true, va);
        if (pa < 0) {
            throw new Fault("linear address 0x" + Long.toHexString(va) + " is not mapped, or its tables lie outside guest RAM");
        }
        return pa;
    }

    /**
     * Copies {@code length} bytes from linear {@code va} (page by page: a range may span pages
     * that are not contiguous in guest-physical memory).
     */
    public byte[] read(long va, int length, long cr3, boolean paging) throws Fault {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long gpa = translate(va + done, cr3, paging);
            int n = (int) Math.min(length - done, 4096 - ((va + done) & 0xFFF));
            if (!memory.contains(gpa, n)) {
                throw new Fault("linear address 0x" + Long.toHexString(va + done) + " maps outside guest RAM");
            }
            System.arraycopy(memory.read(gpa, n), 0, out, done, n);
            done += n;
        }
        return out;
    }

    /** Copies {@code data} to linear {@code va}, page by page. */
    public void write(long va, byte[] data, long cr3, boolean paging) throws Fault {
        int done = 0;
        while (done < data.length) {
            long gpa = translate(va + done, cr3, paging);
            int n = (int) Math.min(data.length - done, 4096 - ((va + done) & 0xFFF));
            if (!memory.contains(gpa, n)) {
                throw new Fault("linear address 0x" + Long.toHexString(va + done) + " maps outside guest RAM");
            }
            byte[] part = new byte[n];
            System.arraycopy(data, done, part, 0, n);
            memory.write(gpa, part);
            done += n;
        }
    }
}
