/*
 * The jxen test-guest runtime: boot (PVH, Multiboot v1, Linux bzImage), COM1 console,
 * the result protocol, ACPI, interrupts, SMP, ring 3, PCI, RTC.
 *
 * A guest defines RT_GUEST("name") and `void guest_main(void)`. The runtime
 * prints `jxen-guest <name> start`, calls guest_main on the BSP in ring 0,
 * then prints `jxen-guest <name> end passed=P failed=F` and powers off.
 *
 * Ring 0 may be emulated (about 2 M instructions/s on kvm_pvm hosts): keep
 * ring-0 work to set-up and a handful of device accesses, and run loops
 * with rt_run_user().
 */
#ifndef RT_H
#define RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"

#define RT_NORETURN __attribute__((noreturn))
#define RT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define RT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the guest ---- */
extern const char rt_guest_name[];
void guest_main(void);
#define RT_GUEST(name) const char rt_guest_name[] = name

/* ---- boot information, unified over PVH and Multiboot ---- */
enum rt_boot_kind { RT_BOOT_PVH = 1, RT_BOOT_MULTIBOOT = 2, RT_BOOT_LINUX = 3 };
#define RT_MAX_MEM 128
#define RT_MAX_MODS 16
struct rt_mem {
    uint64_t base, len;
    uint32_t type;              /* E820_* */
};
struct rt_module {
    uint64_t paddr, size;
    const char *cmdline;        /* "" when none */
};
struct rt_boot {
    enum rt_boot_kind kind;
    uint32_t magic;             /* start_info magic (PVH) or EAX (Multiboot); 0 for Linux */
    uint64_t info_addr;         /* start_info, multiboot info or boot_params address */
    uint32_t pvh_version;
    const char *cmdline;        /* never NULL */
    int nmem;
    struct rt_mem mem[RT_MAX_MEM];
    int nmods;
    struct rt_module mods[RT_MAX_MODS];
    uint64_t rsdp;              /* 0 when not found */
    bool rsdp_from_bootinfo;
};
extern struct rt_boot rt_boot;
/* Value of `key=value` on the command line; "" for a bare `key`; NULL if absent. */
const char *rt_cmdline_get(const char *key);
/* Decimal or 0x-hex value of key, or dflt when absent or malformed. */
uint64_t rt_cmdline_u64(const char *key, uint64_t dflt);
uint64_t rt_ram_total(void);            /* bytes of type-1 memory */
uint64_t rt_ram_top(void);              /* end of the highest type-1 region */

/* ---- console (COM1, polled output) ---- */
void rt_putc(char c);
void rt_puts(const char *s);            /* no newline added */
void rt_printf(const char *fmt, ...) RT_PRINTF(1, 2);
void rt_vprintf(const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t n, const char *fmt, ...) RT_PRINTF(3, 4);
int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* ---- console input (interrupt-driven; needs rt_irq_init) ---- */
#define RT_LINE_CTRL_C (-1)
bool rt_serial_irq_enable(void);        /* IOAPIC route + UART IER; false if impossible */
int rt_getc(void);                      /* blocks (hlt) for one byte */
int rt_readline(char *buf, size_t n);   /* length, or RT_LINE_CTRL_C */
extern volatile uint64_t rt_serial_irqs;

/* ---- result protocol ---- */
bool rt_check(bool cond, const char *what, const char *why_fmt, ...) RT_PRINTF(3, 4);
void rt_info(const char *fmt, ...) RT_PRINTF(1, 2);     /* "# ..." line */
void rt_end_line(void);                 /* the `end` line, once */
RT_NORETURN void rt_finish(void);       /* end line + power off */
extern int rt_passed, rt_failed;

/* ---- ACPI ---- */
struct rt_acpi {
    bool ok;                    /* RSDP found and root table usable */
    uint64_t rsdp;
    const uint8_t *root;        /* XSDT, or RSDT when no XSDT */
    bool root_is_xsdt;
    const uint8_t *fadt, *madt, *mcfg, *dsdt;
    int bad_checksums;          /* tables whose checksum failed */
    bool s5_found;
    uint8_t s5_typa, s5_typb;
};
const struct rt_acpi *rt_acpi(void);
const uint8_t *rt_acpi_find(const char sig[4]);     /* checksummed table or NULL */
bool rt_acpi_checksum_ok(const void *p, size_t len);
void rt_acpi_print_tables(void);     /* "# acpi tables XSDT: FACP APIC ..." */

/* ---- power ---- */
RT_NORETURN void rt_poweroff(void);
RT_NORETURN void rt_reset(void);
bool rt_acpi_reset_reg(void);           /* FADT RESET_REG write; false if there is none */
RT_NORETURN void rt_triple_fault(void);
RT_NORETURN void rt_halt_forever(void);
void rt_pvpanic(void);                  /* returns if the VMM does not stop us */

/* ---- CPU helpers ---- */
static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t rdmsr(uint32_t msr) { uint32_t lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((uint64_t)hi << 32) | lo; }
static inline void wrmsr(uint32_t msr, uint64_t v) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))); }
static inline unsigned rt_cpl(void) { uint16_t cs; __asm__ volatile("mov %%cs, %0" : "=r"(cs)); return cs & 3; }
/* A pointer to physical address pa (identity map), hidden from gcc's
 * bounds analysis, which rejects small constant addresses. */
static inline void *rt_phys(uint64_t pa) { __asm__("" : "+r"(pa)); return (void *)(uintptr_t)pa; }
static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; }
static inline void rt_cpu_relax(void) { __asm__ volatile("" ::: "memory"); }

/* ---- time ---- */
uint64_t rt_tsc_khz(void);              /* calibrated once */
const char *rt_tsc_source(void);
void rt_udelay(uint64_t us);

/* ---- paging ---- */
bool rt_map_identity(uint64_t base, uint64_t len);  /* extend the identity map */

/* ---- interrupts ---- */
bool rt_irq_init(void);                 /* LAPIC on, PIC masked, IOAPIC found */
uint64_t rt_lapic_base(void);
uint32_t rt_lapic_id(void);
void rt_lapic_eoi(void);
/* fn runs (ring 0, interrupts off) for interrupt `vector` (>= 32) and does its own EOI. */
void rt_set_irq_handler(uint8_t vector, void (*fn)(void));
/* Routes an ISA/ACPI IRQ through the MADT's interrupt source overrides to
 * the BSP; polarity/trigger fields that "conform to the bus" take
 * dflt_flags (MPS INTI flags: 0 = ISA edge/high, SCI_DEFAULT_FLAGS for the
 * SCI). Returns the GSI, or -1. The entry is left masked if `masked`. */
int rt_ioapic_route(unsigned irq, uint8_t vector, uint16_t dflt_flags, bool masked);
void rt_ioapic_mask(uint32_t gsi, bool masked);
uint32_t rt_ioapic_rte_lo(uint32_t gsi);        /* redirection entry bits 31:0 */
static inline void rt_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void rt_cli(void) { __asm__ volatile("cli" ::: "memory"); }

/* ---- SMP ---- */
struct rt_cpu {
    uint32_t apic_id;
    bool enabled;               /* MADT says usable */
    bool bsp;
    bool online;                /* checked in */
};
extern struct rt_cpu rt_cpus[RT_MAX_CPUS];
extern int rt_ncpus;                    /* CPUs listed (enabled) in the MADT */
int rt_madt_cpus(void);                 /* fills rt_cpus from the MADT */
int rt_smp_start(void);                 /* starts the APs; returns CPUs online */
extern volatile uint32_t rt_ap_checked_in;
uint32_t rt_ap_reported_id(uint32_t slot);   /* APIC id of the slot-th AP to check in */

/* ---- ring 3 ---- */
uint64_t rt_run_user(uint64_t (*fn)(uint64_t), uint64_t arg);
/* Like rt_run_user, but an exception in ring 3 ends fn instead of the
 * whole run: then f->vector etc. describe it and the result is 0. */
struct rt_user_fault {
    bool faulted;
    uint64_t vector, error, rip;
};
uint64_t rt_run_user_catch(uint64_t (*fn)(uint64_t), uint64_t arg, struct rt_user_fault *f);

/* ---- PCI ---- */
struct rt_pci_fn {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint8_t cls, subcls, progif;
};
uint32_t rt_pci_cf8_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off);
bool rt_pci_cf8_present(void);
bool rt_pci_ecam_present(void);
uint32_t rt_pci_ecam_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off);
uint32_t rt_pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off);
/* Enumerates bus 0 and the buses behind PCI-PCI bridges; cb may be NULL. */
int rt_pci_enumerate(void (*cb)(const struct rt_pci_fn *f, void *ctx), void *ctx);
void rt_pci_print(const struct rt_pci_fn *f, void *ctx);   /* "# pci ..." */

/* ---- RTC ---- */
struct rt_time {
    int year, month, day, hour, minute, second;
};
bool rt_rtc_read(struct rt_time *t);
uint64_t rt_time_to_epoch(const struct rt_time *t);

/* ---- misc ---- */
void rt_print_memmap(void);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Internal, shared between runtime files. */
struct rt_trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};
void rt_serial_init(void);
void rt_serial_isr(void);
void rt_cpu_init(void);
void rt_boot_parse(void);
void rt_apic_icr(uint32_t apic_id, uint32_t lo);
void rt_load_idt(void);
bool rt_ioapic_route_isa(unsigned irq, uint8_t vector);
extern uint32_t rt_boot_kind, rt_boot_magic;
extern uint64_t rt_boot_info_addr;
static inline uint64_t rd64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t rd32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint16_t rd16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }

#endif
