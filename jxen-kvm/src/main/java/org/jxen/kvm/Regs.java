package org.jxen.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jxen.kvm.abi.KvmLayouts;

/** The general registers, {@code struct kvm_regs} (asm/kvm.h), as a mutable buffer. */
public final class Regs {
    /** The registers, in the order of {@code struct kvm_regs}. */
    public enum Reg {
        RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, R8, R9, R10, R11, R12, R13, R14, R15, RIP, RFLAGS;

        final long offset = KvmLayouts.offset(KvmLayouts.KVM_REGS, name().toLowerCase());
    }

    final MemorySegment seg;

    public Regs() {
        this(Arena.ofAuto());
    }

    public Regs(Arena arena) {
        seg = arena.allocate(KvmLayouts.KVM_REGS);
    }

    public long get(Reg r) {
        return seg.get(ValueLayout.JAVA_LONG, r.offset);
    }

    public Regs set(Reg r, long value) {
        seg.set(ValueLayout.JAVA_LONG, r.offset, value);
        return this;
    }

    public long rip() {
        return get(Reg.RIP);
    }

    /** Zeroes all registers and sets RFLAGS bit 1, which is reserved and always 1. */
    public Regs reset() {
        seg.fill((byte) 0);
        return set(Reg.RFLAGS, 0x2);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Reg r : Reg.values()) {
            b.append(r.name().toLowerCase()).append('=').append(Long.toHexString(get(r))).append(' ');
        }
        return b.toString().trim();
    }
}
