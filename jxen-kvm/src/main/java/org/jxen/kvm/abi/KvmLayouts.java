package org.jxen.kvm.abi;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;

/**
 * The x86_64 layouts of the KVM structs jxen passes to ioctls, named exactly as in
 * {@code linux/kvm.h} and {@code asm/kvm.h} (struct and field names), so that the layout test
 * can check every named field with {@code offsetof} and every struct with {@code sizeof}.
 * Unnamed padding stands for the headers' {@code pad}/{@code padding} members.
 */
public final class KvmLayouts {
    private KvmLayouts() {}

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;

    private static MemoryLayout u8(String n) { return U8.withName(n); }
    private static MemoryLayout u16(String n) { return U16.withName(n); }
    private static MemoryLayout u32(String n) { return U32.withName(n); }
    private static MemoryLayout u64(String n) { return U64.withName(n); }

    /** asm/kvm.h: struct kvm_regs. */
    public static final StructLayout KVM_REGS = structLayout(
            u64("rax"), u64("rbx"), u64("rcx"), u64("rdx"),
            u64("rsi"), u64("rdi"), u64("rsp"), u64("rbp"),
            u64("r8"), u64("r9"), u64("r10"), u64("r11"),
            u64("r12"), u64("r13"), u64("r14"), u64("r15"),
            u64("rip"), u64("rflags")).withName("kvm_regs");

    /** asm/kvm.h: struct kvm_segment. */
    public static final StructLayout KVM_SEGMENT = structLayout(
            u64("base"), u32("limit"), u16("selector"), u8("type"),
            u8("present"), u8("dpl"), u8("db"), u8("s"), u8("l"), u8("g"), u8("avl"),
            u8("unusable"), paddingLayout(1)).withName("kvm_segment");

    /** asm/kvm.h: struct kvm_dtable. */
    public static final StructLayout KVM_DTABLE = structLayout(
            u64("base"), u16("limit"), paddingLayout(6)).withName("kvm_dtable");

    /** asm/kvm.h: struct kvm_sregs. */
    public static final StructLayout KVM_SREGS = structLayout(
            KVM_SEGMENT.withName("cs"), KVM_SEGMENT.withName("ds"), KVM_SEGMENT.withName("es"),
            KVM_SEGMENT.withName("fs"), KVM_SEGMENT.withName("gs"), KVM_SEGMENT.withName("ss"),
            KVM_SEGMENT.withName("tr"), KVM_SEGMENT.withName("ldt"),
            KVM_DTABLE.withName("gdt"), KVM_DTABLE.withName("idt"),
            u64("cr0"), u64("cr2"), u64("cr3"), u64("cr4"), u64("cr8"),
            u64("efer"), u64("apic_base"),
            sequenceLayout(KvmH.KVM_NR_INTERRUPTS / 64, U64).withName("interrupt_bitmap")).withName("kvm_sregs");

    /** asm/kvm.h: struct kvm_fpu. */
    public static final StructLayout KVM_FPU = structLayout(
            sequenceLayout(128, U8).withName("fpr"), u16("fcw"), u16("fsw"), u8("ftwx"), paddingLayout(1),
            u16("last_opcode"), u64("last_ip"), u64("last_dp"),
            sequenceLayout(256, U8).withName("xmm"), u32("mxcsr"), paddingLayout(4)).withName("kvm_fpu");

    /** asm/kvm.h: struct kvm_msr_entry. */
    public static final StructLayout KVM_MSR_ENTRY = structLayout(
            u32("index"), u32("reserved"), u64("data")).withName("kvm_msr_entry");

    /** asm/kvm.h: struct kvm_msrs (header; entries follow). */
    public static final StructLayout KVM_MSRS = structLayout(
            u32("nmsrs"), paddingLayout(4)).withName("kvm_msrs");

    /** asm/kvm.h: struct kvm_msr_list (header; indices follow). */
    public static final StructLayout KVM_MSR_LIST = structLayout(u32("nmsrs")).withName("kvm_msr_list");

    /** asm/kvm.h: struct kvm_cpuid_entry2. */
    public static final StructLayout KVM_CPUID_ENTRY2 = structLayout(
            u32("function"), u32("index"), u32("flags"),
            u32("eax"), u32("ebx"), u32("ecx"), u32("edx"), paddingLayout(12)).withName("kvm_cpuid_entry2");

    /** asm/kvm.h: struct kvm_cpuid2 (header; entries follow). */
    public static final StructLayout KVM_CPUID2 = structLayout(
            u32("nent"), paddingLayout(4)).withName("kvm_cpuid2");

    /** asm/kvm.h: struct kvm_lapic_state. */
    public static final StructLayout KVM_LAPIC_STATE = structLayout(
            sequenceLayout(KvmH.KVM_APIC_REG_SIZE, U8).withName("regs")).withName("kvm_lapic_state");

    /** asm/kvm.h: struct kvm_msr_filter_range. */
    public static final StructLayout KVM_MSR_FILTER_RANGE = structLayout(
            u32("flags"), u32("nmsrs"), u32("base"), paddingLayout(4), ValueLayout.ADDRESS.withName("bitmap"))
            .withName("kvm_msr_filter_range");

    /** asm/kvm.h: struct kvm_msr_filter. */
    public static final StructLayout KVM_MSR_FILTER = structLayout(
            u32("flags"), paddingLayout(4),
            sequenceLayout(KvmH.KVM_MSR_FILTER_MAX_RANGES, KVM_MSR_FILTER_RANGE).withName("ranges")).withName("kvm_msr_filter");

    /** linux/kvm.h: struct kvm_userspace_memory_region. */
    public static final StructLayout KVM_USERSPACE_MEMORY_REGION = structLayout(
            u32("slot"), u32("flags"), u64("guest_phys_addr"), u64("memory_size"), u64("userspace_addr"))
            .withName("kvm_userspace_memory_region");

    /** linux/kvm.h: struct kvm_irq_level. */
    public static final StructLayout KVM_IRQ_LEVEL = structLayout(u32("irq"), u32("level")).withName("kvm_irq_level");

    /** linux/kvm.h: struct kvm_irqfd. */
    public static final StructLayout KVM_IRQFD_LAYOUT = structLayout(
            u32("fd"), u32("gsi"), u32("flags"), u32("resamplefd"), paddingLayout(16)).withName("kvm_irqfd");

    /** linux/kvm.h: struct kvm_ioeventfd. */
    public static final StructLayout KVM_IOEVENTFD_LAYOUT = structLayout(
            u64("datamatch"), u64("addr"), u32("len"), u32("fd"), u32("flags"), paddingLayout(36))
            .withName("kvm_ioeventfd");

    /** linux/kvm.h: struct kvm_pit_config. */
    public static final StructLayout KVM_PIT_CONFIG = structLayout(u32("flags"), paddingLayout(60)).withName("kvm_pit_config");

    /** linux/kvm.h: struct kvm_enable_cap. */
    public static final StructLayout KVM_ENABLE_CAP_LAYOUT = structLayout(
            u32("cap"), u32("flags"), sequenceLayout(4, U64).withName("args"), paddingLayout(64)).withName("kvm_enable_cap");

    /** linux/kvm.h: struct kvm_mp_state. */
    public static final StructLayout KVM_MP_STATE = structLayout(u32("mp_state")).withName("kvm_mp_state");

    /** linux/kvm.h: struct kvm_signal_mask (header; the sigset bytes follow). */
    public static final StructLayout KVM_SIGNAL_MASK = structLayout(u32("len")).withName("kvm_signal_mask");

    /** linux/kvm.h: struct kvm_msi. */
    public static final StructLayout KVM_MSI = structLayout(
            u32("address_lo"), u32("address_hi"), u32("data"), u32("flags"), u32("devid"), paddingLayout(12))
            .withName("kvm_msi");

    /** linux/kvm.h: struct kvm_irq_routing_irqchip. */
    public static final StructLayout KVM_IRQ_ROUTING_IRQCHIP = structLayout(u32("irqchip"), u32("pin"))
            .withName("kvm_irq_routing_irqchip");

    /** linux/kvm.h: struct kvm_irq_routing_msi. */
    public static final StructLayout KVM_IRQ_ROUTING_MSI = structLayout(
            u32("address_lo"), u32("address_hi"), u32("data"), u32("devid")).withName("kvm_irq_routing_msi");

    /** linux/kvm.h: struct kvm_irq_routing_entry. */
    public static final StructLayout KVM_IRQ_ROUTING_ENTRY = structLayout(
            u32("gsi"), u32("type"), u32("flags"), paddingLayout(4),
            unionLayout(KVM_IRQ_ROUTING_IRQCHIP.withName("irqchip"), KVM_IRQ_ROUTING_MSI.withName("msi"),
                    paddingLayout(32)).withName("u")).withName("kvm_irq_routing_entry");

    /** linux/kvm.h: struct kvm_irq_routing (header; entries follow). */
    public static final StructLayout KVM_IRQ_ROUTING = structLayout(u32("nr"), u32("flags")).withName("kvm_irq_routing");

    // --- struct kvm_run and the members of its exit union jxen reads (linux/kvm.h) ---

    private static final GroupLayout RUN_IO = structLayout(
            u8("direction"), u8("size"), u16("port"), u32("count"), u64("data_offset")).withName("io");
    private static final GroupLayout RUN_MMIO = structLayout(
            u64("phys_addr"), sequenceLayout(8, U8).withName("data"), u32("len"), u8("is_write"), paddingLayout(3))
            .withName("mmio");
    private static final GroupLayout RUN_FAIL_ENTRY = structLayout(
            u64("hardware_entry_failure_reason"), u32("cpu"), paddingLayout(4)).withName("fail_entry");
    private static final GroupLayout RUN_EX = structLayout(u32("exception"), u32("error_code")).withName("ex");
    private static final GroupLayout RUN_HW = structLayout(u64("hardware_exit_reason")).withName("hw");
    private static final GroupLayout RUN_INTERNAL = structLayout(
            u32("suberror"), u32("ndata"), sequenceLayout(16, U64).withName("data")).withName("internal");
    private static final GroupLayout RUN_EMULATION_FAILURE = structLayout(
            u32("suberror"), u32("ndata"), u64("flags"), u8("insn_size"), sequenceLayout(15, U8).withName("insn_bytes"))
            .withName("emulation_failure");
    private static final GroupLayout RUN_SYSTEM_EVENT = structLayout(
            u32("type"), u32("ndata"), sequenceLayout(16, U64).withName("data")).withName("system_event");
    private static final GroupLayout RUN_MSR = structLayout(
            u8("error"), paddingLayout(7), u32("reason"), u32("index"), u64("data")).withName("msr");

    /** linux/kvm.h: struct kvm_run, with the exit-union members jxen uses. */
    public static final StructLayout KVM_RUN = structLayout(
            u8("request_interrupt_window"), u8("immediate_exit"), paddingLayout(6),
            u32("exit_reason"), u8("ready_for_interrupt_injection"), u8("if_flag"), u16("flags"),
            u64("cr8"), u64("apic_base"),
            unionLayout(RUN_HW, RUN_FAIL_ENTRY, RUN_EX, RUN_IO, RUN_MMIO, RUN_INTERNAL, RUN_EMULATION_FAILURE,
                    RUN_SYSTEM_EVENT, RUN_MSR, paddingLayout(256)),
            u64("kvm_valid_regs"), u64("kvm_dirty_regs"), paddingLayout(2048)).withName("kvm_run");

    /** Every layout above, for the layout test. */
    public static final List<StructLayout> ALL = List.of(
            KVM_REGS, KVM_SEGMENT, KVM_DTABLE, KVM_SREGS, KVM_FPU, KVM_MSR_ENTRY, KVM_MSRS, KVM_MSR_LIST,
            KVM_CPUID_ENTRY2, KVM_CPUID2, KVM_LAPIC_STATE, KVM_MSR_FILTER_RANGE, KVM_MSR_FILTER,
            KVM_USERSPACE_MEMORY_REGION, KVM_IRQ_LEVEL, KVM_IRQFD_LAYOUT, KVM_IOEVENTFD_LAYOUT, KVM_PIT_CONFIG,
            KVM_ENABLE_CAP_LAYOUT, KVM_MP_STATE, KVM_SIGNAL_MASK, KVM_MSI, KVM_IRQ_ROUTING_IRQCHIP,
            KVM_IRQ_ROUTING_MSI, KVM_IRQ_ROUTING_ENTRY, KVM_IRQ_ROUTING, KVM_RUN);

    /**
     * The byte offset of a dotted field path, such as {@code "io.port"} in {@link #KVM_RUN}.
     * Unnamed groups (C's anonymous unions) are looked through, as C does.
     */
    public static long offset(MemoryLayout layout, String path) {
        long off = 0;
        MemoryLayout current = layout;
        for (String name : path.split("\\.")) {
            long[] found = find(current, name, 0);
            if (found == null) {
                throw new IllegalArgumentException(layout.name().orElse("layout") + " has no field " + path);
            }
            off += found[0];
            current = memberAt(current, name);
        }
        return off;
    }

    private static long[] find(MemoryLayout group, String name, long base) {
        if (!(group instanceof GroupLayout g)) {
            return null;
        }
        long off = 0;
        for (MemoryLayout m : g.memberLayouts()) {
            long at = g instanceof StructLayout ? off : 0;
            if (m.name().isPresent() && m.name().get().equals(name)) {
                return new long[] {base + at};
            }
            if (m.name().isEmpty() && m instanceof GroupLayout) {
                long[] inner = find(m, name, base + at);
                if (inner != null) {
                    return inner;
                }
            }
            off += m.byteSize();
        }
        return null;
    }

    private static MemoryLayout memberAt(MemoryLayout group, String name) {
        for (MemoryLayout m : ((GroupLayout) group).memberLayouts()) {
            if (m.name().isPresent() && m.name().get().equals(name)) {
                return m;
            }
            if (m.name().isEmpty() && m instanceof GroupLayout && find(m, name, 0) != null) {
                return memberAt(m, name);
            }
        }
        throw new IllegalArgumentException("no field " + name);
    }
}
