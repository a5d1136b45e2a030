/**
 * Guest physical memory: {@link org.jxen.vmm.memory.GuestAddress}, the bounds-checked
 * {@link org.jxen.vmm.memory.GuestMemory} over a memfd, and the
 * {@link org.jxen.vmm.memory.AddressMap} that places RAM, the 32-bit MMIO hole and the
 * platform's fixed addresses.
 */
package org.jxen.vmm.memory;
