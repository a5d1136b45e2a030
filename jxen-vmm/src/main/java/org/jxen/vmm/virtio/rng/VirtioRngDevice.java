package org.jxen.vmm.virtio.rng;

import java.security.SecureRandom;
import java.util.List;

import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.util.RateLimitedLog;
import org.jxen.vmm.virtio.DescriptorChain;
import org.jxen.vmm.virtio.SplitQueue;
import org.jxen.vmm.virtio.VirtioDevice;
import org.jxen.vmm.virtio.VirtqueueException;

/**
 * virtio-rng (virtio 1.2 §5.4): fills each writable buffer the driver offers with bytes from the
 * host's {@link SecureRandom}. A request is capped at {@link #MAX_BYTES} (the guest asks for
 * more than it needs at its peril, not the host's: Firecracker caps it too).
 *
 * <p>Threads: served on the notifying thread; requests are small and the work is a copy.
 */
public final class VirtioRngDevice implements VirtioDevice {
    /** Device ID (virtio 1.2 §5: 4). */
    public static final int DEVICE_TYPE = 4;
    public static final int QUEUE_SIZE = 64;
    /** Most bytes one request gets: bounds what a guest can make the host generate per request. */
    public static final int MAX_BYTES = 64 * 1024;

    private final GuestMemory memory;
    private final SecureRandom random = new SecureRandom();
    private final RateLimitedLog warnings = new RateLimitedLog(System.getLogger("org.jxen.vmm.virtio.rng"), 5);
    private volatile SplitQueue queue;
    private volatile Interrupts interrupts;

    public VirtioRngDevice(GuestMemory memory) {
        this.memory = memory;
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long features() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    @Override
    public byte[] config() {
        return new byte[0];
    }

    @Override
    public void activate(long features, List<SplitQueue> queues, Interrupts interrupts) {
        this.queue = queues.get(0);
        this.interrupts = interrupts;
    }

    @Override
    public synchronized void queueNotify(int q) {
        SplitQueue sq = queue;
        if (sq == null) {
            return;
        }
        try {
            for (DescriptorChain c; (c = sq.popServable(m -> warnings.warn("chain", () -> m))) != null; ) {
                int left = MAX_BYTES;
                int written = 0;
                for (DescriptorChain.Buffer b : c.buffers()) {
                    if (!b.writable() || left == 0) {
                        continue;
                    }
                    int n = (int) Math.min(Integer.toUnsignedLong(b.length()), left);
                    byte[] bytes = new byte[n];
                    random.nextBytes(bytes);
                    memory.write(b.gpa(), bytes);
                    written += n;
                    left -= n;
                }
                sq.addUsed(c.head(), written);
            }
        } catch (VirtqueueException e) {
            warnings.warn("queue", () -> "virtio-rng: " + e.getMessage() + "; the queue stops until a reset");
            queue = null;
        }
        if (sq.needsInterrupt()) {
            interrupts.queue(0);
        }
    }

    @Override
    public void reset() {
        queue = null;
    }
}
