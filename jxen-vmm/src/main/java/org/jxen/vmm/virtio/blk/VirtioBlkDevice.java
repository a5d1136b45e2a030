package org.jxen.vmm.virtio.blk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.Semaphore;

import org.jxen.block.BlockBackend;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.virtio.DescriptorChain;
import org.jxen.vmm.virtio.SplitQueue;
import org.jxen.vmm.virtio.VirtioDevice;
import org.jxen.vmm.virtio.VirtqueueException;

/**
 * virtio-blk (virtio 1.2 §5.2): one request queue served by a worker thread of its own, woken by
 * the driver's notifications, so the vCPU that notified goes straight back to the guest
 * (DESIGN.md "Threads"). Requests are {@link BlkRequests}'; the configuration space gives the
 * capacity and the limits below.
 *
 * <p>Threads: notifications and resets from vCPU threads; the worker serves the queue.
 */
public final class VirtioBlkDevice implements VirtioDevice, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.vmm.virtio.blk");
    /** Device ID (virtio 1.2 §5: 2). */
    public static final int DEVICE_TYPE = 2;
    public static final int QUEUE_SIZE = 256;
    /** seg_max: data segments a request may have (queue size less header and status). */
    static final int SEG_MAX = QUEUE_SIZE - 2;
    /** struct virtio_blk_config up to write_zeroes_may_unmap and its padding (linux/virtio_blk.h). */
    static final int CONFIG_SIZE = 60;
    /** max_discard_sectors / max_write_zeroes_sectors: 1 GiB per segment. */
    static final int MAX_ZERO_SECTORS = 1 << 21;

    private final String name;
    private final BlkRequests requests;
    private final BlockBackend disk;
    private final Semaphore kicks = new Semaphore(0);
    private static final org.jxen.vmm.util.RateLimitedLog WARNINGS = new org.jxen.vmm.util.RateLimitedLog(LOG, 5);
    private volatile SplitQueue queue;
    private volatile Interrupts interrupts;
    private Thread worker;

    public VirtioBlkDevice(String name, GuestMemory memory, BlockBackend disk, String serial) {
        this.name = name;
        this.disk = disk;
        this.requests = new BlkRequests(name, memory, disk, serial);
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long features() {
        return requests.features();
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
        ByteBuffer c = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(0, disk.size() / BlockBackend.SECTOR); // capacity
        c.putInt(8, 1 << 20); // size_max
        c.putInt(12, SEG_MAX); // seg_max
        c.putInt(20, BlockBackend.SECTOR); // blk_size
        c.putShort(34, (short) 1); // num_queues
        c.putInt(36, MAX_ZERO_SECTORS); // max_discard_sectors
        c.putInt(40, BlkRequests.MAX_DISCARD_SEGMENTS); // max_discard_seg
        c.putInt(44, 1); // discard_sector_alignment
        c.putInt(48, MAX_ZERO_SECTORS); // max_write_zeroes_sectors
        c.putInt(52, BlkRequests.MAX_DISCARD_SEGMENTS); // max_write_zeroes_seg
        return c.array();
    }

    @Override
    public synchronized void activate(long features, List<SplitQueue> queues, Interrupts interrupts) {
        this.queue = queues.get(0);
        this.interrupts = interrupts;
        if (queue != null && worker == null) {
            worker = Thread.ofPlatform().daemon(true).name(name + "-blk").start(this::serve);
        }
    }

    @Override
    public void queueNotify(int q) {
        kicks.release();
    }

    private void serve() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                kicks.acquire();
                kicks.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
            SplitQueue q = queue;
            Interrupts irq = interrupts;
            if (q == null) {
                continue;
            }
            try {
                for (DescriptorChain c; (c = q.popServable(m -> WARNINGS.warn("chain", () -> m))) != null; ) {
                    q.addUsed(c.head(), requests.serve(c));
                }
            } catch (VirtqueueException e) {
                // Broken indices: nothing more can be served until the driver resets the device.
                LOG.log(System.Logger.Level.WARNING, name + ": " + e.getMessage() + "; the queue stops until a reset");
                queue = null;
            }
            if (q.needsInterrupt()) {
                irq.queue(0);
            }
        }
    }

    @Override
    public synchronized void reset() {
        queue = null;
        if (worker != null) {
            worker.interrupt();
            try {
                worker.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            worker = null;
        }
        kicks.drainPermits();
    }

    @Override
    public void close() {
        reset();
    }
}
