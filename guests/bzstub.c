/*
 * bzstub: a tiny fake Linux bzImage (<O>/bzstub.bzImage) that checks what a
 * loader hands to a kernel through the Linux boot protocol
 * (Documentation/arch/x86/boot.rst, zero-page.rst). The real-mode part is
 * bzsetup.S, the protected-mode head rt/hdr_bz.S (startup_32 at +0,
 * startup_64 at +0x200); see those files for the entry paths.
 * Checks:
 *   - long mode was active at the 64-bit entry (EFER.LMA, CR0.PG, CR4.PAE),
 *     CS=__BOOT_CS and DS=ES=SS=__BOOT_DS with the loader's GDT giving a
 *     64-bit code and a writable data segment, interrupts off;
 *   - RSI (ESI) points at boot_params with boot_flag 0xAA55, "HdrS", our
 *     protocol version, our header copied through kernel_info_offset
 *     (xloadflags, pref_address, init_size), type_of_loader = expect_loader;
 *   - e820_entries > 0, RAM total = expect_mib (rounded as memmap does);
 *   - cmd_line_ptr points at a NUL-terminated string of at most
 *     cmdline_size bytes (`# cmdline="..."`), in RAM, not in our image;
 *   - ramdisk_image/ramdisk_size describe RAM below initrd_addr_max, not
 *     overlapping our image; its first bytes (`# initrd ... first="..."`)
 *     start with initrd_magic= when given;
 *   - acpi_rsdp_addr points at a checksummed "RSD PTR " (required for the
 *     64-bit entry; a BIOS-booted kernel finds the RSDP by scanning, so it
 *     may be 0 after the 16-bit entry).
 * Then powers off through the ACPI tables found from that RSDP.
 * Keys: expect_mib=<MiB>, initrd_magic=<text>, expect_loader=<type_of_loader>
 *       (default 0xFF, "undefined"; QEMU writes 0xB0), expect_entry=16|32|64.
 */
#include "rt.h"

RT_GUEST("bzstub");

extern uint32_t rt_bz_entry, rt_bz_entry_efer;
extern uint64_t rt_bz_loaded_at, rt_bz_entry_rflags, rt_bz_entry_cr0, rt_bz_entry_cr4;
extern uint16_t rt_bz_entry_cs, rt_bz_entry_ds, rt_bz_entry_es, rt_bz_entry_ss;
extern uint8_t rt_bz_entry_gdt[10];
extern uint8_t rt_image_start[], rt_image_end[], bz_init_size[];

static bool overlaps_image(uint64_t a, uint64_t len)
{
    return a < (uintptr_t)rt_image_end && a + len > (uintptr_t)rt_image_start;
}

static bool in_ram(uint64_t a, uint64_t len)
{
    for (int i = 0; i < rt_boot.nmem; i++) {
        const struct rt_mem *m = &rt_boot.mem[i];
        if (m->type == E820_RAM && a >= m->base && a + len <= m->base + m->len)
            return true;
    }
    return false;
}

/* A GDT descriptor of the loader's, for the 64-bit entry checks (SDM Vol. 3A §3.4.5). */
static uint64_t loader_desc(uint16_t sel)
{
    uint64_t base = rd64(rt_bz_entry_gdt + 2);
    uint16_t limit = rd16(rt_bz_entry_gdt);
    if ((sel & ~7u) + 7u > limit)
        return 0;
    return rd64(rt_phys(base + (sel & ~7u)));
}

static void check_entry(void)
{
    rt_printf("# entry=%u loaded_at=0x%lx linked_at=0x%lx rflags=0x%lx cs=0x%x ds=0x%x es=0x%x ss=0x%x\n", rt_bz_entry,
              rt_bz_loaded_at, (uint64_t)(uintptr_t)rt_image_start, rt_bz_entry_rflags, rt_bz_entry_cs, rt_bz_entry_ds,
              rt_bz_entry_es, rt_bz_entry_ss);
    uint64_t want = rt_cmdline_u64("expect_entry", 0);
    if (want)
        rt_check(rt_bz_entry == want, "entered through the expected entry point", "entry %u, expected %lu",
                 rt_bz_entry, want);
    if (rt_bz_entry == 64) {
        rt_printf("# entry efer=0x%x cr0=0x%lx cr4=0x%lx gdt base=0x%lx limit=0x%x\n", rt_bz_entry_efer,
                  rt_bz_entry_cr0, rt_bz_entry_cr4, rd64(rt_bz_entry_gdt + 2), rd16(rt_bz_entry_gdt));
        rt_check((rt_bz_entry_efer & EFER_LMA) && (rt_bz_entry_cr0 & CR0_PG) && (rt_bz_entry_cr4 & CR4_PAE),
                 "long mode active at the 64-bit entry", "efer=0x%x cr0=0x%lx cr4=0x%lx", rt_bz_entry_efer,
                 rt_bz_entry_cr0, rt_bz_entry_cr4);
        uint64_t cs = loader_desc(rt_bz_entry_cs), ds = loader_desc(rt_bz_entry_ds);
        /* code: P (47), S (44), type bit 43 (code), L (53); data: P, S, type bit 41 (writable), not code */
        bool cs_ok = (cs >> 47 & 1) && (cs >> 44 & 1) && (cs >> 43 & 1) && (cs >> 53 & 1);
        bool ds_ok = (ds >> 47 & 1) && (ds >> 44 & 1) && !(ds >> 43 & 1) && (ds >> 41 & 1);
        rt_printf("# loader gdt[0x%x]=0x%016lx gdt[0x%x]=0x%016lx\n", rt_bz_entry_cs, cs, rt_bz_entry_ds, ds);
        rt_check(rt_bz_entry_cs == LINUX_BOOT_CS && rt_bz_entry_ds == LINUX_BOOT_DS &&
                     rt_bz_entry_es == LINUX_BOOT_DS && rt_bz_entry_ss == LINUX_BOOT_DS && cs_ok && ds_ok,
                 "__BOOT_CS and __BOOT_DS at entry", "cs=0x%x ds=0x%x es=0x%x ss=0x%x code64=%d data=%d",
                 rt_bz_entry_cs, rt_bz_entry_ds, rt_bz_entry_es, rt_bz_entry_ss, cs_ok, ds_ok);
    } else {
        uint32_t efer = (uint32_t)rdmsr(MSR_EFER);
        rt_check(efer & EFER_LMA, "long mode active", "efer=0x%x", efer);
        rt_check(rt_bz_entry_cs == LINUX_BOOT_CS && rt_bz_entry_ds == LINUX_BOOT_DS && rt_bz_entry_ss == LINUX_BOOT_DS,
                 "__BOOT_CS and __BOOT_DS at entry", "cs=0x%x ds=0x%x ss=0x%x", rt_bz_entry_cs, rt_bz_entry_ds,
                 rt_bz_entry_ss);
    }
    rt_check(!(rt_bz_entry_rflags & RFLAGS_IF), "interrupts disabled at entry", "rflags=0x%lx", rt_bz_entry_rflags);
}

static void check_header(const uint8_t *bp)
{
    rt_printf("# boot_params=0x%lx version=0x%x type_of_loader=0x%x loadflags=0x%x xloadflags=0x%x "
              "pref_address=0x%lx init_size=0x%x\n",
              (uint64_t)(uintptr_t)bp, rd16(bp + BP_VERSION), bp[BP_TYPE_OF_LOADER], bp[BP_LOADFLAGS],
              rd16(bp + BP_XLOADFLAGS), rd64(bp + BP_PREF_ADDRESS), rd32(bp + BP_INIT_SIZE));
    rt_check(bp && rd16(bp + BP_BOOT_FLAG) == LINUX_BOOT_FLAG && rd32(bp + BP_HEADER) == LINUX_HDRS_MAGIC,
             "boot_params has the setup header", "boot_flag=0x%x header=0x%x", rd16(bp + BP_BOOT_FLAG),
             rd32(bp + BP_HEADER));
    uint32_t init_size = (uint32_t)(uintptr_t)bz_init_size;
    rt_check(rd16(bp + BP_VERSION) == LINUX_PROTOCOL_2_15 && rd16(bp + BP_XLOADFLAGS) == XLF_KERNEL_64 &&
                 rd64(bp + BP_PREF_ADDRESS) == BZ_LOAD_ADDR && rd32(bp + BP_INIT_SIZE) == init_size &&
                 rd32(bp + BP_CMDLINE_SIZE) == BZ_CMDLINE_SIZE && rd32(bp + BP_KERNEL_ALIGNMENT) == BZ_ALIGN,
             "setup header copied through init_size", "version=0x%x xloadflags=0x%x pref=0x%lx init_size=0x%x (ours 0x%x)",
             rd16(bp + BP_VERSION), rd16(bp + BP_XLOADFLAGS), rd64(bp + BP_PREF_ADDRESS), rd32(bp + BP_INIT_SIZE),
             init_size);
    rt_check(!overlaps_image((uintptr_t)bp, BP_SIZE), "boot_params outside the kernel's init_size",
             "0x%lx overlaps 0x%lx-0x%lx", (uint64_t)(uintptr_t)bp, (uint64_t)(uintptr_t)rt_image_start,
             (uint64_t)(uintptr_t)rt_image_end);
    uint64_t loader = rt_cmdline_u64("expect_loader", LINUX_LOADER_UNDEFINED);
    rt_check(bp[BP_TYPE_OF_LOADER] == loader, "type_of_loader", "0x%x, expected 0x%lx", bp[BP_TYPE_OF_LOADER], loader);
    rt_check(bp[BP_LOADFLAGS] & LOADFLAGS_LOADED_HIGH, "loadflags LOADED_HIGH", "loadflags=0x%x", bp[BP_LOADFLAGS]);
}

static void check_memory(const uint8_t *bp)
{
    unsigned n = bp[BP_E820_ENTRIES];
    rt_print_memmap();
    uint64_t total = rt_ram_total();
    rt_printf("# e820_entries=%u ram total_kib=%lu\n", n, total >> 10);
    rt_check(n > 0 && n <= BP_E820_MAX, "e820 map present", "e820_entries=%u", n);
    if (rt_cmdline_get("expect_mib")) {
        uint64_t want = rt_cmdline_u64("expect_mib", 0), got = (total + (512 << 10)) >> 20;
        rt_check(got == want, "e820 ram matches expect_mib", "total %lu KiB rounds to %lu MiB, expected %lu MiB",
                 total >> 10, got, want);
    }
}

static void check_cmdline(const uint8_t *bp)
{
    uint64_t p = rd32(bp + BP_CMD_LINE_PTR) | (uint64_t)rd32(bp + BP_EXT_CMD_LINE_PTR) << 32;
    size_t max = BZ_CMDLINE_SIZE + 1, len = 0;
    const volatile char *s = rt_phys(p);
    if (p)
        while (len < max && s[len])
            len++;
    rt_printf("# cmd_line_ptr=0x%lx len=%lu\n", p, len);
    rt_printf("# cmdline=\"%s\"\n", rt_boot.cmdline);
    rt_check(p && len < max && in_ram(p, len + 1) && !overlaps_image(p, len + 1), "cmd_line_ptr",
             "ptr=0x%lx len=%lu%s%s", p, len, p && !in_ram(p, len + 1) ? " not in e820 RAM" : "",
             p && overlaps_image(p, len + 1) ? " overlaps the kernel" : "");
}

static void check_initrd(const uint8_t *bp)
{
    uint64_t a = rd32(bp + BP_RAMDISK_IMAGE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_IMAGE) << 32;
    uint64_t n = rd32(bp + BP_RAMDISK_SIZE) | (uint64_t)rd32(bp + BP_EXT_RAMDISK_SIZE) << 32;
    const char *magic = rt_cmdline_get("initrd_magic");
    if (!a || !n) {
        rt_printf("# initrd none\n");
        if (magic)
            rt_check(false, "initrd present", "initrd_magic=%s given but ramdisk_image=0x%lx ramdisk_size=0x%lx",
                     magic, a, n);
        return;
    }
    rt_map_identity(a, n);
    const uint8_t *d = rt_phys(a);
    char first[33], hex[16 * 2 + 1];
    unsigned k = n < 16 ? (unsigned)n : 16;
    for (unsigned i = 0; i < k; i++) {
        first[i] = d[i] >= 0x20 && d[i] < 0x7F && d[i] != '"' ? (char)d[i] : '.';
        rt_snprintf(hex + 2 * i, 3, "%02x", d[i]);
    }
    first[k] = '\0';
    hex[2 * k] = '\0';
    uint64_t max = rd32(bp + BP_INITRD_ADDR_MAX);
    rt_printf("# initrd paddr=0x%lx size=0x%lx first=\"%s\" hex=%s\n", a, n, first, hex);
    rt_check(in_ram(a, n) && a + n - 1 <= max && !overlaps_image(a, n), "initrd placed in ram",
             "0x%lx+0x%lx: in_ram=%d below initrd_addr_max=%d overlaps_kernel=%d", a, n, in_ram(a, n),
             a + n - 1 <= max, overlaps_image(a, n));
    if (magic) {
        size_t m = strlen(magic);
        rt_check(m <= n && !memcmp(d, magic, m), "initrd starts with initrd_magic", "first bytes \"%s\", expected \"%s\"",
                 first, magic);
    }
}

static void check_rsdp(const uint8_t *bp)
{
    uint64_t r = rd64(bp + BP_ACPI_RSDP_ADDR);
    rt_printf("# acpi_rsdp_addr=0x%lx\n", r);
    if (!r && rt_bz_entry == 16) {
        rt_printf("# acpi_rsdp_addr 0 after the 16-bit entry: the RSDP is found by scanning, as a BIOS kernel does\n");
        return;
    }
    rt_map_identity(r, RSDP_V2_LEN);
    bool ok = r && !memcmp(rt_phys(r), ACPI_RSDP_SIG, 8) && rt_acpi_checksum_ok(rt_phys(r), RSDP_V1_LEN);
    rt_check(ok, "acpi_rsdp_addr points at the RSDP", "0x%lx", r);
}

void guest_main(void)
{
    const uint8_t *bp = rt_phys(rt_boot.info_addr);
    check_entry();
    check_header(bp);
    check_memory(bp);
    check_cmdline(bp);
    check_initrd(bp);
    check_rsdp(bp);
    const struct rt_acpi *a = rt_acpi();
    rt_printf("# poweroff through rsdp=0x%lx (%s) fadt=%p s5=%d\n", a->rsdp,
              rt_boot.rsdp_from_bootinfo ? "acpi_rsdp_addr" : "scan", a->fadt, a->s5_found);
}
