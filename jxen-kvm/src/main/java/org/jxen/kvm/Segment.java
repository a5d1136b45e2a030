package org.jxen.kvm;

/**
 * A segment register as {@code struct kvm_segment} describes it (asm/kvm.h). {@code type} is
 * the 4-bit descriptor type of the Intel SDM vol. 3, 3.4.5.1.
 */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl, boolean db,
                      boolean s, boolean l, boolean g, boolean avl, boolean unusable) {
    /** A flat 4 GiB ring-0 segment: code (execute/read, accessed) or data (read/write, accessed). */
    public static Segment flat32(int selector, boolean code) {
        return new Segment(0, 0xffff_ffff, selector, code ? 0xb : 0x3, true, 0, true, true, false, true, false, false);
    }

    /** A 64-bit ring-0 code segment (L=1, D=0). */
    public static Segment code64(int selector) {
        return new Segment(0, 0xffff_ffff, selector, 0xb, true, 0, false, true, true, true, false, false);
    }

    /** A busy 32/64-bit TSS. */
    public static Segment tss(int selector, long base, int limit) {
        return new Segment(base, limit, selector, 0xb, true, 0, false, false, false, false, false, false);
    }

    /**
     * The 8-byte GDT descriptor for this segment (SDM vol. 3, 3.4.5). The caller makes sure that
     * the base fits in 32 bits (64-bit system descriptors take 16 bytes).
     */
    public long gdtEntry() {
        long limitField = g ? (limit >>> 12) & 0xfffffL : limit & 0xfffffL;
        long access = (type & 0xf) | (s ? 0x10 : 0) | ((dpl & 3L) << 5) | (present ? 0x80 : 0);
        long flags = (avl ? 1 : 0) | (l ? 2 : 0) | (db ? 4 : 0) | (g ? 8 : 0);
        return (limitField & 0xffff) | ((base & 0xffffffL) << 16) | (access << 40) | ((limitField >>> 16) << 48)
                | (flags << 52) | (((base >>> 24) & 0xff) << 56);
    }
}
