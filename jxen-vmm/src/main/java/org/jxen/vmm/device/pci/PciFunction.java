package org.jxen.vmm.device.pci;

/**
 * One PCI function's configuration space. Offsets are within the 4 KiB extended space; sizes
 * are 1, 2 or 4 and naturally aligned (the bus splits nothing).
 *
 * <p>Calling thread: vCPU threads; implementations synchronise their own state.
 */
public interface PciFunction {
    int configRead(int offset, int size);

    void configWrite(int offset, int size, int value);
}
