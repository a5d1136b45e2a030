/**
 * The PCI host bridge: configuration space through ports 0xCF8/0xCFC (PCI Local Bus 3.0,
 * 3.2.2.3.2 "configuration mechanism #1") and through the PCIe ECAM window that the MCFG table
 * advertises (PCI Express Base 4.0, 7.2.2), the bridge's own function 00:00.0, and the reset
 * control register at 0xCF9 (Intel ICH "RST_CNT").
 */
package org.jxen.vmm.device.pci;
