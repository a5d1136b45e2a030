/** Interrupt lines into KVM's in-kernel PIC/IOAPIC ({@code KVM_IRQ_LINE}), and MSI later. */
package org.jxen.vmm.irq;
