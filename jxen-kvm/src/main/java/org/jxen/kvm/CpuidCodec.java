package org.jxen.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jxen.kvm.abi.KvmLayouts;

/** Reads and writes {@code struct kvm_cpuid_entry2} (asm/kvm.h). */
final class CpuidCodec {
    private static final long FUNCTION = KvmLayouts.offset(KvmLayouts.KVM_CPUID_ENTRY2, "function");
    private static final long INDEX = KvmLayouts.offset(KvmLayouts.KVM_CPUID_ENTRY2, "index");
    private static final long FLAGS = KvmLayouts.offset(KvmLayouts.KVM_CPUID_ENTRY2, "flags");
    private static final long EAX = KvmLayouts.offset(KvmLayouts.KVM_CPUID_ENTRY2, "eax");
    private static final long EBX = KvmLayouts.offset(KvmLayouts.KVM_CPUID_ENTRY2, "ebx");
    private static final long ECX = KvmLayouts.offset(KvmLayouts.KVM_CPUID_ENTRY2, "ecx");
    private static final long EDX = KvmLayouts.offset(KvmLayouts.KVM_CPUID_ENTRY2, "edx");

    private CpuidCodec() {}

    static CpuidEntry read(MemorySegment s, long at) {
        return new CpuidEntry(s.get(ValueLayout.JAVA_INT, at + FUNCTION), s.get(ValueLayout.JAVA_INT, at + INDEX),
                s.get(ValueLayout.JAVA_INT, at + FLAGS), s.get(ValueLayout.JAVA_INT, at + EAX),
                s.get(ValueLayout.JAVA_INT, at + EBX), s.get(ValueLayout.JAVA_INT, at + ECX),
                s.get(ValueLayout.JAVA_INT, at + EDX));
    }

    static void write(MemorySegment s, long at, CpuidEntry e) {
        s.set(ValueLayout.JAVA_INT, at + FUNCTION, e.function());
        s.set(ValueLayout.JAVA_INT, at + INDEX, e.index());
        s.set(ValueLayout.JAVA_INT, at + FLAGS, e.flags());
        s.set(ValueLayout.JAVA_INT, at + EAX, e.eax());
        s.set(ValueLayout.JAVA_INT, at + EBX, e.ebx());
        s.set(ValueLayout.JAVA_INT, at + ECX, e.ecx());
        s.set(ValueLayout.JAVA_INT, at + EDX, e.edx());
    }
}
