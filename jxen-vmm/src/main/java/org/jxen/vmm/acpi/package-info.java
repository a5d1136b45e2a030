/**
 * ACPI tables (ACPI 6.x, chapter 5) and an AML writer (chapter 20) for the DSDT: RSDP, RSDT,
 * XSDT, FADT, MADT, MCFG and a DSDT that declares the processors, the PCI host bridge, COM1,
 * the RTC, pvpanic and the {@code \_S5} sleep state. Tests check the output with Debian's
 * {@code iasl}.
 */
package org.jxen.vmm.acpi;
