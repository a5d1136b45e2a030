/*
 * powerbutton: the ACPI fixed-feature power button (ACPI 6.5 §4.8.3.1.1.1
 * "Fixed Power Button", §4.8.4.1 PM1 event registers, §5.2.9 FADT).
 * Routes the SCI (FADT SCI_INT, with the MADT's interrupt source override
 * for polarity and trigger; level/active low when it conforms to the bus)
 * through the I/O APIC to the BSP, switches to ACPI mode if the FADT asks
 * for it (SMI_CMD/ACPI_ENABLE), clears a stale PWRBTN_STS, sets PWRBTN_EN,
 * prints `powerbutton: armed` and sleeps with `sti; hlt` until the SCI
 * arrives. The SCI handler masks the (level-triggered) I/O APIC pin and
 * EOIs. Then: PWRBTN_STS must be set; it is cleared by writing 1; after
 * unmasking, no further SCI may arrive within 20 ms and PWRBTN_STS must
 * read 0 (the SCI line dropped). Prints `powerbutton: pressed` and powers
 * off (ACPI S5), which is the normal end.
 * Keys: wait_ms=<n>: give up after n ms (not ok, then the end line and
 *       power-off); without it the guest waits forever.
 * Timed waits use the LAPIC timer (TSC-deadline mode when CPUID has it,
 * else one-shot calibrated against the TSC), so every wait is `sti; hlt`.
 * A LAPIC that delivers an interrupt without acknowledging it (IRR left
 * set, ISR clear: kvm_pvm hosts) delivers it a second time; that copy is
 * let in (an I/O APIC write, then 2 ms with the pin masked) and reported
 * (`# lapic vector ...`) before the pin is unmasked.
 * Runs on: the BSP, ring 0 (set-up and a few port accesses only).
 */
#include "rt.h"

RT_GUEST("powerbutton");

static volatile uint32_t sci_count, timer_count;
static volatile uint16_t sci_sts;       /* PM1_STS as the SCI handler saw it */
static volatile bool timer_armed;
static uint64_t timer_due;              /* TSC when the armed timer fires */
static int sci_gsi = -1;
static uint8_t pm1_sts_gas[12], pm1_en_gas[12];
static bool tsc_deadline;
static uint64_t lapic_khz;

/* ---- PM1 event registers as Generic Address Structures (16 bits each) ---- */
static void gas_make(uint8_t g[12], uint8_t space, uint64_t addr)
{
    memset(g, 0, 12);
    g[GAS_OFF_SPACE] = space;
    g[GAS_OFF_BIT_WIDTH] = 16;
    g[GAS_OFF_ACCESS_SIZE] = 2;
    memcpy(g + GAS_OFF_ADDRESS, &addr, 8);
}

static uint16_t pm1_read(const uint8_t g[12])
{
    uint64_t a = rd64(g + GAS_OFF_ADDRESS);
    if (g[GAS_OFF_SPACE] == GAS_SPACE_MEMORY)
        return *(volatile uint16_t *)(uintptr_t)a;
    return inw((uint16_t)a);
}

static void pm1_write(const uint8_t g[12], uint16_t v)
{
    uint64_t a = rd64(g + GAS_OFF_ADDRESS);
    if (g[GAS_OFF_SPACE] == GAS_SPACE_MEMORY)
        *(volatile uint16_t *)(uintptr_t)a = v;
    else
        outw((uint16_t)a, v);
}

/* ---- interrupts ---- */
/* The LAPIC ISR or IRR bit of a vector: eight 32-bit registers, 16 bytes apart. */
static uint32_t lapic_vec_bit(uint32_t reg, uint8_t v)
{
    return (mmio_read32(rt_lapic_base() + reg + LAPIC_REG_STRIDE * (v / 32)) >> (v % 32)) & 1;
}

static uint32_t isr_in_handler, irr_in_handler;

static void sci_isr(void)
{
    if (sci_count++ == 0) {
        sci_sts = pm1_read(pm1_sts_gas);
        isr_in_handler = lapic_vec_bit(LAPIC_ISR, VEC_SCI);
        irr_in_handler = lapic_vec_bit(LAPIC_IRR, VEC_SCI);
    }
    /* Level-triggered and still asserted until we clear PWRBTN_STS: mask
     * the pin so the EOI cannot re-deliver it, and EOI. */
    rt_ioapic_mask((uint32_t)sci_gsi, true);
    rt_lapic_eoi();
}

static void timer_isr(void)
{
    timer_count++;
    timer_armed = false;
    rt_lapic_eoi();
}

static void timer_init(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    tsc_deadline = (r[2] & CPUID1_ECX_TSC_DEADLINE) != 0;
    uint64_t lapic = rt_lapic_base();
    rt_set_irq_handler(VEC_TIMER, timer_isr);
    if (tsc_deadline) {
        mmio_write32(lapic + LAPIC_LVT_TIMER, VEC_TIMER | LVT_TIMER_TSC_DEADLINE);
        return;
    }
    /* One-shot mode: count LAPIC timer ticks over 1 ms of TSC. */
    mmio_write32(lapic + LAPIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
    mmio_write32(lapic + LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_1);
    mmio_write32(lapic + LAPIC_TIMER_INIT, 0xFFFFFFFFu);
    rt_udelay(1000);
    lapic_khz = 0xFFFFFFFFu - mmio_read32(lapic + LAPIC_TIMER_CUR);
    mmio_write32(lapic + LAPIC_TIMER_INIT, 0);
    mmio_write32(lapic + LAPIC_LVT_TIMER, VEC_TIMER);
}

/* Interrupt after `us` microseconds (at most ~1 s per arm). */
static void timer_arm(uint64_t us)
{
    if (us > 1000000)
        us = 1000000;
    timer_armed = true;
    timer_due = rdtsc() + us * rt_tsc_khz() / 1000;
    if (tsc_deadline) {
        wrmsr(MSR_TSC_DEADLINE, rdtsc() + us * rt_tsc_khz() / 1000 + 1);
        return;
    }
    uint64_t n = us * lapic_khz / 1000 + 1;
    mmio_write32(rt_lapic_base() + LAPIC_TIMER_INIT, n > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)n);
}

/* Sleeps (sti; hlt) until cond() or until deadline_tsc (0 = forever). */
static void sleep_until(bool (*cond)(void), uint64_t deadline_tsc)
{
    for (;;) {
        rt_cli();
        if (cond())
            break;
        uint64_t now = rdtsc();
        if (deadline_tsc && now >= deadline_tsc)
            break;
        if (deadline_tsc && (!timer_armed || timer_due > deadline_tsc))
            timer_arm((deadline_tsc - now) * 1000 / rt_tsc_khz());
        /* sti;hlt: the interrupt shadow keeps a wake-up from slipping in between. */
        __asm__ volatile("sti; hlt" ::: "memory");
    }
    rt_cli();
}

static bool got_sci(void) { return sci_count > 0; }
static bool never(void) { return false; }

/* §16.3.1: legacy mode until OSPM writes ACPI_ENABLE to SMI_CMD. */
static void acpi_enable(const uint8_t *f)
{
    uint32_t smi = rd32(f + FADT_OFF_SMI_CMD);
    uint8_t en = f[FADT_OFF_ACPI_ENABLE];
    uint32_t cnt = rd32(f + FADT_OFF_PM1A_CNT_BLK);
    if (!smi || !en || !cnt)
        return;
    if (inw((uint16_t)cnt) & PM1_CNT_SCI_EN)
        return;
    outb((uint16_t)smi, en);
    for (int i = 0; i < 1000 && !(inw((uint16_t)cnt) & PM1_CNT_SCI_EN); i++)
        ;
    rt_printf("# acpi mode: wrote 0x%x to SMI_CMD 0x%x, SCI_EN=%u\n", en, smi, inw((uint16_t)cnt) & PM1_CNT_SCI_EN);
}

void guest_main(void)
{
    const struct rt_acpi *a = rt_acpi();
    const uint8_t *f = a->fadt;
    if (!rt_check(f != NULL, "fadt present", "no FACP table"))
        return;
    uint32_t flen = rd32(f + SDT_OFF_LENGTH);
    uint32_t flags = flen >= FADT_OFF_FLAGS + 4 ? rd32(f + FADT_OFF_FLAGS) : 0;
    uint16_t sci_int = rd16(f + FADT_OFF_SCI_INT);
    uint8_t evt_len = f[FADT_OFF_PM1_EVT_LEN];
    uint64_t xevt = flen >= FADT_OFF_X_PM1A_EVT_BLK + 12 ? rd64(f + FADT_OFF_X_PM1A_EVT_BLK + GAS_OFF_ADDRESS) : 0;
    uint8_t space = xevt ? f[FADT_OFF_X_PM1A_EVT_BLK + GAS_OFF_SPACE] : GAS_SPACE_IO;
    uint64_t evt = xevt ? xevt : rd32(f + FADT_OFF_PM1A_EVT_BLK);
    rt_printf("# fadt sci_int=%u pm1a_evt=%s:0x%lx pm1_evt_len=%u pm1b_evt=0x%x hw_reduced=%d pwr_button_cm=%d\n",
              sci_int, space == GAS_SPACE_MEMORY ? "mem" : "io", evt, evt_len, rd32(f + FADT_OFF_PM1B_EVT_BLK),
              !!(flags & FADT_FLAG_HW_REDUCED), !!(flags & FADT_FLAG_PWR_BUTTON));
    if (!rt_check(!(flags & FADT_FLAG_HW_REDUCED) && !(flags & FADT_FLAG_PWR_BUTTON) && evt && evt_len >= 4 &&
                      (space == GAS_SPACE_IO || space == GAS_SPACE_MEMORY),
                  "fixed-feature power button present",
                  "%s", (flags & FADT_FLAG_HW_REDUCED) ? "hardware-reduced ACPI (no PM1 event block)"
                        : (flags & FADT_FLAG_PWR_BUTTON) ? "FADT PWR_BUTTON=1: a control-method power button"
                                                         : "no usable PM1a event block"))
        return;
    /* §4.8.4.1: PM1_STS at the block's start, PM1_EN at PM1_EVT_LEN / 2. */
    gas_make(pm1_sts_gas, space, evt);
    gas_make(pm1_en_gas, space, evt + evt_len / 2);
    if (space == GAS_SPACE_MEMORY)
        rt_map_identity(evt, evt_len);
    acpi_enable(f);

    if (!rt_check(rt_irq_init(), "interrupt controllers found", "no I/O APIC in the MADT"))
        return;
    uint64_t wait_ms = rt_cmdline_u64("wait_ms", 0);
    timer_init();
    rt_set_irq_handler(VEC_SCI, sci_isr);
    uint16_t stale = pm1_read(pm1_sts_gas);
    pm1_write(pm1_sts_gas, PM1_STS_PWRBTN);             /* write 1 to clear a press before we listened */
    sci_gsi = rt_ioapic_route(sci_int, VEC_SCI, SCI_DEFAULT_FLAGS, false);
    if (!rt_check(sci_gsi >= 0, "sci routed", "no I/O APIC pin for SCI_INT %u", sci_int))
        return;
    pm1_write(pm1_en_gas, pm1_read(pm1_en_gas) | PM1_EN_PWRBTN);
    uint16_t en = pm1_read(pm1_en_gas);
    rt_printf("# pm1 sts_before=0x%x en=0x%x rte=0x%x wait_ms=%lu timer=%s\n", stale, en, rt_ioapic_rte_lo(sci_gsi),
              wait_ms, tsc_deadline ? "tsc-deadline" : "lapic-oneshot");
    rt_check(en & PM1_EN_PWRBTN, "PWRBTN_EN set", "PM1_EN reads 0x%x after setting bit 8", en);
    rt_puts("powerbutton: armed\n");

    uint64_t deadline = wait_ms ? rdtsc() + wait_ms * rt_tsc_khz() : 0;
    sleep_until(got_sci, deadline);
    if (!rt_check(sci_count > 0, "sci received", "no SCI within %lu ms (PM1_STS=0x%x, timer interrupts %u)", wait_ms,
                  pm1_read(pm1_sts_gas), timer_count)) {
        pm1_write(pm1_en_gas, pm1_read(pm1_en_gas) & ~PM1_EN_PWRBTN);
        return;
    }
    uint16_t sts = pm1_read(pm1_sts_gas);
    rt_printf("# sci count=%u pm1_sts_in_handler=0x%x pm1_sts=0x%x\n", sci_count, sci_sts, sts);
    rt_check((sci_sts & PM1_STS_PWRBTN) && (sts & PM1_STS_PWRBTN), "power button event",
             "PWRBTN_STS not set (PM1_STS 0x%x in the handler, 0x%x now)", sci_sts, sts);

    pm1_write(pm1_sts_gas, PM1_STS_PWRBTN);             /* write 1 to clear: the SCI line drops */
    uint16_t after = pm1_read(pm1_sts_gas);
    /* A LAPIC that delivered the SCI without acknowledging it (IRR still
     * set, ISR clear: seen on kvm_pvm hosts) delivers it once more after
     * the next exit that re-evaluates interrupts (an I/O APIC register
     * write does; sti and hlt alone do not). Let that copy in while the pin
     * is still masked, so that only a real re-assertion counts below. */
    uint32_t irr_pending = lapic_vec_bit(LAPIC_IRR, VEC_SCI);
    uint32_t before_drain = sci_count;
    rt_ioapic_mask((uint32_t)sci_gsi, true);
    sleep_until(never, rdtsc() + 2 * rt_tsc_khz());     /* 2 ms, pin masked */
    uint32_t dups = sci_count - before_drain;
    rt_printf("# lapic vector 0x%x: in handler isr=%u irr=%u; after it irr=%u; duplicate deliveries=%u\n", VEC_SCI,
              isr_in_handler, irr_in_handler, irr_pending, dups);
    rt_ioapic_mask((uint32_t)sci_gsi, false);           /* a still-asserted level line fires again now */
    sleep_until(never, rdtsc() + 20 * rt_tsc_khz());
    uint32_t rte = rt_ioapic_rte_lo(sci_gsi);
    uint32_t again = sci_count - before_drain - dups;
    rt_printf("# after clear: pm1_sts=0x%x sci count=%u rte=0x%x remote_irr=%u\n", after, sci_count, rte,
              !!(rte & IOREDTBL_REMOTE_IRR));
    rt_check(!(after & PM1_STS_PWRBTN) && again == 0, "sci line dropped",
             "PM1_STS 0x%x after writing 1 to PWRBTN_STS, %u SCI(s) after unmasking the pin", after, again);
    pm1_write(pm1_en_gas, pm1_read(pm1_en_gas) & ~PM1_EN_PWRBTN);
    rt_ioapic_mask((uint32_t)sci_gsi, true);
    rt_puts("powerbutton: pressed\n");
}
