/*
 * misbehave: does things a VMM must survive or report. Prints
 * `misbehave: about to <x>` before each step.
 *   mmio         read/write unmapped MMIO (0xD0000000, 0xFEB00000); continues
 *   ports        in/out on unassigned ports (0x2F0, 0x510, 0xEE); continues
 *   triplefault  empty IDT + exception
 *   ldmxcsr      CR4.OSFXSR then ldmxcsr in ring 0 (kvm_pvm: emulation failure)
 *   vmcall       vmcall in ring 0 (kvm_pvm: never returns)
 *   vmmcall      vmmcall in ring 0 (kvm_pvm: never returns)
 *   ud2          ud2 in ring 0; the runtime's IDT reports #UD and powers off
 * Keys: do=<step>[,<step>...] (default mmio,ports).
 */
#include "rt.h"

RT_GUEST("misbehave");

static const uint64_t mmio_addrs[] = {0xD0000000u, 0xFEB00000u};
static const uint16_t ports[] = {0x2F0, 0x510, 0xEE};

static void about(const char *what)
{
    rt_printf("misbehave: about to %s\n", what);
}

static void do_mmio(void)
{
    about("mmio");
    for (unsigned i = 0; i < RT_ARRAY_SIZE(mmio_addrs); i++) {
        uint64_t a = mmio_addrs[i];
        uint32_t before = mmio_read32(a);
        mmio_write32(a, 0x4A58454E);        /* "JXEN" */
        uint32_t after = mmio_read32(a);
        rt_printf("# mmio 0x%lx read=0x%x after_write=0x%x\n", a, before, after);
    }
    rt_check(true, "alive after unmapped mmio", "-");
}

static void do_ports(void)
{
    about("ports");
    for (unsigned i = 0; i < RT_ARRAY_SIZE(ports); i++) {
        uint16_t p = ports[i];
        uint8_t b = inb(p);
        uint16_t w = inw(p);
        uint32_t l = inl(p);
        outb(p, 0x5A);
        outw(p, 0x5A5A);
        outl(p, 0x5A5A5A5A);
        rt_printf("# port 0x%x inb=0x%x inw=0x%x inl=0x%x\n", p, b, w, l);
    }
    rt_check(true, "alive after unassigned ports", "-");
}

static void do_ldmxcsr(void)
{
    about("ldmxcsr");
    uint64_t cr4;
    uint32_t mxcsr = 0x1F80;                 /* the reset value, SDM Vol. 1 §10.2.3 */
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    rt_check(true, "ldmxcsr in ring 0 completed", "-");
}

void guest_main(void)
{
    const char *what = rt_cmdline_get("do");
    if (!what || !*what)
        what = "mmio,ports";
    char buf[128];
    size_t n = strlen(what) < sizeof(buf) - 1 ? strlen(what) : sizeof(buf) - 1;
    memcpy(buf, what, n);
    buf[n] = '\0';
    for (char *s = buf; *s;) {
        char *e = s;
        while (*e && *e != ',')
            e++;
        bool last = !*e;
        *e = '\0';
        if (!strcmp(s, "mmio")) {
            do_mmio();
        } else if (!strcmp(s, "ports")) {
            do_ports();
        } else if (!strcmp(s, "triplefault")) {
            about("triplefault");
            rt_triple_fault();
        } else if (!strcmp(s, "ldmxcsr")) {
            do_ldmxcsr();
        } else if (!strcmp(s, "vmcall")) {
            about("vmcall");
            __asm__ volatile("vmcall" : : "a"(0ul) : "memory");
            rt_check(true, "vmcall returned", "-");
        } else if (!strcmp(s, "vmmcall")) {
            about("vmmcall");
            __asm__ volatile("vmmcall" : : "a"(0ul) : "memory");
            rt_check(true, "vmmcall returned", "-");
        } else if (!strcmp(s, "ud2")) {
            about("ud2");
            __asm__ volatile("ud2");
            rt_check(false, "ud2 raised #UD", "execution continued after ud2");
        } else {
            rt_check(false, "known step", "do=%s", s);
        }
        s = last ? e : e + 1;
    }
}
