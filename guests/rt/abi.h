/*
 * ABI numbers used by the guest runtime, each with its source.
 * Everything a guest sees from the machine is named here once; no other
 * file in guests/ writes a bare hardware number.
 *
 * This header is included from assembly too, so it holds only #defines
 * unless __ASSEMBLER__ is undefined.
 */
#ifndef RT_ABI_H
#define RT_ABI_H

/* ---- Load address (our choice; the PVH and Multiboot loaders place the
 *      image at its ELF/Multiboot addresses). ---- */
#define RT_LOAD_ADDR            0x100000
/* Runtime layout limits (our choice). */
#define RT_USER_STACK_SIZE      65536
#define RT_AP_STACK_SIZE        8192
#define RT_MAX_AP_STACKS        63      /* APs we can start: 64 CPUs in all */
#define RT_MAX_CPUS             64

/* ---- PVH: /usr/include/xen/arch-x86/hvm/start_info.h ---- */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u  /* start_info.h */
#define HVM_SI_OFF_MAGIC        0   /* start_info.h layout diagram */
#define HVM_SI_OFF_VERSION      4
#define HVM_SI_OFF_FLAGS        8
#define HVM_SI_OFF_NR_MODULES   12
#define HVM_SI_OFF_MODLIST      16
#define HVM_SI_OFF_CMDLINE      24
#define HVM_SI_OFF_RSDP         32
#define HVM_SI_OFF_MEMMAP       40  /* version >= 1 */
#define HVM_SI_OFF_MEMMAP_NR    48  /* version >= 1 */
#define HVM_MODLIST_ENTRY_SIZE  32  /* struct hvm_modlist_entry */
#define HVM_MEMMAP_ENTRY_SIZE   24  /* struct hvm_memmap_table_entry */
/* /usr/include/xen/elfnote.h */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* ---- Multiboot 0.6.96 ---- */
#define MULTIBOOT_HEADER_MAGIC  0x1BADB002u /* §3.1.2 'magic' */
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u /* §3.2 EAX */
#define MULTIBOOT_PAGE_ALIGN    (1u << 0)   /* §3.1.2 flags bit 0 */
#define MULTIBOOT_MEMORY_INFO   (1u << 1)   /* §3.1.2 flags bit 1 */
#define MULTIBOOT_AOUT_KLUDGE   (1u << 16)  /* §3.1.2 flags bit 16 */
/* §3.3 Boot information format: flags bits and field offsets */
#define MBI_FLAG_MEM            (1u << 0)
#define MBI_FLAG_CMDLINE        (1u << 2)
#define MBI_FLAG_MODS           (1u << 3)
#define MBI_FLAG_MMAP           (1u << 6)
#define MBI_OFF_FLAGS           0
#define MBI_OFF_MEM_LOWER       4
#define MBI_OFF_MEM_UPPER       8
#define MBI_OFF_CMDLINE         16
#define MBI_OFF_MODS_COUNT      20
#define MBI_OFF_MODS_ADDR       24
#define MBI_OFF_MMAP_LENGTH     44
#define MBI_OFF_MMAP_ADDR       48
#define MB_MOD_ENTRY_SIZE       16  /* §3.3 mod_start, mod_end, string, reserved */

/* ---- Address Range Types: ACPI 6.5 §15.1 Table 15.1 ---- */
#define E820_RAM                1
#define E820_RESERVED           2
#define E820_ACPI               3
#define E820_NVS                4
#define E820_UNUSABLE           5

/* ---- x86 control registers and MSRs: Intel SDM Vol. 3A §2.5, Vol. 4 ---- */
#define CR0_PE                  (1u << 0)
#define CR0_MP                  (1u << 1)
#define CR0_EM                  (1u << 2)
#define CR0_TS                  (1u << 3)
#define CR0_WP                  (1u << 16)
#define CR0_PG                  (1u << 31)
#define CR4_PAE                 (1u << 5)
#define CR4_OSFXSR              (1u << 9)
#define CR4_OSXMMEXCPT          (1u << 10)
#define CR4_UMIP                (1u << 11)
#define CR4_FSGSBASE            (1u << 16)
#define CR4_PCIDE               (1u << 17)
#define CR4_OSXSAVE             (1u << 18)
#define CR4_SMAP                (1u << 21)
#define CR4_PKE                 (1u << 22)
#define RFLAGS_IF               (1u << 9)   /* SDM Vol. 1 §3.4.3 */
#define RFLAGS_AC               (1u << 18)
#define MSR_EFER                0xC0000080  /* SDM Vol. 4 Table 2-2 IA32_EFER */
#define EFER_LME                (1u << 8)
#define EFER_LMA                (1u << 10)
#define MSR_APIC_BASE           0x1B        /* SDM Vol. 4 IA32_APIC_BASE */
#define APIC_BASE_EXTD          (1u << 10)  /* x2APIC mode: SDM Vol. 3A §11.12.1 */
#define APIC_BASE_EN            (1u << 11)
#define MSR_TSC_DEADLINE        0x6E0       /* SDM Vol. 4 IA32_TSC_DEADLINE */
#define MSR_X2APIC_ID           0x802       /* SDM Vol. 3A §11.12.1.2 Table 11-6 */
#define MSR_XSS                 0xDA0       /* SDM Vol. 4 IA32_XSS */
/* XCR0 state components: SDM Vol. 1 §13.1 */
#define XCR0_X87                (1u << 0)
#define XCR0_SSE                (1u << 1)
#define XCR0_AVX                (1u << 2)
#define XCR0_AVX512             (7u << 5)   /* opmask, ZMM_Hi256, Hi16_ZMM */

/* Page-table entry bits: SDM Vol. 3A §4.5 Tables 4-15..4-20 */
#define PTE_P                   0x001
#define PTE_W                   0x002
#define PTE_U                   0x004
#define PTE_PS                  0x080
#define PTE_LARGE               (PTE_P | PTE_W | PTE_U | PTE_PS)
#define PTE_TABLE               (PTE_P | PTE_W | PTE_U)

/* CPUID: SDM Vol. 2A CPUID instruction reference */
#define CPUID1_ECX_HYPERVISOR   (1u << 31)  /* leaf 1 ECX bit 31 (reserved for hypervisor use) */
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)  /* leaf 1 ECX bit 24 */
#define CPUID81_EDX_PDPE1GB     (1u << 26)  /* leaf 0x80000001 EDX bit 26 */

/* KVM paravirtual clock: Linux Documentation/virt/kvm/x86/cpuid.rst and
 * msr.rst; struct pvclock_vcpu_time_info in arch/x86/include/asm/pvclock-abi.h */
#define KVM_CPUID_SIGNATURE_EBX 0x4B4D564Bu /* "KVMK" of "KVMKVMKVM\0\0\0" */
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)  /* CPUID 0x40000001 EAX */
#define MSR_KVM_SYSTEM_TIME_NEW 0x4B564D01
#define PVCLOCK_OFF_VERSION     0
#define PVCLOCK_OFF_MUL         24          /* tsc_to_system_mul */
#define PVCLOCK_OFF_SHIFT       28          /* tsc_shift (signed) */

/* ---- GDT selectors (our layout, head.S) ---- */
#define SEL_CODE32              0x08
#define SEL_CODE64              0x10
#define SEL_DATA                0x18
#define SEL_UDATA               0x20
#define SEL_UCODE64             0x28
#define SEL_TSS                 0x30
#define RPL3                    3

/* Exception vectors: SDM Vol. 3A §6.3.1 Table 6-1 */
#define VEC_UD                  6
#define VEC_PF                  14
/* RFLAGS.IOPL, bits 13:12: SDM Vol. 1 §3.4.3.3 */
#define RFLAGS_IOPL_MASK        0x3000
/* Vectors we use (our choice; 0-31 are exceptions) */
#define VEC_COM1                0x30
#define VEC_SCI                 0x31
#define VEC_TIMER               0x32
#define VEC_SPURIOUS            0xFF
#define VEC_GP                  13

/* 64-bit TSS: SDM Vol. 3A §8.7 Figure 8-11 */
#define TSS_OFF_RSP0            4
#define TSS_OFF_IOMAP_BASE      102
#define TSS_HDR_SIZE            104
#define TSS_IOMAP_BYTES         8192        /* 65536 ports, one bit each; SDM Vol. 1 §19.5.2 */

/* ---- 8250/16550 UART (PC16550D datasheet, register table) ---- */
#define COM1_BASE               0x3F8
#define UART_RBR                0   /* DLAB=0 read */
#define UART_THR                0   /* DLAB=0 write */
#define UART_DLL                0   /* DLAB=1 */
#define UART_IER                1
#define UART_DLM                1   /* DLAB=1 */
#define UART_IIR                2   /* read */
#define UART_FCR                2   /* write */
#define UART_LCR                3
#define UART_MCR                4
#define UART_LSR                5
#define UART_IER_RDI            0x01    /* received data available */
#define UART_FCR_ENABLE         0x01
#define UART_FCR_CLEAR          0x06    /* clear RX and TX FIFOs */
#define UART_FCR_TRIGGER_1      0x00    /* RX trigger level 1 byte */
#define UART_IIR_FIFO_MASK      0xC0    /* both set: FIFOs enabled (16550A) */
#define UART_IIR_NO_INT         0x01
#define UART_LCR_DLAB           0x80
#define UART_LCR_8N1            0x03
#define UART_MCR_DTR            0x01
#define UART_MCR_RTS            0x02
#define UART_MCR_OUT2           0x08    /* gates the IRQ line on PCs */
#define UART_LSR_DR             0x01
#define UART_LSR_THRE           0x20
#define UART_FIFO_DEPTH         16
#define COM1_ISA_IRQ            4       /* PC/AT convention */
#define UART_DIVISOR_115200     1       /* 1.8432 MHz / (16 * 115200) */

/* ---- MC146818 RTC / CMOS (MC146818A datasheet, address map) ---- */
#define CMOS_INDEX              0x70
#define CMOS_DATA               0x71
#define RTC_SECONDS             0x00
#define RTC_MINUTES             0x02
#define RTC_HOURS               0x04
#define RTC_DAY                 0x07
#define RTC_MONTH               0x08
#define RTC_YEAR                0x09
#define RTC_REG_A               0x0A
#define RTC_REG_B               0x0B
#define RTC_A_UIP               0x80    /* update in progress */
#define RTC_B_24H               0x02
#define RTC_B_BINARY            0x04    /* DM bit: 1 = binary, 0 = BCD */
#define RTC_HOUR_PM             0x80    /* 12-hour mode PM flag */

/* ---- 8254 PIT and port 0x61 (8254 datasheet; IBM PC/AT tech. ref.) ---- */
#define PIT_CH2                 0x42
#define PIT_CMD                 0x43
#define PIT_CMD_CH2_LOHI_MODE0  0xB0    /* SC=10 RW=11 M=000 BCD=0 */
#define PIT_HZ                  1193182
#define PORT_61                 0x61
#define PORT_61_GATE2           0x01
#define PORT_61_SPEAKER         0x02
#define PORT_61_OUT2            0x20

/* ---- 8259A PIC (8259A datasheet): data ports, mask all ---- */
#define PIC1_DATA               0x21
#define PIC2_DATA               0xA1

/* ---- Local APIC (SDM Vol. 3A §11.4.1 Table 11-1, xAPIC MMIO offsets) ---- */
#define LAPIC_DEFAULT_BASE      0xFEE00000u
#define LAPIC_ID                0x020
#define LAPIC_TPR               0x080
#define LAPIC_EOI               0x0B0
#define LAPIC_SVR               0x0F0
#define LAPIC_ICR_LO            0x300
#define LAPIC_ICR_HI            0x310
#define LAPIC_ISR               0x100       /* ISR bits 31:0; then +0x10 per 32 vectors (§11.8.4) */
#define LAPIC_IRR               0x200       /* IRR, same layout */
#define LAPIC_REG_STRIDE        0x10
#define LAPIC_LVT_TIMER         0x320
#define LAPIC_TIMER_INIT        0x380
#define LAPIC_TIMER_CUR         0x390
#define LAPIC_TIMER_DIV         0x3E0
#define LAPIC_SVR_ENABLE        0x100
#define LVT_MASKED              (1u << 16)  /* SDM §11.5.1 Figure 11-8 */
#define LVT_TIMER_TSC_DEADLINE  (2u << 17)  /* timer mode 10b */
#define LAPIC_TIMER_DIV_1       0xB         /* divide configuration: divide by 1 (Figure 11-10) */
#define ICR_INIT                0x00004500u /* delivery INIT, level assert; SDM §11.6.1 */
#define ICR_STARTUP             0x00004600u /* delivery Start-Up, level assert */
#define ICR_BUSY                0x00001000u /* delivery status */
#define AP_TRAMPOLINE_ADDR      0x8000      /* our choice: 4 KiB-aligned, < 1 MiB, SIPI vector 0x08 */

/* ---- I/O APIC (82093AA datasheet §3.2) ---- */
#define IOAPIC_REGSEL           0x00
#define IOAPIC_WIN              0x10
#define IOAPIC_REG_VER          0x01
#define IOAPIC_REDTBL(n)        (0x10 + 2 * (n))
#define IOREDTBL_POLARITY_LOW   (1u << 13)
#define IOREDTBL_REMOTE_IRR     (1u << 14)
#define IOREDTBL_LEVEL          (1u << 15)
#define IOREDTBL_MASKED         (1u << 16)

/* ---- PCI (PCI Local Bus Spec 3.0 §3.2.2.3.2; PCIe Base Spec §7.2.2) ---- */
#define PCI_CONF_ADDR           0xCF8
#define PCI_CONF_DATA           0xCFC
#define PCI_CONF_ENABLE         0x80000000u
#define PCI_VENDOR_ID           0x00
#define PCI_CLASS_REV           0x08    /* rev[7:0] prog-if[15:8] sub[23:16] class[31:24] */
#define PCI_HEADER_TYPE         0x0E
#define PCI_HEADER_MULTIFUNC    0x80
#define PCI_SECONDARY_BUS       0x19    /* type 1 header */
#define PCI_CLASS_HOST_BRIDGE   0x060000    /* class 06, subclass 00, prog-if 00 (PCI Code and ID Assignment 1.x) */
#define PCI_CLASS_BRIDGE        0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04

/* ---- Reset and crash ports ---- */
#define PORT_RESET_CF9          0xCF9   /* PIIX4/ICH Reset Control Register */
#define CF9_HARD_RESET          0x06    /* SYS_RST | RST_CPU */
#define I8042_CMD               0x64    /* 8042 command port */
#define I8042_PULSE_RESET       0xFE    /* pulse output line 0 (CPU reset) */
#define PVPANIC_PORT_DEFAULT    0x505   /* QEMU docs/specs/pvpanic.rst */
#define PVPANIC_PANICKED        0x01    /* pvpanic.rst bit 0 */

/* ---- ACPI 6.5 ---- */
#define ACPI_RSDP_SIG           "RSD PTR "      /* §5.2.5.3 Table 5.3 */
#define RSDP_OFF_CHECKSUM       8
#define RSDP_OFF_REVISION       15
#define RSDP_OFF_RSDT           16
#define RSDP_OFF_LENGTH         20
#define RSDP_OFF_XSDT           24
#define RSDP_V1_LEN             20
#define RSDP_V2_LEN             36
#define BDA_EBDA_SEG            0x40E   /* §5.2.5.1: EBDA segment word in the BDA */
#define EBDA_SCAN_LEN           1024    /* §5.2.5.1: first 1 KiB of the EBDA */
#define BIOS_ROM_START          0xE0000 /* §5.2.5.1 */
#define BIOS_ROM_END            0x100000
#define SDT_HDR_LEN             36      /* §5.2.6 Table 5.4 */
#define SDT_OFF_LENGTH          4
#define SDT_OFF_REVISION        8
/* FADT: §5.2.9 Table 5.9 (byte offsets) */
#define FADT_OFF_DSDT           40
#define FADT_OFF_SCI_INT        46
#define FADT_OFF_SMI_CMD        48
#define FADT_OFF_ACPI_ENABLE    52
#define FADT_OFF_PM1A_EVT_BLK   56
#define FADT_OFF_PM1B_EVT_BLK   60
#define FADT_OFF_PM1A_CNT_BLK   64
#define FADT_OFF_PM1B_CNT_BLK   68
#define FADT_OFF_PM_TMR_BLK     76
#define FADT_OFF_PM1_EVT_LEN    88
#define FADT_OFF_PM_TMR_LEN     91
#define FADT_OFF_CENTURY        108
#define FADT_OFF_FLAGS          112
#define FADT_OFF_RESET_REG      116
#define FADT_OFF_RESET_VALUE    128
#define FADT_OFF_X_DSDT         140
#define FADT_OFF_X_PM1A_EVT_BLK 148
#define FADT_OFF_X_PM1A_CNT_BLK 172
#define FADT_OFF_X_PM1B_CNT_BLK 184
#define FADT_OFF_SLEEP_CONTROL  244
#define FADT_FLAG_PWR_BUTTON    (1u << 4)   /* Table 5.10: set = control-method power button */
#define FADT_FLAG_RESET_REG_SUP (1u << 10)  /* Table 5.10 */
#define FADT_FLAG_HW_REDUCED    (1u << 20)  /* Table 5.10 */
#define FADT_FLAG_TMR_VAL_EXT   (1u << 8)   /* Table 5.10: 32-bit PM timer */
#define ACPI_PM_TIMER_HZ        3579545     /* §4.8.2.1 */
#define PM1_CNT_SCI_EN          (1u << 0)   /* §4.8.4.2.1 Table 4.13 PM1 Control */
#define PM1_STS_PWRBTN          (1u << 8)   /* §4.8.4.1.1 Table 4.11 PM1 Status */
#define PM1_EN_PWRBTN           (1u << 8)   /* §4.8.4.1.2 Table 4.12 PM1 Enable */
#define SCI_DEFAULT_FLAGS       (MPS_INTI_POL_LOW | MPS_INTI_TRIG_LEVEL) /* §5.2.9 SCI_INT: "shareable, level, active low" */
#define PM1_CNT_SLP_TYP_SHIFT   10          /* Table 4.13 */
#define PM1_CNT_SLP_EN          (1u << 13)  /* Table 4.13 */
#define SLEEP_CTL_SLP_TYP_SHIFT 2           /* §4.8.3.7 Table 4.20 */
#define SLEEP_CTL_SLP_EN        (1u << 5)   /* Table 4.20 */
/* Generic Address Structure: §5.2.3.2 Table 5.1 */
#define GAS_SPACE_MEMORY        0
#define GAS_SPACE_IO            1
#define GAS_SPACE_PCI           2
#define GAS_OFF_SPACE           0
#define GAS_OFF_BIT_WIDTH       1
#define GAS_OFF_ACCESS_SIZE     3
#define GAS_OFF_ADDRESS         4
/* MADT: §5.2.12 Table 5.19 and the structures after it */
#define MADT_OFF_LAPIC_ADDR     36
#define MADT_OFF_FLAGS          40
#define MADT_OFF_ENTRIES        44
#define MADT_LAPIC              0   /* Table 5.22 Processor Local APIC */
#define MADT_IOAPIC             1   /* Table 5.24 */
#define MADT_ISO                2   /* Table 5.25 Interrupt Source Override */
#define MADT_LAPIC_OVERRIDE     5   /* Table 5.31 */
#define MADT_X2APIC             9   /* Table 5.37 */
#define MADT_LAPIC_ENABLED      (1u << 0)   /* Table 5.23 */
#define MADT_LAPIC_ONLINE_CAP   (1u << 1)   /* Table 5.23 */
#define MPS_INTI_POL_MASK       0x3 /* Table 5.26 MPS INTI flags */
#define MPS_INTI_POL_LOW        0x3
#define MPS_INTI_TRIG_MASK      0xC
#define MPS_INTI_TRIG_LEVEL     0xC
/* MCFG: PCI Firmware Spec 3.2 §4.1.2 Table 4-2/4-3 */
#define MCFG_OFF_ENTRIES        44
#define MCFG_ENTRY_SIZE         16
/* AML opcodes: ACPI 6.5 §20.2.3 (data objects), §20.2.5.1-2 */
#define AML_ZERO_OP             0x00
#define AML_ONE_OP              0x01
#define AML_NAME_OP             0x08
#define AML_BYTE_PREFIX         0x0A
#define AML_WORD_PREFIX         0x0B
#define AML_DWORD_PREFIX        0x0C
#define AML_PACKAGE_OP          0x12
#define AML_ROOT_CHAR           0x5C

/* ---- Linux x86 boot protocol: Documentation/arch/x86/boot.rst ("The
 *      Real-Mode Kernel Header") and zero-page.rst (struct boot_params) ---- */
#define BP_ACPI_RSDP_ADDR       0x070   /* zero-page.rst acpi_rsdp_addr */
#define BP_EXT_RAMDISK_IMAGE    0x0C0
#define BP_EXT_RAMDISK_SIZE     0x0C4
#define BP_EXT_CMD_LINE_PTR     0x0C8
#define BP_SCRATCH              0x1E4   /* scratch: used as a 4-byte stack by startup_32 */
#define BP_E820_ENTRIES         0x1E8
#define BP_E820_TABLE           0x2D0
#define BP_E820_MAX             128     /* E820_MAX_ENTRIES_ZEROPAGE */
#define BP_E820_ENTRY_SIZE      20      /* struct boot_e820_entry: u64 addr, u64 size, u32 type */
#define BP_SIZE                 4096
#define BP_SETUP_SECTS          0x1F1   /* boot.rst header offsets */
#define BP_SYSSIZE              0x1F4
#define BP_BOOT_FLAG            0x1FE
#define BP_JUMP                 0x200
#define BP_HEADER               0x202
#define BP_VERSION              0x206
#define BP_KERNEL_VERSION       0x20E
#define BP_TYPE_OF_LOADER       0x210
#define BP_LOADFLAGS            0x211
#define BP_CODE32_START         0x214
#define BP_RAMDISK_IMAGE        0x218
#define BP_RAMDISK_SIZE         0x21C
#define BP_HEAP_END_PTR         0x224
#define BP_CMD_LINE_PTR         0x228
#define BP_INITRD_ADDR_MAX      0x22C
#define BP_KERNEL_ALIGNMENT     0x230
#define BP_XLOADFLAGS           0x236
#define BP_CMDLINE_SIZE         0x238
#define BP_PREF_ADDRESS         0x258
#define BP_INIT_SIZE            0x260
#define BP_HDR_END              0x26C   /* kernel_info_offset (2.15) is the last field */
#define LINUX_HDRS_MAGIC        0x53726448u /* "HdrS" */
#define LINUX_BOOT_FLAG         0xAA55
#define LINUX_PROTOCOL_2_15     0x020F
#define LOADFLAGS_LOADED_HIGH   0x01
#define LOADFLAGS_CAN_USE_HEAP  0x80
#define XLF_KERNEL_64           0x01
#define LINUX_LOADER_UNDEFINED  0xFF    /* type_of_loader for loaders without an id */
#define LINUX_BOOT_CS           0x10    /* __BOOT_CS, 32- and 64-bit boot protocols */
#define LINUX_BOOT_DS           0x18    /* __BOOT_DS */
#define LINUX_STARTUP_64_OFF    0x200   /* 64-bit entry: protected-mode start + 0x200 */
#define LINUX_KERNEL_INFO_MAGIC 0x506F544Cu /* "LToP", boot.rst "The kernel_info" */
#define E820_SMAP               0x534D4150u /* INT 15h AX=E820h signature "SMAP" (ACPI 6.5 §15.1) */
/* Our choices for the bzImage stub */
#define BZ_LOAD_ADDR            0x1000000   /* link address = pref_address (16 MiB) */
#define BZ_ALIGN                0x200000    /* kernel_alignment: 2 MiB */
#define BZ_ALIGN_LOG2           21
#define BZ_CMDLINE_SIZE         2047
#define BZ_INITRD_ADDR_MAX      0x7FFFFFFF
#define BZ_ENTRY16_MAGIC        0x4A58524Du /* "JXRM" in EDI: startup_32 entered by our own setup code */

#endif
