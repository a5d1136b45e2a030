/*
 * ACPI: RSDP -> XSDT (or RSDT) -> FADT, MADT, MCFG, DSDT; \_S5 from the
 * DSDT's AML; power-off, reset, pvpanic, triple fault.
 * Runs on: the BSP. Scans and checksums over more than a few bytes run in
 * ring 3 (rt_run_user), where they execute natively even when ring 0 is
 * emulated.
 */
#include "rt.h"

static struct rt_acpi A;
static bool acpi_done;
extern bool rt_user_ready;

/* ---- byte loops, run in ring 3 when possible ---- */
struct span {
    uint64_t p, len, result;
    uint64_t extra;
};

static uint64_t u_sum(uint64_t arg)
{
    struct span *s = (struct span *)arg;
    const volatile uint8_t *p = (const volatile uint8_t *)s->p;
    uint8_t sum = 0;
    for (uint64_t i = 0; i < s->len; i++)
        sum += p[i];
    return sum;
}

static uint64_t user_or_local(uint64_t (*fn)(uint64_t), struct span *s)
{
    if (rt_user_ready && rt_cpl() == 0 && s->len > 64)
        return rt_run_user(fn, (uint64_t)s);
    return fn((uint64_t)s);
}

bool rt_acpi_checksum_ok(const void *p, size_t len)
{
    struct span s = {.p = (uintptr_t)p, .len = len};
    return user_or_local(u_sum, &s) == 0;
}

/* §5.2.5.1: "RSD PTR " on a 16-byte boundary with a valid checksum. */
static uint64_t u_rsdp_scan(uint64_t arg)
{
    struct span *s = (struct span *)arg;
    for (uint64_t a = s->p; a + RSDP_V1_LEN <= s->p + s->len; a += 16) {
        const uint8_t *r = (const uint8_t *)a;
        if (memcmp(r, ACPI_RSDP_SIG, 8))
            continue;
        uint8_t sum = 0;
        for (int i = 0; i < RSDP_V1_LEN; i++)
            sum += r[i];
        if (sum == 0)
            return a;
    }
    return 0;
}

static uint64_t find_rsdp(void)
{
    uint16_t ebda_seg = *(volatile uint16_t *)rt_phys(BDA_EBDA_SEG);
    uint64_t ebda = (uint64_t)ebda_seg << 4;
    struct span s;
    if (ebda >= 0x400 && ebda < BIOS_ROM_START) {
        s = (struct span){.p = ebda, .len = EBDA_SCAN_LEN};
        uint64_t r = user_or_local(u_rsdp_scan, &s);
        if (r)
            return r;
    }
    s = (struct span){.p = BIOS_ROM_START, .len = BIOS_ROM_END - BIOS_ROM_START};
    return user_or_local(u_rsdp_scan, &s);
}

static const uint8_t *table_at(uint64_t pa, const char *want)
{
    if (!pa)
        return NULL;
    rt_map_identity(pa, SDT_HDR_LEN);
    const uint8_t *t = (const uint8_t *)(uintptr_t)pa;
    uint32_t len = rd32(t + SDT_OFF_LENGTH);
    if (want && memcmp(t, want, 4))
        return NULL;
    if (len < SDT_HDR_LEN || len > (64u << 20))
        return NULL;
    rt_map_identity(pa, len);
    if (!rt_acpi_checksum_ok(t, len)) {
        A.bad_checksums++;
        rt_printf("# acpi: bad checksum in %c%c%c%c at 0x%lx len=%u\n", t[0], t[1], t[2], t[3], pa, len);
        return NULL;
    }
    return t;
}

static uint64_t root_entry(int i)
{
    const uint8_t *e = A.root + SDT_HDR_LEN + (A.root_is_xsdt ? 8 * i : 4 * i);
    return A.root_is_xsdt ? rd64(e) : rd32(e);
}

static int root_count(void)
{
    return (int)((rd32(A.root + SDT_OFF_LENGTH) - SDT_HDR_LEN) / (A.root_is_xsdt ? 8 : 4));
}

const uint8_t *rt_acpi_find(const char sig[4])
{
    if (!rt_acpi()->root)
        return NULL;
    for (int i = 0; i < root_count(); i++) {
        uint64_t pa = root_entry(i);
        if (!pa)
            continue;
        rt_map_identity(pa, SDT_HDR_LEN);
        if (!memcmp((const void *)(uintptr_t)pa, sig, 4))
            return table_at(pa, sig);
    }
    return NULL;
}

void rt_acpi_print_tables(void)
{
    if (!rt_acpi()->root)
        return;
    char sigs[5 * 32 + 1];
    size_t n = 0;
    for (int i = 0; i < root_count() && n + 5 < sizeof(sigs); i++) {
        uint64_t pa = root_entry(i);
        if (!pa || !rt_map_identity(pa, SDT_HDR_LEN))
            continue;
        const char *t = (const char *)(uintptr_t)pa;
        for (int k = 0; k < 4; k++)
            sigs[n++] = (t[k] >= 0x20 && t[k] < 0x7F) ? t[k] : '?';
        sigs[n++] = ' ';
    }
    sigs[n ? n - 1 : 0] = '\0';
    rt_printf("# acpi tables %s: %s\n", A.root_is_xsdt ? "XSDT" : "RSDT", sigs);
}

/* ---- \_S5 from the AML (§7.4.2, encodings §20.2) ---- */
static const uint8_t *aml_int(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
    if (p >= end)
        return NULL;
    switch (*p) {
    case AML_ZERO_OP: *v = 0; return p + 1;
    case AML_ONE_OP: *v = 1; return p + 1;
    case AML_BYTE_PREFIX: if (p + 2 > end) return NULL; *v = p[1]; return p + 2;
    case AML_WORD_PREFIX: if (p + 3 > end) return NULL; *v = rd16(p + 1); return p + 3;
    case AML_DWORD_PREFIX: if (p + 5 > end) return NULL; *v = rd32(p + 1); return p + 5;
    default: return NULL;
    }
}

static uint64_t u_find_s5(uint64_t arg)
{
    struct span *s = (struct span *)arg;
    const uint8_t *b = (const uint8_t *)s->p, *end = b + s->len;
    for (const uint8_t *p = b + 1; p + 4 < end; p++) {
        if (p[0] != '_' || p[1] != 'S' || p[2] != '5' || p[3] != '_')
            continue;
        if (!(p[-1] == AML_NAME_OP || (p[-1] == AML_ROOT_CHAR && p - 2 >= b && p[-2] == AML_NAME_OP)))
            continue;
        const uint8_t *q = p + 4;
        if (q >= end || *q++ != AML_PACKAGE_OP)
            continue;
        if (q >= end)
            break;
        unsigned follow = *q >> 6;          /* PkgLength lead byte: §20.2.4 */
        q += 1 + follow;
        q += 1;                             /* NumElements */
        uint32_t a = 0, bv = 0;
        q = aml_int(q, end, &a);
        if (!q)
            continue;
        if (!aml_int(q, end, &bv))
            bv = a;
        s->result = (a & 7) | ((bv & 7) << 8);
        return 1;
    }
    return 0;
}

static void parse_madt_etc(void)
{
    for (int i = 0; i < root_count(); i++) {
        uint64_t pa = root_entry(i);
        if (!pa)
            continue;
        rt_map_identity(pa, SDT_HDR_LEN);
        const uint8_t *t = (const uint8_t *)(uintptr_t)pa;
        if (!A.fadt && !memcmp(t, "FACP", 4))
            A.fadt = table_at(pa, "FACP");
        else if (!A.madt && !memcmp(t, "APIC", 4))
            A.madt = table_at(pa, "APIC");
        else if (!A.mcfg && !memcmp(t, "MCFG", 4))
            A.mcfg = table_at(pa, "MCFG");
    }
    if (A.fadt) {
        uint32_t len = rd32(A.fadt + SDT_OFF_LENGTH);
        uint64_t dsdt = 0;
        if (len >= FADT_OFF_X_DSDT + 8)
            dsdt = rd64(A.fadt + FADT_OFF_X_DSDT);
        if (!dsdt)
            dsdt = rd32(A.fadt + FADT_OFF_DSDT);
        A.dsdt = table_at(dsdt, "DSDT");
    }
    if (A.dsdt) {
        struct span s = {.p = (uintptr_t)A.dsdt + SDT_HDR_LEN, .len = rd32(A.dsdt + SDT_OFF_LENGTH) - SDT_HDR_LEN};
        if (user_or_local(u_find_s5, &s)) {
            A.s5_found = true;
            A.s5_typa = s.result & 7;
            A.s5_typb = (s.result >> 8) & 7;
        }
    }
}

const struct rt_acpi *rt_acpi(void)
{
    if (acpi_done)
        return &A;
    acpi_done = true;
    uint64_t rsdp = rt_boot.rsdp;
    if (!rsdp) {
        rsdp = find_rsdp();
        rt_boot.rsdp = rsdp;
    }
    if (!rsdp)
        return &A;
    A.rsdp = rsdp;
    const uint8_t *r = (const uint8_t *)(uintptr_t)rsdp;
    if (memcmp(r, ACPI_RSDP_SIG, 8) || !rt_acpi_checksum_ok(r, RSDP_V1_LEN)) {
        A.bad_checksums++;
        rt_printf("# acpi: bad RSDP at 0x%lx\n", rsdp);
        return &A;
    }
    if (r[RSDP_OFF_REVISION] >= 2) {
        if (!rt_acpi_checksum_ok(r, RSDP_V2_LEN)) {
            A.bad_checksums++;
            rt_printf("# acpi: bad RSDP extended checksum at 0x%lx\n", rsdp);
        } else {
            A.root = table_at(rd64(r + RSDP_OFF_XSDT), "XSDT");
            A.root_is_xsdt = A.root != NULL;
        }
    }
    if (!A.root)
        A.root = table_at(rd32(r + RSDP_OFF_RSDT), "RSDT");
    if (!A.root)
        return &A;
    A.ok = true;
    parse_madt_etc();
    return &A;
}

/* ---- Generic Address Structure access (§5.2.3.2) ---- */
static unsigned gas_bytes(const uint8_t *g)
{
    uint8_t as = g[GAS_OFF_ACCESS_SIZE];
    if (as >= 1 && as <= 4)
        return 1u << (as - 1);
    uint8_t w = g[GAS_OFF_BIT_WIDTH];
    return w > 32 ? 8 : w > 16 ? 4 : w > 8 ? 2 : 1;
}

static uint64_t gas_addr(const uint8_t *g) { return rd64(g + GAS_OFF_ADDRESS); }

static void gas_write(const uint8_t *g, uint64_t v)
{
    uint64_t a = gas_addr(g);
    unsigned n = gas_bytes(g);
    switch (g[GAS_OFF_SPACE]) {
    case GAS_SPACE_MEMORY:
        rt_map_identity(a, n);
        if (n == 1) *(volatile uint8_t *)a = (uint8_t)v;
        else if (n == 2) *(volatile uint16_t *)a = (uint16_t)v;
        else if (n == 4) *(volatile uint32_t *)a = (uint32_t)v;
        else *(volatile uint64_t *)a = v;
        break;
    case GAS_SPACE_IO:
        if (n == 1) outb((uint16_t)a, (uint8_t)v);
        else if (n == 2) outw((uint16_t)a, (uint16_t)v);
        else outl((uint16_t)a, (uint32_t)v);
        break;
    case GAS_SPACE_PCI: {
        /* §5.2.3.2: bus 0; device bits 47:32, function 31:16, offset 15:0 */
        unsigned dev = (a >> 32) & 0x1F, fn = (a >> 16) & 7, off = a & 0xFFFF;
        outl(PCI_CONF_ADDR, PCI_CONF_ENABLE | (dev << 11) | (fn << 8) | (off & 0xFC));
        outb(PCI_CONF_DATA + (off & 3), (uint8_t)v);
        break;
    }
    }
}

static uint32_t gas_read(const uint8_t *g)
{
    uint64_t a = gas_addr(g);
    unsigned n = gas_bytes(g);
    if (g[GAS_OFF_SPACE] == GAS_SPACE_MEMORY) {
        rt_map_identity(a, n);
        return n == 1 ? *(volatile uint8_t *)a : n == 2 ? *(volatile uint16_t *)a : *(volatile uint32_t *)a;
    }
    return n == 1 ? inb((uint16_t)a) : n == 2 ? inw((uint16_t)a) : inl((uint16_t)a);
}

/* A PM1x_CNT register as a GAS: the X_ field when set, else the 32-bit block. */
static bool pm1_cnt(int which, uint8_t g[12])
{
    const uint8_t *f = A.fadt;
    uint32_t len = rd32(f + SDT_OFF_LENGTH);
    unsigned xoff = which ? FADT_OFF_X_PM1B_CNT_BLK : FADT_OFF_X_PM1A_CNT_BLK;
    if (len >= xoff + 12 && rd64(f + xoff + GAS_OFF_ADDRESS)) {
        memcpy(g, f + xoff, 12);
        return true;
    }
    uint32_t port = rd32(f + (which ? FADT_OFF_PM1B_CNT_BLK : FADT_OFF_PM1A_CNT_BLK));
    if (!port)
        return false;
    memset(g, 0, 12);
    g[GAS_OFF_SPACE] = GAS_SPACE_IO;
    g[GAS_OFF_BIT_WIDTH] = 16;
    g[GAS_OFF_ACCESS_SIZE] = 2;
    memcpy(g + GAS_OFF_ADDRESS, &(uint64_t){port}, 8);
    return true;
}

static uint32_t fadt_flags(void)
{
    return rd32(A.fadt + SDT_OFF_LENGTH) >= FADT_OFF_FLAGS + 4 ? rd32(A.fadt + FADT_OFF_FLAGS) : 0;
}

static void settle(void)
{
    rt_udelay(50000);
}

void rt_poweroff(void)
{
    rt_cli();
    const struct rt_acpi *a = rt_acpi();
    if (a->fadt && a->s5_found) {
        uint32_t flen = rd32(a->fadt + SDT_OFF_LENGTH);
        if ((fadt_flags() & FADT_FLAG_HW_REDUCED) && flen >= FADT_OFF_SLEEP_CONTROL + 12 &&
            gas_addr(a->fadt + FADT_OFF_SLEEP_CONTROL)) {
            gas_write(a->fadt + FADT_OFF_SLEEP_CONTROL,
                      (a->s5_typa << SLEEP_CTL_SLP_TYP_SHIFT) | SLEEP_CTL_SLP_EN);
        } else {
            uint8_t g[12];
            if (pm1_cnt(0, g)) {
                uint32_t smi = rd32(a->fadt + FADT_OFF_SMI_CMD);
                uint8_t en = a->fadt[FADT_OFF_ACPI_ENABLE];
                if (smi && en && !(gas_read(g) & PM1_CNT_SCI_EN)) {
                    /* §16.3.1: legacy mode; ask firmware to switch to ACPI mode. */
                    outb((uint16_t)smi, en);
                    for (int i = 0; i < 1000 && !(gas_read(g) & PM1_CNT_SCI_EN); i++)
                        ;
                }
                uint32_t v = gas_read(g) & ~((7u << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
                uint8_t gb[12];
                if (pm1_cnt(1, gb))
                    gas_write(gb, v | ((uint32_t)a->s5_typb << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
                gas_write(g, v | ((uint32_t)a->s5_typa << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
            }
        }
        settle();
        rt_printf("# poweroff: ACPI S5 write did not stop the machine\n");
    } else {
        rt_printf("# poweroff: no ACPI FADT or \\_S5 (rsdp=0x%lx fadt=%p dsdt=%p)\n", a->rsdp, a->fadt, a->dsdt);
    }
    rt_halt_forever();
}

bool rt_acpi_reset_reg(void)
{
    const struct rt_acpi *a = rt_acpi();
    if (!a->fadt || !(fadt_flags() & FADT_FLAG_RESET_REG_SUP) ||
        rd32(a->fadt + SDT_OFF_LENGTH) < FADT_OFF_RESET_VALUE + 1)
        return false;
    gas_write(a->fadt + FADT_OFF_RESET_REG, a->fadt[FADT_OFF_RESET_VALUE]);
    return true;
}

void rt_reset(void)
{
    rt_cli();
    if (rt_acpi_reset_reg())
        settle();
    outb(PORT_RESET_CF9, CF9_HARD_RESET);
    settle();
    outb(I8042_CMD, I8042_PULSE_RESET);
    settle();
    rt_triple_fault();
}

void rt_triple_fault(void)
{
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } null_idt = {0, 0};
    rt_cli();
    __asm__ volatile("lidt %0" : : "m"(null_idt));
    /* Any exception now finds no IDT: #GP -> #DF -> shutdown (SDM Vol. 3A
     * §6.15). ud2 raises #UD everywhere we tried; a non-canonical load
     * (#GP) backs it up. (A division by zero does not: the kvm_pvm ring-0
     * emulator returns without #DE.) */
    __asm__ volatile("ud2");
    (void)*(volatile uint64_t *)rt_phys(0x8000000000000000ull);
    for (;;)
        __asm__ volatile("hlt");
}

void rt_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void rt_pvpanic(void)
{
    uint16_t port = (uint16_t)rt_cmdline_u64("pvpanic", PVPANIC_PORT_DEFAULT);
    outb(port, PVPANIC_PANICKED);
}
