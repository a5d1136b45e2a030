package org.jxen.kvm;

/** The GDTR or IDTR as {@code struct kvm_dtable} holds it (asm/kvm.h). */
public record DescriptorTable(long base, int limit) {}
