/**
 * The I/O port bus and the MMIO bus: address ranges mapped to offset-addressed
 * {@link org.jxen.vmm.bus.BusDevice}s, looked up on the vCPU thread at every port or MMIO exit.
 */
package org.jxen.vmm.bus;
