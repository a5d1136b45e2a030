/*
 * MADT parsing, the local APIC (xAPIC MMIO), the I/O APIC route for an
 * ISA IRQ, and the 8259 mask. Runs on: the BSP (rt_lapic_id on any CPU).
 */
#include "rt.h"

struct ioapic {
    uint64_t addr;
    uint32_t gsi_base, nredir;
};
struct iso {
    uint8_t src;
    uint32_t gsi;
    uint16_t flags;
};
static struct ioapic ioapics[8];
static int nioapics;
static struct iso isos[16];
static int nisos;
static uint64_t lapic_base;
static bool madt_done, irq_ready;
struct rt_cpu rt_cpus[RT_MAX_CPUS];
int rt_ncpus;

static uint32_t ioapic_read(const struct ioapic *io, uint32_t reg)
{
    mmio_write32(io->addr + IOAPIC_REGSEL, reg);
    return mmio_read32(io->addr + IOAPIC_WIN);
}

static void ioapic_write(const struct ioapic *io, uint32_t reg, uint32_t v)
{
    mmio_write32(io->addr + IOAPIC_REGSEL, reg);
    mmio_write32(io->addr + IOAPIC_WIN, v);
}

static void add_cpu(uint32_t apic_id, uint32_t flags)
{
    if (!(flags & MADT_LAPIC_ENABLED) || rt_ncpus >= RT_MAX_CPUS)
        return;
    for (int i = 0; i < rt_ncpus; i++)
        if (rt_cpus[i].apic_id == apic_id)
            return;
    rt_cpus[rt_ncpus].apic_id = apic_id;
    rt_cpus[rt_ncpus].enabled = true;
    rt_ncpus++;
}

static void parse_madt(void)
{
    if (madt_done)
        return;
    madt_done = true;
    lapic_base = rdmsr(MSR_APIC_BASE) & ~0xFFFull & ((1ull << 52) - 1);
    const uint8_t *m = rt_acpi()->madt;
    if (!m)
        return;
    lapic_base = rd32(m + MADT_OFF_LAPIC_ADDR);
    uint32_t len = rd32(m + SDT_OFF_LENGTH);
    for (uint32_t off = MADT_OFF_ENTRIES; off + 2 <= len;) {
        const uint8_t *e = m + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || off + elen > len)
            break;
        switch (type) {
        case MADT_LAPIC:          /* uid, apic id, flags(4) */
            if (elen >= 8)
                add_cpu(e[3], rd32(e + 4));
            break;
        case MADT_X2APIC:         /* reserved(2), x2apic id(4), flags(4), uid(4) */
            if (elen >= 16)
                add_cpu(rd32(e + 4), rd32(e + 8));
            break;
        case MADT_IOAPIC:         /* id, reserved, address(4), gsi base(4) */
            if (elen >= 12 && nioapics < (int)RT_ARRAY_SIZE(ioapics)) {
                ioapics[nioapics].addr = rd32(e + 4);
                ioapics[nioapics].gsi_base = rd32(e + 8);
                nioapics++;
            }
            break;
        case MADT_ISO:            /* bus, source, gsi(4), flags(2) */
            if (elen >= 10 && nisos < (int)RT_ARRAY_SIZE(isos)) {
                isos[nisos].src = e[3];
                isos[nisos].gsi = rd32(e + 4);
                isos[nisos].flags = rd16(e + 8);
                nisos++;
            }
            break;
        case MADT_LAPIC_OVERRIDE: /* reserved(2), address(8) */
            if (elen >= 12)
                lapic_base = rd64(e + 4);
            break;
        }
        off += elen;
    }
}

uint64_t rt_lapic_base(void)
{
    parse_madt();
    return lapic_base;
}

uint32_t rt_lapic_id(void)
{
    uint64_t b = lapic_base ? lapic_base : LAPIC_DEFAULT_BASE;
    return mmio_read32(b + LAPIC_ID) >> 24;
}

void rt_lapic_eoi(void)
{
    mmio_write32(lapic_base + LAPIC_EOI, 0);
}

int rt_madt_cpus(void)
{
    parse_madt();
    uint32_t me = rt_lapic_id();
    bool found = false;
    for (int i = 0; i < rt_ncpus; i++)
        if (rt_cpus[i].apic_id == me)
            rt_cpus[i].bsp = found = true;
    if (!found && rt_ncpus < RT_MAX_CPUS) {     /* no MADT, or it omits us */
        rt_cpus[rt_ncpus] = (struct rt_cpu){.apic_id = me, .enabled = true, .bsp = true};
        rt_ncpus++;
    }
    for (int i = 0; i < rt_ncpus; i++)
        if (rt_cpus[i].bsp)
            rt_cpus[i].online = true;
    return rt_ncpus;
}

bool rt_irq_init(void)
{
    if (irq_ready)
        return true;
    parse_madt();
    rt_map_identity(lapic_base, 4096);
    /* Mask both 8259s so that only the I/O APIC delivers. */
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
    mmio_write32(lapic_base + LAPIC_TPR, 0);
    mmio_write32(lapic_base + LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
    for (int i = 0; i < nioapics; i++) {
        rt_map_identity(ioapics[i].addr, 4096);
        ioapics[i].nredir = ((ioapic_read(&ioapics[i], IOAPIC_REG_VER) >> 16) & 0xFF) + 1;
    }
    irq_ready = nioapics > 0;
    if (!irq_ready)
        rt_printf("# irq: the MADT lists no I/O APIC\n");
    return irq_ready;
}

static struct ioapic *ioapic_for(uint32_t gsi, uint32_t *pin)
{
    for (int i = 0; i < nioapics; i++) {
        struct ioapic *io = &ioapics[i];
        if (gsi >= io->gsi_base && gsi < io->gsi_base + io->nredir) {
            *pin = gsi - io->gsi_base;
            return io;
        }
    }
    return NULL;
}

int rt_ioapic_route(unsigned irq, uint8_t vector, uint16_t dflt_flags, bool masked)
{
    uint32_t gsi = irq;
    uint16_t flags = 0;
    for (int i = 0; i < nisos; i++)
        if (isos[i].src == irq) {
            gsi = isos[i].gsi;
            flags = isos[i].flags;
        }
    /* MPS INTI flags (ACPI 6.5 Table 5.26): 00 = conforms to the bus, so
     * the caller's default (ISA: edge, active high; SCI: level, active low). */
    uint16_t pol = flags & MPS_INTI_POL_MASK, trig = flags & MPS_INTI_TRIG_MASK;
    if (!pol)
        pol = dflt_flags & MPS_INTI_POL_MASK;
    if (!trig)
        trig = dflt_flags & MPS_INTI_TRIG_MASK;
    uint32_t lo = vector | (masked ? IOREDTBL_MASKED : 0);
    if (pol == MPS_INTI_POL_LOW)
        lo |= IOREDTBL_POLARITY_LOW;
    if (trig == MPS_INTI_TRIG_LEVEL)
        lo |= IOREDTBL_LEVEL;
    uint32_t pin;
    struct ioapic *io = ioapic_for(gsi, &pin);
    if (!io) {
        rt_printf("# irq: no I/O APIC serves GSI %u\n", gsi);
        return -1;
    }
    ioapic_write(io, IOAPIC_REDTBL(pin) + 1, rt_lapic_id() << 24);
    ioapic_write(io, IOAPIC_REDTBL(pin), lo);
    rt_printf("# irq: ISA IRQ %u -> GSI %u (ioapic %d pin %u) vector 0x%x%s%s\n", irq, gsi, (int)(io - ioapics), pin,
              vector, (lo & IOREDTBL_LEVEL) ? " level" : " edge", (lo & IOREDTBL_POLARITY_LOW) ? " low" : " high");
    return (int)gsi;
}

bool rt_ioapic_route_isa(unsigned irq, uint8_t vector)
{
    return rt_ioapic_route(irq, vector, 0, false) >= 0;
}

uint32_t rt_ioapic_rte_lo(uint32_t gsi)
{
    uint32_t pin;
    struct ioapic *io = ioapic_for(gsi, &pin);
    return io ? ioapic_read(io, IOAPIC_REDTBL(pin)) : 0;
}

void rt_ioapic_mask(uint32_t gsi, bool masked)
{
    uint32_t pin;
    struct ioapic *io = ioapic_for(gsi, &pin);
    if (!io)
        return;
    uint32_t lo = ioapic_read(io, IOAPIC_REDTBL(pin));
    ioapic_write(io, IOAPIC_REDTBL(pin), masked ? lo | IOREDTBL_MASKED : lo & ~IOREDTBL_MASKED);
}

void rt_apic_icr(uint32_t apic_id, uint32_t lo)
{
    for (int i = 0; i < 100000 && (mmio_read32(lapic_base + LAPIC_ICR_LO) & ICR_BUSY); i++)
        ;
    mmio_write32(lapic_base + LAPIC_ICR_HI, apic_id << 24);
    mmio_write32(lapic_base + LAPIC_ICR_LO, lo);
}
