/*
 * PCI configuration space by port 0xCF8/0xCFC (PCI Local Bus 3.0
 * §3.2.2.3.2, configuration mechanism #1) and by ECAM from the MCFG
 * (PCI Firmware 3.2 §4.1; PCIe Base §7.2.2), or from the `ecam=<base>`
 * command-line key when there is no MCFG. Enumerates bus 0 and the
 * buses behind PCI-PCI bridges. Runs on: the BSP, ring 0.
 */
#include "rt.h"

static int cf8_state = -1;
static bool ecam_done;
static uint64_t ecam_base;
static unsigned ecam_start, ecam_end;

uint32_t rt_pci_cf8_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    outl(PCI_CONF_ADDR, PCI_CONF_ENABLE | (bus << 16) | (dev << 11) | (fn << 8) | (off & 0xFC));
    return inl(PCI_CONF_DATA);
}

bool rt_pci_cf8_present(void)
{
    if (cf8_state < 0) {
        /* Mechanism #1 latches a 32-bit write to 0xCF8 and reads it back. */
        uint32_t old = inl(PCI_CONF_ADDR);
        outl(PCI_CONF_ADDR, PCI_CONF_ENABLE);
        cf8_state = inl(PCI_CONF_ADDR) == PCI_CONF_ENABLE;
        outl(PCI_CONF_ADDR, old);
    }
    return cf8_state;
}

bool rt_pci_ecam_present(void)
{
    if (!ecam_done) {
        ecam_done = true;
        const uint8_t *m = rt_acpi()->mcfg;
        if (m && rd32(m + SDT_OFF_LENGTH) >= MCFG_OFF_ENTRIES + MCFG_ENTRY_SIZE) {
            const uint8_t *e = m + MCFG_OFF_ENTRIES;   /* base(8) segment(2) start(1) end(1) */
            if (rd16(e + 8) == 0) {
                ecam_base = rd64(e);
                ecam_start = e[10];
                ecam_end = e[11];
            }
        } else if (rt_cmdline_get("ecam")) {
            /* No MCFG (QEMU microvm,pcie=on describes ECAM only in AML): ecam=<base> */
            ecam_base = rt_cmdline_u64("ecam", 0);
            ecam_start = 0;
            ecam_end = 255;
        }
        if (ecam_base && !rt_map_identity(ecam_base, (uint64_t)(ecam_end - ecam_start + 1) << 20))
            ecam_base = 0;
    }
    return ecam_base != 0;
}

uint32_t rt_pci_ecam_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    if (!rt_pci_ecam_present() || bus < ecam_start || bus > ecam_end)
        return 0xFFFFFFFF;
    return mmio_read32(ecam_base + ((uint64_t)(bus - ecam_start) << 20) + (dev << 15) + (fn << 12) + (off & 0xFFC));
}

uint32_t rt_pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
    if (rt_pci_ecam_present())
        return rt_pci_ecam_read32(bus, dev, fn, off);
    if (rt_pci_cf8_present())
        return rt_pci_cf8_read32(bus, dev, fn, off);
    return 0xFFFFFFFF;
}

static int scan_bus(unsigned bus, uint32_t *seen, void (*cb)(const struct rt_pci_fn *, void *), void *ctx, int depth)
{
    if (seen[bus / 32] & (1u << (bus % 32)) || depth > 8)
        return 0;
    seen[bus / 32] |= 1u << (bus % 32);
    int n = 0;
    for (unsigned dev = 0; dev < 32; dev++) {
        unsigned nfn = 1;
        for (unsigned fn = 0; fn < nfn; fn++) {
            uint32_t id = rt_pci_read32(bus, dev, fn, PCI_VENDOR_ID);
            if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0)
                continue;
            uint32_t cls = rt_pci_read32(bus, dev, fn, PCI_CLASS_REV);
            uint8_t hdr = (rt_pci_read32(bus, dev, fn, PCI_HEADER_TYPE & ~3u) >> 16) & 0xFF;
            if (fn == 0 && (hdr & PCI_HEADER_MULTIFUNC))
                nfn = 8;
            struct rt_pci_fn f = {
                .bus = (uint8_t)bus, .dev = (uint8_t)dev, .fn = (uint8_t)fn,
                .vendor = id & 0xFFFF, .device = id >> 16,
                .cls = cls >> 24, .subcls = (cls >> 16) & 0xFF, .progif = (cls >> 8) & 0xFF,
            };
            n++;
            if (cb)
                cb(&f, ctx);
            if (f.cls == PCI_CLASS_BRIDGE && f.subcls == PCI_SUBCLASS_PCI_BRIDGE && (hdr & 0x7F) == 1) {
                unsigned sec = (rt_pci_read32(bus, dev, fn, PCI_SECONDARY_BUS & ~3u) >> 8) & 0xFF;
                if (sec > bus)
                    n += scan_bus(sec, seen, cb, ctx, depth + 1);
            }
        }
    }
    return n;
}

int rt_pci_enumerate(void (*cb)(const struct rt_pci_fn *f, void *ctx), void *ctx)
{
    uint32_t seen[8] = {0};
    if (!rt_pci_ecam_present() && !rt_pci_cf8_present())
        return 0;
    return scan_bus(0, seen, cb, ctx, 0);
}

void rt_pci_print(const struct rt_pci_fn *f, void *ctx)
{
    (void)ctx;
    rt_printf("# pci %02x:%02x.%x %04x:%04x class %02x.%02x.%02x\n", f->bus, f->dev, f->fn, f->vendor, f->device,
              f->cls, f->subcls, f->progif);
}
