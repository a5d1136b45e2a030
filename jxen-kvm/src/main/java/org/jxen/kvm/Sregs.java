package org.jxen.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jxen.kvm.abi.KvmLayouts;

/** The special registers, {@code struct kvm_sregs} (asm/kvm.h), as a mutable buffer. */
public final class Sregs {
    /** The segment registers, named as in {@code struct kvm_sregs}. */
    public enum SegReg {
        CS, DS, ES, FS, GS, SS, TR, LDT;

        final long offset = KvmLayouts.offset(KvmLayouts.KVM_SREGS, name().toLowerCase());
    }

    private static final long GDT = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "gdt");
    private static final long IDT = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "idt");
    private static final long CR0 = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "cr0");
    private static final long CR2 = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "cr2");
    private static final long CR3 = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "cr3");
    private static final long CR4 = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "cr4");
    private static final long EFER = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "efer");
    private static final long APIC_BASE = KvmLayouts.offset(KvmLayouts.KVM_SREGS, "apic_base");
    private static final long S_BASE = KvmLayouts.offset(KvmLayouts.KVM_SEGMENT, "base");
    private static final long S_LIMIT = KvmLayouts.offset(KvmLayouts.KVM_SEGMENT, "limit");
    private static final long S_SELECTOR = KvmLayouts.offset(KvmLayouts.KVM_SEGMENT, "selector");
    private static final long S_TYPE = KvmLayouts.offset(KvmLayouts.KVM_SEGMENT, "type");
    private static final long S_PRESENT = KvmLayouts.offset(KvmLayouts.KVM_SEGMENT, "present");
    private static final long D_BASE = KvmLayouts.offset(KvmLayouts.KVM_DTABLE, "base");
    private static final long D_LIMIT = KvmLayouts.offset(KvmLayouts.KVM_DTABLE, "limit");

    // Intel SDM vol. 3, 2.5 (control registers) and 2.2.1 (EFER).
    public static final long CR0_PE = 1L;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;

    final MemorySegment seg;

    public Sregs() {
        this(Arena.ofAuto());
    }

    public Sregs(Arena arena) {
        seg = arena.allocate(KvmLayouts.KVM_SREGS);
    }

    public Segment get(SegReg r) {
        MemorySegment s = seg.asSlice(r.offset, KvmLayouts.KVM_SEGMENT.byteSize());
        int at = (int) S_PRESENT;
        return new Segment(s.get(ValueLayout.JAVA_LONG, S_BASE), s.get(ValueLayout.JAVA_INT, S_LIMIT),
                Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT, S_SELECTOR)), s.get(ValueLayout.JAVA_BYTE, S_TYPE),
                s.get(ValueLayout.JAVA_BYTE, at) != 0, s.get(ValueLayout.JAVA_BYTE, at + 1),
                s.get(ValueLayout.JAVA_BYTE, at + 2) != 0, s.get(ValueLayout.JAVA_BYTE, at + 3) != 0,
                s.get(ValueLayout.JAVA_BYTE, at + 4) != 0, s.get(ValueLayout.JAVA_BYTE, at + 5) != 0,
                s.get(ValueLayout.JAVA_BYTE, at + 6) != 0, s.get(ValueLayout.JAVA_BYTE, at + 7) != 0);
    }

    public Sregs set(SegReg r, Segment v) {
        MemorySegment s = seg.asSlice(r.offset, KvmLayouts.KVM_SEGMENT.byteSize());
        s.set(ValueLayout.JAVA_LONG, S_BASE, v.base());
        s.set(ValueLayout.JAVA_INT, S_LIMIT, v.limit());
        s.set(ValueLayout.JAVA_SHORT, S_SELECTOR, (short) v.selector());
        s.set(ValueLayout.JAVA_BYTE, S_TYPE, (byte) v.type());
        int at = (int) S_PRESENT;
        s.set(ValueLayout.JAVA_BYTE, at, bit(v.present()));
        s.set(ValueLayout.JAVA_BYTE, at + 1, (byte) v.dpl());
        s.set(ValueLayout.JAVA_BYTE, at + 2, bit(v.db()));
        s.set(ValueLayout.JAVA_BYTE, at + 3, bit(v.s()));
        s.set(ValueLayout.JAVA_BYTE, at + 4, bit(v.l()));
        s.set(ValueLayout.JAVA_BYTE, at + 5, bit(v.g()));
        s.set(ValueLayout.JAVA_BYTE, at + 6, bit(v.avl()));
        s.set(ValueLayout.JAVA_BYTE, at + 7, bit(v.unusable()));
        return this;
    }

    private static byte bit(boolean b) {
        return (byte) (b ? 1 : 0);
    }

    public DescriptorTable gdt() {
        return table(GDT);
    }

    public DescriptorTable idt() {
        return table(IDT);
    }

    public Sregs gdt(DescriptorTable t) {
        return table(GDT, t);
    }

    public Sregs idt(DescriptorTable t) {
        return table(IDT, t);
    }

    private DescriptorTable table(long at) {
        return new DescriptorTable(seg.get(ValueLayout.JAVA_LONG, at + D_BASE),
                Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT, at + D_LIMIT)));
    }

    private Sregs table(long at, DescriptorTable t) {
        seg.set(ValueLayout.JAVA_LONG, at + D_BASE, t.base());
        seg.set(ValueLayout.JAVA_SHORT, at + D_LIMIT, (short) t.limit());
        return this;
    }

    public long cr0() { return seg.get(ValueLayout.JAVA_LONG, CR0); }
    public long cr2() { return seg.get(ValueLayout.JAVA_LONG, CR2); }
    public long cr3() { return seg.get(ValueLayout.JAVA_LONG, CR3); }
    public long cr4() { return seg.get(ValueLayout.JAVA_LONG, CR4); }
    public long efer() { return seg.get(ValueLayout.JAVA_LONG, EFER); }
    public long apicBase() { return seg.get(ValueLayout.JAVA_LONG, APIC_BASE); }
    public Sregs cr0(long v) { seg.set(ValueLayout.JAVA_LONG, CR0, v); return this; }
    public Sregs cr3(long v) { seg.set(ValueLayout.JAVA_LONG, CR3, v); return this; }
    public Sregs cr4(long v) { seg.set(ValueLayout.JAVA_LONG, CR4, v); return this; }
    public Sregs efer(long v) { seg.set(ValueLayout.JAVA_LONG, EFER, v); return this; }

    /** Whether the vCPU is in long mode (EFER.LMA). */
    public boolean longMode() {
        return (efer() & EFER_LMA) != 0;
    }

    /** Whether paging is on (CR0.PG). */
    public boolean paging() {
        return (cr0() & CR0_PG) != 0;
    }

    @Override
    public String toString() {
        return String.format("cr0=%x cr3=%x cr4=%x efer=%x cs=%s", cr0(), cr3(), cr4(), efer(), get(SegReg.CS));
    }
}
