/*
 * smp: starts every enabled MADT processor with INIT/SIPI/SIPI, checks the
 * number that checked in and that APIC ids are distinct.
 * Keys: expect_cpus=<n> (optional; default: every CPU the MADT lists).
 */
#include "rt.h"

RT_GUEST("smp");

void guest_main(void)
{
    int listed = rt_madt_cpus();
    uint64_t t0 = rdtsc();
    int online = rt_smp_start();
    uint64_t t1 = rdtsc();
    uint64_t khz = rt_tsc_khz();
    rt_printf("# smp listed=%d online=%d start_us=%lu tsc_khz=%lu (%s)\n", listed, online,
              (t1 - t0) * 1000 / khz, khz, rt_tsc_source());
    uint32_t ids[RT_MAX_CPUS];
    int n = 0;
    for (int i = 0; i < rt_ncpus; i++)
        if (rt_cpus[i].bsp)
            ids[n++] = rt_cpus[i].apic_id;
    for (uint32_t s = 0; s < rt_ap_checked_in && n < RT_MAX_CPUS; s++)
        ids[n++] = rt_ap_reported_id(s);
    for (int i = 0; i < n; i++)
        rt_printf("# cpu %d apic=%u\n", i, ids[i]);
    uint64_t want = rt_cmdline_u64("expect_cpus", (uint64_t)listed);
    rt_check((uint64_t)online == want, "cpus checked in", "%d online, expected %lu (MADT lists %d)", online, want,
             listed);
    bool distinct = true;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (ids[i] == ids[j])
                distinct = false;
    rt_check(distinct, "apic ids distinct", "duplicate APIC id among %d CPUs", n);
}
