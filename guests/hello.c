/*
 * hello: the boot benchmark guest. Prints `jxen-guest hello marker` right
 * after entry, then checks the boot magic, the command line, the RSDP and
 * table checksums, FADT and MADT, and prints the CPUID vendor.
 * Also lists boot modules (`# module N paddr=.. size=.. cmdline=".."`).
 * Keys: expect_cmdline=<word> (optional; checks that word is present).
 */
#include "rt.h"

RT_GUEST("hello");

void guest_early(void)
{
    rt_puts("jxen-guest hello marker\n");
}

void guest_main(void)
{
    if (rt_boot.kind == RT_BOOT_PVH)
        rt_check(rt_boot.magic == XEN_HVM_START_MAGIC_VALUE, "pvh start_info magic", "magic=0x%x at 0x%lx",
                 rt_boot.magic, rt_boot.info_addr);
    else
        rt_check(rt_boot.magic == MULTIBOOT_BOOTLOADER_MAGIC, "multiboot magic", "eax=0x%x", rt_boot.magic);
    rt_info("boot=%s cmdline=\"%s\"", rt_boot.kind == RT_BOOT_PVH ? "pvh" : "multiboot", rt_boot.cmdline);
    for (int i = 0; i < rt_boot.nmods; i++)
        rt_printf("# module %d paddr=0x%lx size=0x%lx cmdline=\"%s\"\n", i, rt_boot.mods[i].paddr, rt_boot.mods[i].size,
                  rt_boot.mods[i].cmdline);
    const char *want = rt_cmdline_get("expect_cmdline");
    if (want)
        rt_check(rt_cmdline_get(want) != NULL, "command line parsed", "word '%s' not found in \"%s\"", want,
                 rt_boot.cmdline);
    else
        rt_check(rt_boot.cmdline != NULL, "command line parsed", "no command line");

    const struct rt_acpi *a = rt_acpi();
    rt_check(a->rsdp != 0, "rsdp found", "no RSDP (%s)", rt_boot.rsdp_from_bootinfo ? "start_info" : "scanned");
    rt_info("rsdp=0x%lx from=%s root=%s", a->rsdp, rt_boot.rsdp_from_bootinfo ? "bootinfo" : "scan",
            a->root ? (a->root_is_xsdt ? "XSDT" : "RSDT") : "none");
    rt_check(a->ok && a->bad_checksums == 0, "acpi checksums valid", "%d bad table(s), root %s", a->bad_checksums,
             a->root ? "ok" : "missing");
    rt_acpi_print_tables();
    rt_check(a->fadt != NULL, "fadt present", "no FACP table");
    rt_check(a->madt != NULL, "madt present", "no APIC table");

    uint32_t r[4];
    char vendor[13], hv[13];
    cpuid(0, 0, r);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    vendor[12] = '\0';
    cpuid(1, 0, r);
    bool hv_bit = r[2] & CPUID1_ECX_HYPERVISOR;
    hv[0] = '\0';
    if (hv_bit) {
        cpuid(0x40000000, 0, r);
        memcpy(hv, &r[1], 4);
        memcpy(hv + 4, &r[2], 4);
        memcpy(hv + 8, &r[3], 4);
        hv[12] = '\0';
        for (int i = 0; i < 12; i++)
            if (hv[i] && (hv[i] < 0x20 || hv[i] > 0x7E))
                hv[i] = '.';
    }
    rt_printf("# cpuid vendor=%s hypervisor=%s\n", vendor, hv_bit ? hv : "none");
}
