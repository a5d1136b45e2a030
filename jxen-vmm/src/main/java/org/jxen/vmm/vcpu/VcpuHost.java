package org.jxen.vmm.vcpu;

import org.jxen.vmm.bus.Bus;
import org.jxen.vmm.memory.GuestMemory;

/**
 * What a vCPU needs from the machine it belongs to. Implemented by the machine; called on
 * the vCPU's thread.
 */
public interface VcpuHost {
    Bus pio();

    Bus mmio();

    GuestMemory memory();

    /** Whether the machine is stopping, so the vCPU must leave its loop. */
    boolean stopping();

    /** Whether the machine is paused, so the vCPU must wait. */
    boolean paused();

    /** Blocks the calling vCPU thread while the machine is paused and not stopping. */
    void awaitUnpaused() throws InterruptedException;

    /** Ends the machine with {@code reason}; {@code detail} says why, for the log and the user. */
    void shutdown(ShutdownReason reason, String detail);

    /**
     * A guest {@code rdmsr}/{@code wrmsr} that KVM handed to user space. Returns the value read,
     * or null to give the guest #GP. For writes, {@code value} is what was written and a
     * non-null return accepts it.
     */
    default Long msr(Vcpu vcpu, boolean write, int index, long value) {
        return null;
    }
}
