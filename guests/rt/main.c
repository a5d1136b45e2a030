/*
 * Start of day on the BSP: console, CPU tables, boot information, then the
 * guest. Also the result protocol and the exception reporter.
 * Runs on: the BSP, ring 0 (rt_trap on any CPU, any ring).
 */
#include "rt.h"

uint32_t rt_boot_kind, rt_boot_magic;                       /* written by head.S */
uint64_t rt_boot_info_addr;                                 /* head.S (32-bit entries: low half) */
uint64_t rt_user_saved_rsp;                                 /* head.S */
uint32_t rt_ap_next_slot;                                   /* head.S */
struct rt_boot rt_boot;
int rt_passed, rt_failed;
static int check_no;
static bool end_printed;
bool rt_user_ready;             /* TSS and IDT loaded: rt_run_user works */

struct idt_gate {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, reserved;
};
static struct idt_gate idt[256] __attribute__((aligned(16)));
struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint64_t base;
};
static struct desc_ptr idt_ptr;

void __attribute__((weak)) guest_early(void) {}

static void set_gate(int v, uint64_t handler, uint8_t type)
{
    idt[v].off0 = handler & 0xFFFF;
    idt[v].sel = SEL_CODE64;
    idt[v].ist = 0;
    idt[v].type = type;
    idt[v].off1 = (handler >> 16) & 0xFFFF;
    idt[v].off2 = handler >> 32;
}

/* GDT TSS slot, IDT gates, TR and IDTR. ~256 gate writes: small. */
void rt_cpu_init(void)
{
    extern uint8_t rt_tss[], rt_tss_end[], rt_vector_stubs[];
    extern uint64_t rt_gdt_tss[2];
    uint64_t base = (uintptr_t)rt_tss, limit = (uint64_t)(rt_tss_end - rt_tss) - 1;
    /* 64-bit TSS descriptor, available (type 9), present: SDM Vol. 3A §8.2.3 Figure 8-4 */
    rt_gdt_tss[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
                    (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    rt_gdt_tss[1] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
    /* Interrupt gates (type 0xE, DPL 0, present): SDM Vol. 3A §6.14.1 */
    for (int v = 0; v < 256; v++)
        set_gate(v, (uintptr_t)rt_vector_stubs + 16 * v, 0x8E);
    idt_ptr.limit = sizeof(idt) - 1;
    idt_ptr.base = (uintptr_t)idt;
    __asm__ volatile("lidt %0" : : "m"(idt_ptr));
    rt_user_ready = true;
}

void rt_load_idt(void)
{
    __asm__ volatile("lidt %0" : : "m"(idt_ptr));
}

/* ---- boot information ---- */
static char cmdline_copy[2048];     /* as given */
static char cmdline_words[2048];    /* words NUL-separated */
static size_t cmdline_len;
static char mod_cmdlines[RT_MAX_MODS][128];

static void copy_str(char *dst, size_t n, uint64_t paddr)
{
    size_t i = 0;
    if (paddr) {
        const volatile char *s = (const volatile char *)(uintptr_t)paddr;
        for (; i + 1 < n && s[i]; i++)
            dst[i] = s[i];
    }
    dst[i] = '\0';
}

static void add_mem(uint64_t base, uint64_t len, uint32_t type)
{
    if (rt_boot.nmem < RT_MAX_MEM) {
        rt_boot.mem[rt_boot.nmem].base = base;
        rt_boot.mem[rt_boot.nmem].len = len;
        rt_boot.mem[rt_boot.nmem].type = type;
        rt_boot.nmem++;
    }
}

static void parse_pvh(const uint8_t *si)
{
    rt_boot.magic = rd32(si + HVM_SI_OFF_MAGIC);
    rt_boot.pvh_version = rd32(si + HVM_SI_OFF_VERSION);
    copy_str(cmdline_copy, sizeof(cmdline_copy), rd64(si + HVM_SI_OFF_CMDLINE));
    rt_boot.rsdp = rd64(si + HVM_SI_OFF_RSDP);
    rt_boot.rsdp_from_bootinfo = rt_boot.rsdp != 0;
    uint32_t nmods = rd32(si + HVM_SI_OFF_NR_MODULES);
    uint64_t modlist = rd64(si + HVM_SI_OFF_MODLIST);
    for (uint32_t i = 0; modlist && i < nmods && i < RT_MAX_MODS; i++) {
        const uint8_t *m = (const uint8_t *)(uintptr_t)(modlist + i * HVM_MODLIST_ENTRY_SIZE);
        rt_boot.mods[i].paddr = rd64(m);
        rt_boot.mods[i].size = rd64(m + 8);
        copy_str(mod_cmdlines[i], sizeof(mod_cmdlines[i]), rd64(m + 16));
        rt_boot.nmods++;
    }
    if (rt_boot.pvh_version >= 1) {
        uint64_t mm = rd64(si + HVM_SI_OFF_MEMMAP);
        uint32_t n = rd32(si + HVM_SI_OFF_MEMMAP_NR);
        if (mm >= 4ull << 30)
            rt_map_identity(mm, (uint64_t)n * HVM_MEMMAP_ENTRY_SIZE);
        for (uint32_t i = 0; mm && i < n; i++) {
            const uint8_t *e = (const uint8_t *)(uintptr_t)(mm + i * HVM_MEMMAP_ENTRY_SIZE);
            add_mem(rd64(e), rd64(e + 8), rd32(e + 16));
        }
    }
}

static void parse_multiboot(const uint8_t *mbi)
{
    uint32_t flags = rd32(mbi + MBI_OFF_FLAGS);
    if (flags & MBI_FLAG_CMDLINE)
        copy_str(cmdline_copy, sizeof(cmdline_copy), rd32(mbi + MBI_OFF_CMDLINE));
    if (flags & MBI_FLAG_MODS) {
        uint32_t n = rd32(mbi + MBI_OFF_MODS_COUNT), a = rd32(mbi + MBI_OFF_MODS_ADDR);
        for (uint32_t i = 0; a && i < n && i < RT_MAX_MODS; i++) {
            const uint8_t *m = (const uint8_t *)(uintptr_t)(a + i * MB_MOD_ENTRY_SIZE);
            rt_boot.mods[i].paddr = rd32(m);
            rt_boot.mods[i].size = rd32(m + 4) - rd32(m);
            copy_str(mod_cmdlines[i], sizeof(mod_cmdlines[i]), rd32(m + 8));
            rt_boot.nmods++;
        }
    }
    if (flags & MBI_FLAG_MMAP) {
        /* §3.3: entries are {u32 size; u64 base; u64 length; u32 type}, size excludes itself */
        uint32_t len = rd32(mbi + MBI_OFF_MMAP_LENGTH), a = rd32(mbi + MBI_OFF_MMAP_ADDR);
        for (uint32_t off = 0; off + 24 <= len;) {
            const uint8_t *e = (const uint8_t *)(uintptr_t)(a + off);
            uint32_t sz = rd32(e);
            add_mem(rd64(e + 4), rd64(e + 12), rd32(e + 20));
            if (sz < 20)
                break;
            off += sz + 4;
        }
    } else if (flags & MBI_FLAG_MEM) {
        add_mem(0, (uint64_t)rd32(mbi + MBI_OFF_MEM_LOWER) << 10, E820_RAM);
        add_mem(1 << 20, (uint64_t)rd32(mbi + MBI_OFF_MEM_UPPER) << 10, E820_RAM);
    }
}

/* Linux boot protocol: struct boot_params (zero-page.rst, boot.rst). */
static void parse_linux(const uint8_t *bp)
{
    rt_map_identity((uintptr_t)bp, BP_SIZE);
    uint64_t cmd = rd32(bp + BP_CMD_LINE_PTR) | (uint64_t)rd32(bp + BP_EXT_CMD_LINE_PTR) << 32;
    if (cmd)
        rt_map_identity(cmd, sizeof(cmdline_copy));
    copy_str(cmdline_copy, sizeof(cmdline_copy), cmd);
    rt_boot.rsdp = rd64(bp + BP_ACPI_RSDP_ADDR);
    rt_boot.rsdp_from_bootinfo = rt_boot.rsdp != 0;
    uint64_t rd = rd32(bp + BP_RAMDISK_IMAGE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_IMAGE) << 32;
    uint64_t rs = rd32(bp + BP_RAMDISK_SIZE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_SIZE) << 32;
    if (rd && rs) {
        rt_boot.mods[0].paddr = rd;
        rt_boot.mods[0].size = rs;
        rt_boot.nmods = 1;
    }
    unsigned n = bp[BP_E820_ENTRIES];
    for (unsigned i = 0; i < n && i < BP_E820_MAX; i++) {
        const uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;
        add_mem(rd64(e), rd64(e + 8), rd32(e + 16));
    }
}

void rt_boot_parse(void)
{
    rt_boot.kind = (enum rt_boot_kind)rt_boot_kind;
    rt_boot.info_addr = rt_boot_info_addr;
    const uint8_t *info = (const uint8_t *)(uintptr_t)rt_boot_info_addr;
    if (rt_boot.kind == RT_BOOT_PVH) {
        parse_pvh(info);
    } else if (rt_boot.kind == RT_BOOT_LINUX) {
        parse_linux(info);
    } else {
        rt_boot.magic = rt_boot_magic;
        if (rt_boot_magic == MULTIBOOT_BOOTLOADER_MAGIC)
            parse_multiboot(info);
    }
    for (unsigned i = 0; i < RT_MAX_MODS; i++)
        rt_boot.mods[i].cmdline = mod_cmdlines[i];
    rt_boot.cmdline = cmdline_copy;
    cmdline_len = strlen(cmdline_copy);
    for (size_t i = 0; i <= cmdline_len; i++)
        cmdline_words[i] = (cmdline_copy[i] == ' ' || cmdline_copy[i] == '\t') ? '\0' : cmdline_copy[i];
}

const char *rt_cmdline_get(const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < cmdline_len;) {
        const char *w = &cmdline_words[i];
        size_t wlen = strlen(w);
        if (wlen >= klen && !memcmp(w, key, klen)) {
            if (w[klen] == '=')
                return w + klen + 1;
            if (w[klen] == '\0')
                return w + klen;
        }
        i += wlen + 1;
    }
    return NULL;
}

uint64_t rt_cmdline_u64(const char *key, uint64_t dflt)
{
    const char *v = rt_cmdline_get(key);
    if (!v || !*v)
        return dflt;
    uint64_t r = 0;
    unsigned base = 10;
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        base = 16;
        v += 2;
    }
    for (; *v; v++) {
        unsigned d;
        if (*v >= '0' && *v <= '9')
            d = *v - '0';
        else if (base == 16 && (*v | 0x20) >= 'a' && (*v | 0x20) <= 'f')
            d = (*v | 0x20) - 'a' + 10;
        else
            return dflt;
        r = r * base + d;
    }
    return r;
}

uint64_t rt_ram_total(void)
{
    uint64_t t = 0;
    for (int i = 0; i < rt_boot.nmem; i++)
        if (rt_boot.mem[i].type == E820_RAM)
            t += rt_boot.mem[i].len;
    return t;
}

uint64_t rt_ram_top(void)
{
    uint64_t t = 0;
    for (int i = 0; i < rt_boot.nmem; i++)
        if (rt_boot.mem[i].type == E820_RAM && rt_boot.mem[i].base + rt_boot.mem[i].len > t)
            t = rt_boot.mem[i].base + rt_boot.mem[i].len;
    return t;
}

void rt_print_memmap(void)
{
    for (int i = 0; i < rt_boot.nmem; i++)
        rt_printf("# mem base=0x%lx len=0x%lx type=%u\n", rt_boot.mem[i].base, rt_boot.mem[i].len,
                  rt_boot.mem[i].type);
}

/* ---- result protocol ---- */
bool rt_check(bool cond, const char *what, const char *why_fmt, ...)
{
    char why[256];
    int n = __atomic_add_fetch(&check_no, 1, __ATOMIC_RELAXED);
    if (cond) {
        __atomic_add_fetch(&rt_passed, 1, __ATOMIC_RELAXED);
        rt_printf("ok %d - %s\n", n, what);
    } else {
        va_list ap;
        va_start(ap, why_fmt);
        rt_vsnprintf(why, sizeof(why), why_fmt, ap);
        va_end(ap);
        __atomic_add_fetch(&rt_failed, 1, __ATOMIC_RELAXED);
        rt_printf("not ok %d - %s: %s\n", n, what, why);
    }
    return cond;
}

void rt_info(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    rt_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    rt_printf("# %s\n", line);
}

void rt_end_line(void)
{
    if (__atomic_exchange_n(&end_printed, true, __ATOMIC_ACQ_REL))
        return;
    rt_printf("jxen-guest %s end passed=%d failed=%d\n", rt_guest_name, rt_passed, rt_failed);
}

void rt_finish(void)
{
    rt_end_line();
    rt_poweroff();
}

/* ---- traps ---- */
static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "", "", "", "", "", "", "#HV", "#VC", "#SX", "",
};
static volatile uint32_t in_report;
extern const uint8_t rt_user_exit_insn[];
RT_NORETURN void rt_user_resume(uint64_t result);
static void (*irq_handlers[256])(void);
static struct rt_user_fault *user_catch;

void rt_set_irq_handler(uint8_t vector, void (*fn)(void))
{
    irq_handlers[vector] = fn;
}

uint64_t rt_run_user_catch(uint64_t (*fn)(uint64_t), uint64_t arg, struct rt_user_fault *f)
{
    *f = (struct rt_user_fault){0};
    user_catch = f;
    uint64_t r = rt_run_user(fn, arg);
    user_catch = NULL;
    return f->faulted ? 0 : r;
}

void rt_trap(struct rt_trap_frame *f)
{
    if (f->vector == VEC_COM1) {
        rt_serial_isr();
        rt_lapic_eoi();
        return;
    }
    if (f->vector == VEC_SPURIOUS)
        return;
    if (f->vector >= 32 && irq_handlers[f->vector]) {
        irq_handlers[f->vector]();
        return;
    }
    if (f->vector == VEC_UD && (f->cs & 3) == 3 && f->rip == (uintptr_t)rt_user_exit_insn)
        rt_user_resume(f->rax);         /* does not return */
    if (user_catch && (f->cs & 3) == 3 && f->vector < 32) {
        *user_catch = (struct rt_user_fault){.faulted = true, .vector = f->vector, .error = f->error, .rip = f->rip};
        rt_user_resume(0);              /* does not return */
    }
    if (__atomic_exchange_n(&in_report, 1, __ATOMIC_ACQ_REL))
        rt_halt_forever();      /* a fault while reporting a fault */
    uint64_t cr2 = 0;
    if (f->vector == VEC_PF)
        __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    const char *name = f->vector < 32 ? exc_names[f->vector] : "interrupt";
    rt_check(false, "unexpected exception", "vector=%lu (%s) error=0x%lx rip=0x%lx cs=0x%lx cpl=%lu cr2=0x%lx rsp=0x%lx",
             f->vector, name, f->error, f->rip, f->cs, f->cs & 3, cr2, f->rsp);
    rt_finish();
}

void rt_entry(void)
{
    rt_serial_init();
    rt_printf("jxen-guest %s start\n", rt_guest_name);
    guest_early();
    rt_cpu_init();
    rt_boot_parse();
    guest_main();
    rt_finish();
}
