package org.jxen.vmm.memory;

/**
 * Translates a guest's linear addresses to guest-physical ones through its own page tables, as
 * the CPU does in 4-level long mode (Intel SDM vol. 3A, 4.5: PML4, PDPT with 1 GiB pages, PD
 * with 2 MiB pages, PT), or identity when paging is off. Hypercall arguments and the
 * instruction at a faulting RIP are guest linear addresses. Every table entry is read from guest
 * RAM; a table or page outside RAM, or an entry not present, is a {@link Fault}.
 */
public final class PageWalker {
    static final long PRESENT = 1;
    static final long PAGE_SIZE_BIT = 1 << 7;
    /** Bits 51:12 of an entry: the next table's or the page's frame. */
    static final long FRAME = 0x000F_FFFF_FFFF_F000L;

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
     * The guest-physical address of linear address {@code va} under page-table root {@code cr3};
     * {@code paging} false means the guest runs without paging (identity).
     */
    public long translate(long va, long cr3, boolean paging) throws Fault {
        if (!paging) {
            return va;
        }
        long table = cr3 & FRAME;
        for (int level = 4; level >= 1; level--) {
            int shift = 12 + 9 * (level - 1);
            long index = (va >>> shift) & 0x1FF;
            long at = table + index * 8;
            if (!memory.contains(at, 8)) {
                throw new Fault("the level-" + level + " page table at 0x" + Long.toHexString(table) + " is outside guest RAM");
            }
            long e = memory.readU64(at);
            if ((e & PRESENT) == 0) {
                throw new Fault("linear address 0x" + Long.toHexString(va) + " is not mapped (level " + level + ")");
            }
            if (level > 1 && level < 4 && (e & PAGE_SIZE_BIT) != 0) {
                long size = 1L << shift;
                return (e & FRAME & ~(size - 1)) | (va & (size - 1));
            }
            table = e & FRAME;
        }
        return table | (va & 0xFFF);
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
