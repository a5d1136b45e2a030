/*
 * demo: an interactive console for humans (`./jxen demo`). Brings up the
 * APs, shows CPUs, memory and PCI devices, then a `jxen-demo# ` prompt.
 * Input is interrupt-driven with backspace editing; Ctrl-C abandons the
 * line.
 */
#include "rt.h"

RT_GUEST("demo");

static int online;

static void cmd_cpus(void)
{
    rt_printf("cpus: %d online of %d listed in the MADT\n", online, rt_ncpus);
    for (int i = 0; i < rt_ncpus; i++)
        rt_printf("  cpu %d apic=%u%s%s\n", i, rt_cpus[i].apic_id, rt_cpus[i].bsp ? " bsp" : "",
                  rt_cpus[i].online ? "" : " (offline)");
}

static const char *mem_type(uint32_t t)
{
    switch (t) {
    case E820_RAM: return "ram";
    case E820_RESERVED: return "reserved";
    case E820_ACPI: return "acpi";
    case E820_NVS: return "acpi-nvs";
    case E820_UNUSABLE: return "unusable";
    default: return "other";
    }
}

static void cmd_mem(void)
{
    for (int i = 0; i < rt_boot.nmem; i++) {
        const struct rt_mem *m = &rt_boot.mem[i];
        if (!m->len)
            continue;
        rt_printf("  0x%012lx-0x%012lx %-8s %lu KiB\n", m->base, m->base + m->len - 1, mem_type(m->type),
                  m->len >> 10);
    }
    rt_printf("memory: %lu MiB usable\n", rt_ram_total() >> 20);
}

static void dev_line(const struct rt_pci_fn *f, void *ctx)
{
    (void)ctx;
    rt_printf("  %02x:%02x.%x %04x:%04x class %02x.%02x.%02x\n", f->bus, f->dev, f->fn, f->vendor, f->device, f->cls,
              f->subcls, f->progif);
}

static void cmd_devices(void)
{
    int n = rt_pci_enumerate(dev_line, NULL);
    rt_printf("pci: %d function(s)%s\n", n, rt_pci_ecam_present() ? " (ecam)" : rt_pci_cf8_present() ? " (cf8)" : "");
}

static void cmd_date(void)
{
    struct rt_time t;
    if (!rt_rtc_read(&t)) {
        rt_printf("rtc: not responding\n");
        return;
    }
    rt_printf("%04d-%02d-%02d %02d:%02d:%02d UTC (epoch %lu)\n", t.year, t.month, t.day, t.hour, t.minute, t.second,
              rt_time_to_epoch(&t));
}

static void cmd_help(void)
{
    rt_printf("commands:\n"
              "  help      this list\n"
              "  cpus      processors and their APIC ids\n"
              "  mem       the memory map\n"
              "  devices   PCI functions\n"
              "  date      the RTC's date and time\n"
              "  poweroff  ACPI S5\n"
              "  reboot    reset (FADT reset register, 0xCF9, i8042)\n"
              "  panic     report a crash through pvpanic\n"
              "Backspace edits, Ctrl-C abandons the line.\n");
}

void guest_main(void)
{
    rt_printf("\n  jxen demo guest: a tiny console running on %s boot\n\n",
              rt_boot.kind == RT_BOOT_PVH ? "PVH" : "Multiboot");
    online = rt_smp_start();
    cmd_cpus();
    cmd_mem();
    cmd_devices();
    if (!rt_serial_irq_enable()) {
        rt_printf("no interrupt route for COM1; cannot read input\n");
        return;
    }
    rt_printf("\ntype 'help' for commands\n");
    char line[128];
    for (;;) {
        rt_puts("jxen-demo# ");
        int n = rt_readline(line, sizeof(line));
        if (n <= 0)
            continue;                   /* empty line or Ctrl-C */
        char *c = line;
        while (*c == ' ')
            c++;
        size_t len = strlen(c);
        while (len && c[len - 1] == ' ')
            c[--len] = '\0';
        if (!*c)
            continue;
        if (!strcmp(c, "help")) {
            cmd_help();
        } else if (!strcmp(c, "cpus")) {
            cmd_cpus();
        } else if (!strcmp(c, "mem")) {
            cmd_mem();
        } else if (!strcmp(c, "devices")) {
            cmd_devices();
        } else if (!strcmp(c, "date")) {
            cmd_date();
        } else if (!strcmp(c, "poweroff")) {
            rt_printf("powering off\n");
            rt_poweroff();
        } else if (!strcmp(c, "reboot")) {
            rt_printf("rebooting\n");
            rt_reset();
        } else if (!strcmp(c, "panic")) {
            rt_printf("writing pvpanic\n");
            rt_pvpanic();
            rt_udelay(100000);
            rt_printf("the VMM did not stop us (no pvpanic device?)\n");
        } else {
            rt_printf("unknown command: %s (try 'help')\n", c);
        }
    }
}
