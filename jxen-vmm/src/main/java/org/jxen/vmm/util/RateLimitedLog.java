package org.jxen.vmm.util;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Warnings a guest can trigger at will (unassigned ports, bad descriptors) go through this:
 * the first {@code burst} per key are logged, then one in every thousand, with a count, so a
 * hostile guest cannot flood the host's logs.
 */
public final class RateLimitedLog {
    private final System.Logger logger;
    private final int burst;
    private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

    public RateLimitedLog(System.Logger logger, int burst) {
        this.logger = logger;
        this.burst = burst;
    }

    public void warn(String key, Supplier<String> message) {
        long n = counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        if (n <= burst) {
            logger.log(System.Logger.Level.WARNING, message.get() + (n == burst ? " (further ones are rate-limited)" : ""));
        } else if (n % 1000 == 0) {
            logger.log(System.Logger.Level.WARNING, message.get() + " (" + n + " so far)");
        }
    }
}
