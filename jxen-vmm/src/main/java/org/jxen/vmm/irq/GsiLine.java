package org.jxen.vmm.irq;

import org.jxen.kvm.KvmException;
import org.jxen.kvm.KvmVm;

/**
 * A wire to KVM's in-kernel PIC and IOAPIC at one GSI ({@code KVM_IRQ_LINE}). Only level
 * changes reach the kernel.
 *
 * <p>Thread-safe: callers hold their device's lock while setting the level.
 */
public final class GsiLine implements InterruptLine {
    private final KvmVm vm;
    private final int gsi;
    private boolean level;

    public GsiLine(KvmVm vm, int gsi) {
        this.vm = vm;
        this.gsi = gsi;
    }

    public int gsi() {
        return gsi;
    }

    @Override
    public synchronized void set(boolean newLevel) {
        if (newLevel == level) {
            return;
        }
        level = newLevel;
        try {
            vm.irqLine(gsi, newLevel);
        } catch (KvmException e) {
            // Only a VM being torn down fails here; the device carries on.
            System.getLogger("org.jxen.vmm.irq").log(System.Logger.Level.DEBUG, "GSI " + gsi + ": " + e.getMessage());
        }
    }
}
