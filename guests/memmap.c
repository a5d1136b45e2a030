/*
 * memmap: prints the memory map, checks the usable total against
 * expect_mib= (rounded to the nearest MiB; the legacy hole at
 * 0xA0000-0xFFFFF and firmware reservations make the exact total a little
 * less than the configured RAM), and checks that RAM is readable and
 * writable: three words (start, middle, end) of every RAM region, touched
 * from ring 3 and restored, including RAM above 4 GiB.
 * Keys: expect_mib=<MiB> (optional).
 */
#include "rt.h"

RT_GUEST("memmap");

#define MAX_WORDS (3 * RT_MAX_MEM)
struct touch {
    uint64_t addr[MAX_WORDS];
    int n;
    uint64_t bad, wrote, read;
};

/* Ring 3: write a pattern, read it back, restore the old value. */
static uint64_t u_touch(uint64_t arg)
{
    struct touch *t = (struct touch *)arg;
    for (int i = 0; i < t->n; i++) {
        volatile uint64_t *p = (volatile uint64_t *)t->addr[i];
        uint64_t old = *p, pat = t->addr[i] ^ 0xA5A55A5A0F0FF0F0ull;
        *p = pat;
        uint64_t got = *p;
        *p = old;
        if (got != pat || *p != old) {
            t->bad = t->addr[i];
            t->wrote = pat;
            t->read = got;
            return i + 1;
        }
    }
    return 0;
}

static void add_word(struct touch *t, uint64_t a)
{
    extern uint8_t rt_image_start[], rt_image_end[];
    a &= ~7ull;
    if (a < 0x1000)
        return;                     /* real-mode IVT and BDA: not ours to poke */
    if (a >= (uintptr_t)rt_image_start && a < (uintptr_t)rt_image_end)
        return;                     /* our own code, data and stacks */
    if (a >= AP_TRAMPOLINE_ADDR && a < AP_TRAMPOLINE_ADDR + 0x1000)
        return;
    if (t->n < MAX_WORDS)
        t->addr[t->n++] = a;
}

static struct touch touch;

void guest_main(void)
{
    rt_print_memmap();
    uint64_t total = rt_ram_total();
    rt_printf("# ram total_kib=%lu\n", total >> 10);
    rt_check(rt_boot.nmem > 0, "memory map present", "%s gave no memory map",
             rt_boot.kind == RT_BOOT_PVH ? "start_info" : "multiboot info");
    const char *exp = rt_cmdline_get("expect_mib");
    if (exp) {
        uint64_t want = rt_cmdline_u64("expect_mib", 0);
        uint64_t got = (total + (512 << 10)) >> 20;
        rt_check(got == want, "usable ram matches expect_mib", "total %lu KiB rounds to %lu MiB, expected %lu MiB",
                 total >> 10, got, want);
    }
    uint64_t high = 0;
    int high_regions = 0;
    for (int i = 0; i < rt_boot.nmem; i++) {
        const struct rt_mem *m = &rt_boot.mem[i];
        if (m->type != E820_RAM || m->len < 8)
            continue;
        if (m->base + m->len > (4ull << 30)) {
            uint64_t b = m->base > (4ull << 30) ? m->base : (4ull << 30);
            high += m->base + m->len - b;
            high_regions++;
            if (!rt_map_identity(m->base, m->len)) {
                rt_check(false, "map ram above 4 GiB", "cannot map 0x%lx+0x%lx", m->base, m->len);
                continue;
            }
        }
        add_word(&touch, m->base);
        add_word(&touch, m->base + m->len / 2);
        add_word(&touch, m->base + m->len - 8);
    }
    if (high)
        rt_printf("# ram above_4g_kib=%lu regions=%d\n", high >> 10, high_regions);
    uint64_t r = rt_run_user(u_touch, (uint64_t)&touch);
    rt_check(r == 0, "ram words writable and readable", "at 0x%lx wrote 0x%lx read 0x%lx", touch.bad, touch.wrote,
             touch.read);
    rt_printf("# touched %d words in ring 3\n", touch.n);
    if (high) {
        int n = 0;
        for (int i = 0; i < touch.n; i++)
            if (touch.addr[i] >= (4ull << 30))
                n++;
        rt_check(r == 0 && n > 0, "ram above 4 GiB writable and readable", "%d words above 4 GiB, first failure 0x%lx",
                 n, touch.bad);
    }
}
