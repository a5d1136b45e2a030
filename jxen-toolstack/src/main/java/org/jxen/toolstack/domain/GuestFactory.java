package org.jxen.toolstack.domain;

import org.jxen.vmm.device.legacy.Uart8250;
import org.jxen.vmm.machine.HostFacts;
import org.jxen.vmm.machine.MachineSpec;

/** Builds a domain's VM: {@link MachineGuests} on KVM, a scripted fake in the tests. */
@FunctionalInterface
public interface GuestFactory {
    /**
     * Builds (does not start) a guest.
     *
     * @param console receives the guest's serial output, on vCPU threads
     * @throws DomainException with one sentence when the kernel cannot be booted or KVM refuses
     */
    Guest build(MachineSpec spec, Uart8250.Sink console) throws DomainException;

    /** As {@link #build(MachineSpec, Uart8250.Sink)}, with the domain's virtio devices (disks, vifs). */
    default Guest build(MachineSpec spec, Uart8250.Sink console, java.util.List<org.jxen.vmm.machine.Machine.VirtioDeviceFactory> devices)
            throws DomainException {
        return build(spec, console);
    }

    /** What this host's KVM is; for {@code xl info} and the Domain-0 row. */
    default HostFacts host() {
        return null;
    }
}
