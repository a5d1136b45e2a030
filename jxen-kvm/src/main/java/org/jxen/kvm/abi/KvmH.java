package org.jxen.kvm.abi;

import org.jxen.sys.ioc.Ioc;

import static org.jxen.kvm.abi.KvmLayouts.*;

/** Constants of {@code linux/kvm.h} and {@code asm/kvm.h} (x86_64), each with its source. */
public final class KvmH {
    private KvmH() {}

    /** linux/kvm.h: KVMIO. */
    public static final int KVMIO = 0xAE;
    /** linux/kvm.h: KVM_API_VERSION. */
    public static final int KVM_API_VERSION = 12;

    // --- system ioctls (linux/kvm.h, "ioctls for /dev/kvm fds") ---
    public static final long KVM_GET_API_VERSION = Ioc.io(KVMIO, 0x00);
    public static final long KVM_CREATE_VM = Ioc.io(KVMIO, 0x01);
    public static final long KVM_GET_MSR_INDEX_LIST = Ioc.iowr(KVMIO, 0x02, KVM_MSR_LIST.byteSize());
    public static final long KVM_CHECK_EXTENSION = Ioc.io(KVMIO, 0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = Ioc.io(KVMIO, 0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = Ioc.iowr(KVMIO, 0x05, KVM_CPUID2.byteSize());

    // --- VM ioctls ---
    public static final long KVM_CREATE_VCPU = Ioc.io(KVMIO, 0x41);
    public static final long KVM_SET_USER_MEMORY_REGION = Ioc.iow(KVMIO, 0x46, KVM_USERSPACE_MEMORY_REGION.byteSize());
    public static final long KVM_SET_TSS_ADDR = Ioc.io(KVMIO, 0x47);
    public static final long KVM_SET_IDENTITY_MAP_ADDR = Ioc.iow(KVMIO, 0x48, 8);
    public static final long KVM_CREATE_IRQCHIP = Ioc.io(KVMIO, 0x60);
    public static final long KVM_IRQ_LINE = Ioc.iow(KVMIO, 0x61, KVM_IRQ_LEVEL.byteSize());
    public static final long KVM_SET_GSI_ROUTING = Ioc.iow(KVMIO, 0x6a, KVM_IRQ_ROUTING.byteSize());
    public static final long KVM_IRQFD = Ioc.iow(KVMIO, 0x76, KVM_IRQFD_LAYOUT.byteSize());
    public static final long KVM_CREATE_PIT2 = Ioc.iow(KVMIO, 0x77, KVM_PIT_CONFIG.byteSize());
    public static final long KVM_IOEVENTFD = Ioc.iow(KVMIO, 0x79, KVM_IOEVENTFD_LAYOUT.byteSize());
    public static final long KVM_SIGNAL_MSI = Ioc.iow(KVMIO, 0xa5, KVM_MSI.byteSize());
    public static final long KVM_ENABLE_CAP = Ioc.iow(KVMIO, 0xa3, KVM_ENABLE_CAP_LAYOUT.byteSize());
    public static final long KVM_X86_SET_MSR_FILTER = Ioc.iow(KVMIO, 0xc6, KVM_MSR_FILTER.byteSize());

    // --- vCPU ioctls ---
    public static final long KVM_RUN = Ioc.io(KVMIO, 0x80);
    public static final long KVM_GET_REGS = Ioc.ior(KVMIO, 0x81, KVM_REGS.byteSize());
    public static final long KVM_SET_REGS = Ioc.iow(KVMIO, 0x82, KVM_REGS.byteSize());
    public static final long KVM_GET_SREGS = Ioc.ior(KVMIO, 0x83, KVM_SREGS.byteSize());
    public static final long KVM_SET_SREGS = Ioc.iow(KVMIO, 0x84, KVM_SREGS.byteSize());
    public static final long KVM_GET_MSRS = Ioc.iowr(KVMIO, 0x88, KVM_MSRS.byteSize());
    public static final long KVM_SET_MSRS = Ioc.iow(KVMIO, 0x89, KVM_MSRS.byteSize());
    public static final long KVM_SET_SIGNAL_MASK = Ioc.iow(KVMIO, 0x8b, KVM_SIGNAL_MASK.byteSize());
    public static final long KVM_GET_FPU = Ioc.ior(KVMIO, 0x8c, KVM_FPU.byteSize());
    public static final long KVM_SET_FPU = Ioc.iow(KVMIO, 0x8d, KVM_FPU.byteSize());
    public static final long KVM_GET_LAPIC = Ioc.ior(KVMIO, 0x8e, KVM_LAPIC_STATE.byteSize());
    public static final long KVM_SET_LAPIC = Ioc.iow(KVMIO, 0x8f, KVM_LAPIC_STATE.byteSize());
    public static final long KVM_SET_CPUID2 = Ioc.iow(KVMIO, 0x90, KVM_CPUID2.byteSize());
    public static final long KVM_GET_MP_STATE = Ioc.ior(KVMIO, 0x98, KVM_MP_STATE.byteSize());
    public static final long KVM_SET_MP_STATE = Ioc.iow(KVMIO, 0x99, KVM_MP_STATE.byteSize());
    public static final long KVM_NMI = Ioc.io(KVMIO, 0x9a);

    // --- capabilities (linux/kvm.h, KVM_CAP_*) ---
    public static final int KVM_CAP_IRQCHIP = 0;
    public static final int KVM_CAP_HLT = 1;
    public static final int KVM_CAP_USER_MEMORY = 3;
    public static final int KVM_CAP_SET_TSS_ADDR = 4;
    public static final int KVM_CAP_EXT_CPUID = 7;
    public static final int KVM_CAP_NR_VCPUS = 9;
    public static final int KVM_CAP_NR_MEMSLOTS = 10;
    public static final int KVM_CAP_IRQ_ROUTING = 25;
    public static final int KVM_CAP_IRQFD = 32;
    public static final int KVM_CAP_PIT2 = 33;
    public static final int KVM_CAP_IOEVENTFD = 36;
    public static final int KVM_CAP_INTERNAL_ERROR_DATA = 40;
    public static final int KVM_CAP_MAX_VCPUS = 66;
    public static final int KVM_CAP_TSC_DEADLINE_TIMER = 72;
    public static final int KVM_CAP_SIGNAL_MSI = 77;
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;
    public static final int KVM_CAP_MAX_VCPU_ID = 128;
    public static final int KVM_CAP_X86_USER_SPACE_MSR = 188;
    public static final int KVM_CAP_X86_MSR_FILTER = 189;
    public static final int KVM_CAP_EXIT_ON_EMULATION_FAILURE = 204;
    public static final int KVM_CAP_XEN_HVM = 38;
    public static final int KVM_CAP_HYPERV = 44;

    // --- exit reasons (linux/kvm.h, KVM_EXIT_*) ---
    public static final int KVM_EXIT_UNKNOWN = 0;
    public static final int KVM_EXIT_EXCEPTION = 1;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HYPERCALL = 3;
    public static final int KVM_EXIT_DEBUG = 4;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTR = 10;
    public static final int KVM_EXIT_NMI = 16;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;
    public static final int KVM_EXIT_IOAPIC_EOI = 26;
    public static final int KVM_EXIT_X86_RDMSR = 29;
    public static final int KVM_EXIT_X86_WRMSR = 30;
    public static final int KVM_EXIT_X86_BUS_LOCK = 33;
    public static final int KVM_EXIT_XEN = 34;
    public static final int KVM_EXIT_NOTIFY = 37;
    /** linux/kvm.h: KVM_EXIT_IO_IN / KVM_EXIT_IO_OUT. */
    public static final int KVM_EXIT_IO_IN = 0;
    public static final int KVM_EXIT_IO_OUT = 1;
    /** linux/kvm.h: KVM_INTERNAL_ERROR_* suberrors. */
    public static final int KVM_INTERNAL_ERROR_EMULATION = 1;
    public static final int KVM_INTERNAL_ERROR_SIMUL_EX = 2;
    public static final int KVM_INTERNAL_ERROR_DELIVERY_EV = 3;
    public static final int KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON = 4;
    /** linux/kvm.h: KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES. */
    public static final long KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES = 1L;
    /** linux/kvm.h: KVM_SYSTEM_EVENT_*. */
    public static final int KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    public static final int KVM_SYSTEM_EVENT_RESET = 2;
    public static final int KVM_SYSTEM_EVENT_CRASH = 3;
    /** linux/kvm.h: KVM_MSR_EXIT_REASON_*. */
    public static final int KVM_MSR_EXIT_REASON_INVAL = 1;
    public static final int KVM_MSR_EXIT_REASON_UNKNOWN = 1 << 1;
    public static final int KVM_MSR_EXIT_REASON_FILTER = 1 << 2;
    /** linux/kvm.h: KVM_MSR_FILTER_READ / WRITE / DEFAULT_ALLOW / DEFAULT_DENY. */
    public static final int KVM_MSR_FILTER_READ = 1;
    public static final int KVM_MSR_FILTER_WRITE = 1 << 1;
    public static final int KVM_MSR_FILTER_DEFAULT_ALLOW = 0;
    public static final int KVM_MSR_FILTER_MAX_RANGES = 16;

    // --- memory regions, irq, pit, mp_state ---
    /** linux/kvm.h: KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY. */
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    public static final int KVM_MEM_READONLY = 1 << 1;
    /** linux/kvm.h: KVM_PIT_SPEAKER_DUMMY. */
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;
    /** linux/kvm.h: KVM_IRQFD_FLAG_DEASSIGN. */
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;
    /** linux/kvm.h: kvm_ioeventfd_flag_nr_datamatch (0), _pio (1), _deassign (2). */
    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;
    /** linux/kvm.h: KVM_IRQ_ROUTING_IRQCHIP, KVM_IRQ_ROUTING_MSI. */
    public static final int KVM_IRQ_ROUTING_IRQCHIP = 1;
    public static final int KVM_IRQ_ROUTING_MSI = 2;
    /** asm/kvm.h: KVM_IRQCHIP_PIC_MASTER, _SLAVE, _IOAPIC. */
    public static final int KVM_IRQCHIP_PIC_MASTER = 0;
    public static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    public static final int KVM_IRQCHIP_IOAPIC = 2;
    /** linux/kvm.h: KVM_MP_STATE_*. */
    public static final int KVM_MP_STATE_RUNNABLE = 0;
    public static final int KVM_MP_STATE_UNINITIALIZED = 1;
    public static final int KVM_MP_STATE_INIT_RECEIVED = 2;
    public static final int KVM_MP_STATE_HALTED = 3;
    public static final int KVM_MP_STATE_SIPI_RECEIVED = 4;
    /** asm/kvm.h: KVM_APIC_REG_SIZE. */
    public static final int KVM_APIC_REG_SIZE = 0x400;
    /** asm/kvm.h: KVM_NR_INTERRUPTS. */
    public static final int KVM_NR_INTERRUPTS = 256;
    /** asm/kvm.h: KVM_CPUID_FLAG_SIGNIFCANT_INDEX (the header's spelling). */
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;
    /** arch/x86/include/uapi/asm/kvm_para.h: KVM_CPUID_SIGNATURE. */
    public static final int KVM_CPUID_SIGNATURE = 0x40000000;
    /** arch/x86/include/uapi/asm/kvm_para.h: KVM_CPUID_FEATURES. */
    public static final int KVM_CPUID_FEATURES = 0x40000001;
}
