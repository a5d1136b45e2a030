package org.jxen.vmm.virtio;

/**
 * A driver broke the virtqueue rules (a descriptor out of the table or out of RAM, a loop, a
 * chain longer than the queue, a nested indirect table, an index that moved too far). The
 * device answers as the spec allows: that request fails, or the device needs a reset; the
 * message names the queue and what was wrong.
 */
public class VirtqueueException extends Exception {
    private final boolean needsReset;

    public VirtqueueException(String message, boolean needsReset) {
        super(message);
        this.needsReset = needsReset;
    }

    /** Whether the queue cannot go on (its indices are broken): DEVICE_NEEDS_RESET (virtio 1.2 §2.1.2). */
    public boolean needsReset() {
        return needsReset;
    }
}
