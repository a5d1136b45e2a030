/*
 * Extends head.S's static 0-4 GiB identity map for RAM or devices above
 * 4 GiB: 1 GiB pages when CPUID says pdpe1gb, else 2 MiB pages from a
 * static pool of page directories. One PDPT, so up to 512 GiB.
 * Runs on: the BSP, ring 0.
 */
#include "rt.h"

#define PD_POOL 60                      /* 60 GiB above 4 GiB without 1 GiB pages */
extern uint64_t rt_pdpt[512];
/* Every table is fully written before use, so the bzImage stub need not zero it (link.ld.S). */
static uint64_t pd_pool[PD_POOL][512] __attribute__((aligned(4096), section(".bss.noinit.pd_pool")));
static int pd_used;
static int has_1g = -1;

bool rt_map_identity(uint64_t base, uint64_t len)
{
    if (len == 0 || base + len <= (4ull << 30))
        return true;
    if (rt_cpl() != 0)
        return false;
    if (has_1g < 0) {
        uint32_t r[4];
        cpuid(0x80000000, 0, r);
        has_1g = 0;
        if (r[0] >= 0x80000001) {
            cpuid(0x80000001, 0, r);
            has_1g = (r[3] & CPUID81_EDX_PDPE1GB) != 0;
        }
    }
    uint64_t first = base >> 30, last = (base + len - 1) >> 30;
    bool changed = false, ok = true;
    for (uint64_t g = first; g <= last; g++) {
        if (g >= 512) {
            ok = false;
            break;
        }
        if (rt_pdpt[g] & PTE_P)
            continue;
        if (has_1g) {
            rt_pdpt[g] = (g << 30) | PTE_LARGE;
        } else {
            if (pd_used >= PD_POOL) {
                ok = false;
                break;
            }
            uint64_t *pd = pd_pool[pd_used++];
            for (uint64_t i = 0; i < 512; i++)
                pd[i] = (g << 30) | (i << 21) | PTE_LARGE;
            rt_pdpt[g] = (uintptr_t)pd | PTE_TABLE;
        }
        changed = true;
    }
    if (changed) {
        uint64_t cr3;
        __asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
    }
    if (!ok)
        rt_printf("# paging: cannot map 0x%lx+0x%lx (limit 512 GiB, or %d GiB without 1 GiB pages)\n", base, len,
                  4 + PD_POOL);
    return ok;
}
