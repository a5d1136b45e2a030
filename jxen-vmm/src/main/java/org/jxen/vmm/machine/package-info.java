/**
 * The machine builder: the only place that knows every device and the address map. A
 * {@link org.jxen.vmm.machine.MachineSpec} goes in; a running {@link org.jxen.vmm.machine.Machine}
 * comes out, and ends with a {@link org.jxen.vmm.vcpu.ShutdownReason}. Also the facts about the
 * host's KVM ({@link org.jxen.vmm.machine.HostFacts}).
 */
package org.jxen.vmm.machine;
