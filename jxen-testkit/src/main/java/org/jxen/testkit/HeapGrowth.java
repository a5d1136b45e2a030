package org.jxen.testkit;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * How much the Java heap and the direct-buffer pool grew while a block ran: the heap pools'
 * peaks (reset before the block) over their use before it, plus the growth of direct-buffer
 * memory. A file copied through either shows at about its full size, whatever the collector
 * did in between, so a test can assert that a large file went around the Java heap.
 *
 * <p>Calling thread: the test's; other threads allocating at the same time add to the figure.
 */
public final class HeapGrowth {
    /** A block that may throw. */
    public interface Block {
        void run() throws Exception;
    }

    private HeapGrowth() {}

    /** Runs {@code block}; returns the growth in bytes. */
    public static long of(Block block) throws Exception {
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no direct buffer pool bean"));
        long before = 0;
        for (MemoryPoolMXBean p : pools) {
            p.resetPeakUsage();
            before += p.getUsage().getUsed();
        }
        long directBefore = direct.getMemoryUsed();
        block.run();
        long peak = 0;
        for (MemoryPoolMXBean p : pools) {
            peak += p.getPeakUsage().getUsed();
        }
        return Math.max(0, peak - before) + Math.max(0, direct.getMemoryUsed() - directBefore);
    }
}
