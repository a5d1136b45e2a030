/*
 * AP start-up: INIT / SIPI / SIPI (SDM Vol. 3A §9.4.4.1) to every enabled
 * MADT processor, through the real-mode trampoline in head.S copied to
 * AP_TRAMPOLINE_ADDR. Each AP checks in (atomic counter + its APIC id) and
 * halts. All waits are bounded by the TSC.
 * Runs on: the BSP (rt_smp_start), each AP (rt_ap_main).
 */
#include "rt.h"

volatile uint32_t rt_ap_checked_in;
static volatile uint32_t ap_ids[RT_MAX_AP_STACKS];

void rt_ap_main(uint32_t slot)
{
    rt_load_idt();
    ap_ids[slot] = rt_lapic_id();
    __atomic_add_fetch(&rt_ap_checked_in, 1, __ATOMIC_RELEASE);
    rt_halt_forever();
}

static bool trampoline_in_ram(void)
{
    for (int i = 0; i < rt_boot.nmem; i++) {
        const struct rt_mem *m = &rt_boot.mem[i];
        if (m->type == E820_RAM && m->base <= AP_TRAMPOLINE_ADDR && m->base + m->len >= AP_TRAMPOLINE_ADDR + 4096)
            return true;
    }
    return false;
}

static uint32_t wait_for(uint32_t want, uint64_t us)
{
    uint64_t end = rdtsc() + us * rt_tsc_khz() / 1000;
    while (__atomic_load_n(&rt_ap_checked_in, __ATOMIC_ACQUIRE) < want && rdtsc() < end)
        ;
    return __atomic_load_n(&rt_ap_checked_in, __ATOMIC_ACQUIRE);
}

int rt_smp_start(void)
{
    extern const uint8_t rt_ap_tramp_start[], rt_ap_tramp_end[];
    rt_madt_cpus();
    rt_irq_init();
    uint32_t aps = 0;
    for (int i = 0; i < rt_ncpus; i++)
        if (!rt_cpus[i].bsp)
            aps++;
    if (aps == 0)
        return 1;
    if (aps > RT_MAX_AP_STACKS) {
        rt_printf("# smp: %u APs listed, starting only %u\n", aps, RT_MAX_AP_STACKS);
        aps = RT_MAX_AP_STACKS;
    }
    if (!trampoline_in_ram())
        rt_printf("# smp: 0x%x is not RAM in the memory map; using it anyway\n", AP_TRAMPOLINE_ADDR);
    memcpy((void *)(uintptr_t)AP_TRAMPOLINE_ADDR, rt_ap_tramp_start, rt_ap_tramp_end - rt_ap_tramp_start);
    (void)rt_tsc_khz();
    uint32_t sent = 0;
    for (int i = 0; i < rt_ncpus && sent < aps; i++)
        if (!rt_cpus[i].bsp) {
            rt_apic_icr(rt_cpus[i].apic_id, ICR_INIT);
            sent++;
        }
    rt_udelay(10000);                   /* §9.4.4.1: 10 ms after INIT */
    for (int round = 0; round < 2; round++) {
        sent = 0;
        for (int i = 0; i < rt_ncpus && sent < aps; i++)
            if (!rt_cpus[i].bsp) {
                rt_apic_icr(rt_cpus[i].apic_id, ICR_STARTUP | (AP_TRAMPOLINE_ADDR >> 12));
                sent++;
            }
        if (wait_for(aps, round == 0 ? 200 : 0) >= aps)
            break;
    }
    uint32_t n = wait_for(aps, 1000000);
    for (uint32_t s = 0; s < n && s < RT_MAX_AP_STACKS; s++)
        for (int i = 0; i < rt_ncpus; i++)
            if (rt_cpus[i].apic_id == ap_ids[s] && !rt_cpus[i].bsp)
                rt_cpus[i].online = true;
    return (int)n + 1;
}

uint32_t rt_ap_reported_id(uint32_t slot)
{
    return ap_ids[slot];
}
