package org.jxen.vmm.virtio;

import java.util.List;

/**
 * A virtio device behind a transport (virtio 1.2 §2-§5): what it offers, its configuration
 * space, and what it does once the driver has set it up. The transport owns the feature
 * negotiation, the status and the queues' addresses; the device gets ready queues.
 *
 * <p>Threads: the transport calls these from vCPU threads (config access, notifications) and
 * from the control thread (reset); implementations synchronise their own state.
 */
public interface VirtioDevice {
    /** The device ID (virtio 1.2 §5: 1 net, 2 block, 4 rng, 5 balloon). */
    int deviceType();

    /** Device-specific feature bits (the transport adds VERSION_1 and the ring features). */
    long features();

    int queueCount();

    /** Largest size of queue {@code q}. */
    int queueMaxSize(int q);

    /** The device configuration space (virtio 1.2 §4.1.4.6), as the driver reads it now. */
    byte[] config();

    /** The driver wrote the device configuration space (most devices ignore it). */
    default void configWrite(int offset, byte[] data) {
    }

    /** DRIVER_OK: the driver negotiated {@code features} and set up {@code queues} (null for a disabled queue). */
    void activate(long features, List<SplitQueue> queues, Interrupts interrupts);

    /** The driver notified queue {@code q} (available buffers). */
    void queueNotify(int q);

    /** The driver reset the device: forget the queues. */
    void reset();

    /** How a device interrupts the driver: per queue, and for a configuration change. */
    interface Interrupts {
        void queue(int q);

        void config();
    }
}
