package org.jxen.vmm.acpi;

/**
 * What the ACPI tables describe: the facts of one machine, decided by the machine builder.
 *
 * @param vcpus number of processors (APIC ids 0..vcpus-1)
 * @param pmBase I/O port of the ACPI PM block (PM1a event at +0, control at +4, timer at +8)
 * @param sciIrq ISA IRQ of the SCI
 * @param resetPort I/O port of the reset register, written with {@code resetValue}
 * @param resetValue value that resets the machine
 * @param ecamBase physical address of the PCIe ECAM window (buses 0..255)
 * @param mmio32Base start of the 32-bit PCI memory window
 * @param mmio32Size its size
 * @param mmio64Base start of the 64-bit PCI memory window
 * @param mmio64Size its size (0 for none)
 * @param ioapicAddress IOAPIC base address
 * @param lapicAddress local APIC base address
 * @param com1 whether COM1 (0x3F8, IRQ 4) is present
 * @param pvpanicPort the pvpanic port, or 0 for none
 * @param rtcCentury CMOS index of the century byte
 */
public record AcpiPlatform(int vcpus, int pmBase, int sciIrq, int resetPort, int resetValue, long ecamBase,
                           long mmio32Base, long mmio32Size, long mmio64Base, long mmio64Size, long ioapicAddress,
                           long lapicAddress, boolean com1, int pvpanicPort, int rtcCentury) {}
