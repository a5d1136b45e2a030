/*
 * pci: enumerates (ECAM when the MCFG exists, else port 0xCF8), prints
 * `# pci BB:DD.F vvvv:dddd class cc.ss.pp`, checks for a host bridge
 * (class 06.00.00) at 00:00.0 and, when both mechanisms exist, that they
 * agree on every function of bus 0.
 * Keys: expect_ecam=1, expect_cf8=1 (optional: require that mechanism);
 *       ecam=<base> (ECAM base for buses 0-255 when there is no MCFG).
 */
#include "rt.h"

RT_GUEST("pci");

void guest_main(void)
{
    bool cf8 = rt_pci_cf8_present(), ecam = rt_pci_ecam_present();
    rt_acpi_print_tables();
    rt_printf("# pci mechanisms cf8=%d ecam=%d\n", cf8, ecam);
    if (rt_cmdline_u64("expect_cf8", 0))
        rt_check(cf8, "port 0xcf8 mechanism present", "0xCF8 does not latch");
    if (rt_cmdline_u64("expect_ecam", 0))
        rt_check(ecam, "ecam present", "no usable MCFG table");
    int n = rt_pci_enumerate(rt_pci_print, NULL);
    rt_printf("# pci functions=%d\n", n);
    uint32_t id = rt_pci_read32(0, 0, 0, PCI_VENDOR_ID), cls = rt_pci_read32(0, 0, 0, PCI_CLASS_REV) >> 8;
    rt_check((id & 0xFFFF) != 0xFFFF && cls == PCI_CLASS_HOST_BRIDGE, "host bridge at 00:00.0", "id=0x%08x class=%06x", id, cls);
    if (cf8 && ecam) {
        uint32_t a = rt_pci_cf8_read32(0, 0, 0, PCI_VENDOR_ID), b = rt_pci_ecam_read32(0, 0, 0, PCI_VENDOR_ID);
        rt_check(a == b, "ecam and cf8 agree on 00:00.0", "cf8 0x%08x ecam 0x%08x", a, b);
        int diff = 0;
        for (unsigned dev = 0; dev < 32; dev++)
            if (rt_pci_cf8_read32(0, dev, 0, PCI_VENDOR_ID) != rt_pci_ecam_read32(0, dev, 0, PCI_VENDOR_ID))
                diff++;
        rt_check(diff == 0, "ecam and cf8 agree on bus 0", "%d device slots differ", diff);
    }
}
