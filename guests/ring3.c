/*
 * ring3: runs a 100-million-iteration loop in ring 3 and reports its
 * length in TSC ticks (`# ring3 loop tsc=N`); checks that ring 3 (CPL 3)
 * can write to COM1 through the TSS I/O bitmap (a denied port would #GP
 * and the runtime would report it).
 * Keys: iterations=<n> (default 100000000).
 */
#include "rt.h"

RT_GUEST("ring3");

static uint64_t u_print(uint64_t arg)
{
    (void)arg;
    rt_printf("# ring3: hello from cpl %u\n", rt_cpl());
    return rt_cpl();
}

static uint64_t u_loop(uint64_t n)
{
    uint64_t x = 0;
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < n; i++)
        __asm__ volatile("" : "+r"(x));
    return rdtsc() - t0;
}

void guest_main(void)
{
    uint64_t cpl = rt_run_user(u_print, 0);
    rt_check(cpl == 3, "ring-3 port output works", "ran at cpl %lu", cpl);
    uint64_t n = rt_cmdline_u64("iterations", 100000000);
    uint64_t t = rt_run_user(u_loop, n);
    uint64_t khz = rt_tsc_khz();
    rt_printf("# ring3 loop tsc=%lu iterations=%lu us=%lu tsc_khz=%lu (%s)\n", t, n, t * 1000 / khz, khz,
              rt_tsc_source());
    rt_check(t > 0, "ring-3 loop finished", "tsc did not advance");
}
