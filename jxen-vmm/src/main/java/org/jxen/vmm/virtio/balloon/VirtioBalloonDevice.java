package org.jxen.vmm.virtio.balloon;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.memory.GuestMemoryException;
import org.jxen.vmm.util.RateLimitedLog;
import org.jxen.vmm.virtio.DescriptorChain;
import org.jxen.vmm.virtio.SplitQueue;
import org.jxen.vmm.virtio.VirtioDevice;
import org.jxen.vmm.virtio.VirtqueueException;

/**
 * virtio-balloon (virtio 1.2 §5.5), what {@code xl mem-set} works through: the toolstack sets a
 * target ({@link #setTargetPages}: {@code num_pages}, the pages the guest should give up); the
 * guest puts page frame numbers on the inflate queue, and jxen gives those pages back to the
 * host ({@link GuestMemory#discard}, MADV_REMOVE: the host's RSS drops); on the deflate queue the
 * guest takes pages back, which need nothing from the host (they fault in as zeros). The guest
 * writes {@code actual}, how many pages the balloon holds.
 *
 * <p>Threads: queues are served on the notifying thread; the target is set from the control thread.
 */
public final class VirtioBalloonDevice implements VirtioDevice {
    /** Device ID (virtio 1.2 §5: 5). */
    public static final int DEVICE_TYPE = 5;
    public static final int QUEUE_SIZE = 128;
    /** {@code VIRTIO_BALLOON_PFN_SHIFT}: page frame numbers count 4 KiB pages (linux/virtio_balloon.h). */
    public static final int PFN_SHIFT = 12;
    static final long PAGE = 1L << PFN_SHIFT;
    static final int INFLATE = 0;
    static final int DEFLATE = 1;
    /** struct virtio_balloon_config: num_pages, actual (le32 each). */
    static final int CONFIG_SIZE = 8;
    /** {@code VIRTIO_BALLOON_F_DEFLATE_ON_OOM}: the guest may take pages back when it runs out. */
    static final int VIRTIO_BALLOON_F_DEFLATE_ON_OOM = 2;

    private final GuestMemory memory;
    private final RateLimitedLog warnings = new RateLimitedLog(System.getLogger("org.jxen.vmm.virtio.balloon"), 5);
    private volatile int targetPages;
    private volatile int actualPages;
    private volatile List<SplitQueue> queues;
    private volatile Interrupts interrupts;
    private long discardedPages;

    public VirtioBalloonDevice(GuestMemory memory) {
        this.memory = memory;
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long features() {
        return 1L << VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    @Override
    public byte[] config() {
        return ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(0, targetPages).putInt(4, actualPages)
                .array();
    }

    @Override
    public void configWrite(int offset, byte[] data) {
        // The driver writes actual (offset 4); num_pages is the device's.
        if (offset == 4 && data.length == 4) {
            actualPages = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }
    }

    /** The pages the balloon should hold; the guest hears of it through a configuration interrupt. */
    public void setTargetPages(int pages) {
        targetPages = pages;
        Interrupts i = interrupts;
        if (i != null) {
            i.config();
        }
    }

    public int targetPages() {
        return targetPages;
    }

    /** What the guest says the balloon holds. */
    public int actualPages() {
        return actualPages;
    }

    /** Pages given back to the host so far (for tests and xl list's memory). */
    public synchronized long discardedPages() {
        return discardedPages;
    }

    @Override
    public void activate(long features, List<SplitQueue> queues, Interrupts interrupts) {
        this.queues = queues;
        this.interrupts = interrupts;
    }

    @Override
    public synchronized void queueNotify(int q) {
        List<SplitQueue> qs = queues;
        SplitQueue sq = qs == null || q > DEFLATE ? null : qs.get(q);
        if (sq == null) {
            return;
        }
        try {
            for (DescriptorChain c; (c = sq.popServable(m -> warnings.warn("chain", () -> m))) != null; ) {
                if (q == INFLATE) {
                    inflate(c);
                }
                sq.addUsed(c.head(), 0);
            }
        } catch (VirtqueueException e) {
            warnings.warn("queue", () -> "virtio-balloon: " + e.getMessage());
        }
        if (sq.needsInterrupt()) {
            interrupts.queue(q);
        }
    }

    /** Each PFN (le32) in the chain's readable buffers: that guest page goes back to the host. */
    private void inflate(DescriptorChain c) {
        for (DescriptorChain.Buffer b : c.buffers()) {
            if (b.writable()) {
                continue;
            }
            byte[] pfns = memory.read(b.gpa(), (int) Math.min(Integer.toUnsignedLong(b.length()), 4L * 4096) & ~3);
            ByteBuffer p = ByteBuffer.wrap(pfns).order(ByteOrder.LITTLE_ENDIAN);
            while (p.remaining() >= 4) {
                long gpa = Integer.toUnsignedLong(p.getInt()) << PFN_SHIFT;
                try {
                    memory.discard(gpa, PAGE);
                    discardedPages++;
                } catch (GuestMemoryException e) {
                    warnings.warn("pfn", () -> "virtio-balloon: a page frame outside RAM (0x" + Long.toHexString(gpa)
                            + ") is ignored");
                }
            }
        }
    }

    @Override
    public void reset() {
        queues = null;
        actualPages = 0;
    }
}
