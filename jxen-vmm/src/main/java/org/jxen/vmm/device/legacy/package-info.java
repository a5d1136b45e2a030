/**
 * The PC's legacy devices, one class each, as register models with no FFM, no threads and no
 * KVM: the 16550A UART, the i8042's reset line, the MC146818 CMOS RTC, QEMU's pvpanic port and
 * the ACPI fixed-hardware registers (PM1 event and control blocks, PM timer, power button).
 */
package org.jxen.vmm.device.legacy;
