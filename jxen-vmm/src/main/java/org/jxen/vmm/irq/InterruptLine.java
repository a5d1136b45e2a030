package org.jxen.vmm.irq;

/**
 * A level-sensitive interrupt wire from a device to the interrupt controllers. The device sets
 * the level it is driving; edge-triggered inputs (ISA IRQs) see the rising edges.
 */
public interface InterruptLine {
    void set(boolean level);

    /** A line that goes nowhere (a device built without an interrupt). */
    InterruptLine NONE = level -> {};
}
