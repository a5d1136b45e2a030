package org.jxen.vmm.bus;

import java.util.Arrays;

import org.jxen.vmm.util.RateLimitedLog;

/**
 * An address space (ports or MMIO) of non-overlapping ranges, each owned by a device. Lookup
 * is a binary search over a sorted array that is replaced, never mutated, when a range is
 * added or removed, so vCPU threads read it without locks.
 *
 * <p>An access that hits no device reads as all ones and is otherwise dropped, as on a PC; it
 * is logged (rate-limited) unless the range is registered as known-silent.
 */
public final class Bus {
    /** One registered range. */
    public record Range(long base, long length, BusDevice device, String name) {
        long end() {
            return base + length;
        }
    }

    private final String name;
    private final RateLimitedLog log;
    private volatile Range[] ranges = new Range[0];

    public Bus(String name) {
        this.name = name;
        this.log = new RateLimitedLog(System.getLogger("org.jxen.vmm.bus"), 10);
    }

    /** Registers {@code device} at {@code [base, base + length)}; fails on overlap. */
    public synchronized void register(long base, long length, BusDevice device, String deviceName) {
        if (length <= 0) {
            throw new IllegalArgumentException(name + " range for " + deviceName + ": length " + length + " (expected: > 0)");
        }
        Range r = new Range(base, length, device, deviceName);
        // Addresses compare unsigned, as in find(); a range may not wrap past the top.
        if (Long.compareUnsigned(r.end(), base) <= 0) {
            throw new IllegalArgumentException(String.format("%s range for %s at 0x%x, length 0x%x, runs past the end "
                    + "of the address space", name, deviceName, base, length));
        }
        for (Range o : ranges) {
            if (Long.compareUnsigned(base, o.end()) < 0 && Long.compareUnsigned(o.base(), r.end()) < 0) {
                throw new IllegalArgumentException(String.format("%s range [0x%x, 0x%x) for %s overlaps %s at [0x%x, 0x%x)",
                        name, base, r.end(), deviceName, o.name(), o.base(), o.end()));
            }
        }
        Range[] next = Arrays.copyOf(ranges, ranges.length + 1);
        next[next.length - 1] = r;
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a.base(), b.base()));
        ranges = next;
    }

    /** Removes the range that starts at {@code base}; returns whether there was one. */
    public synchronized boolean unregister(long base) {
        Range[] cur = ranges;
        Range[] next = Arrays.stream(cur).filter(r -> r.base() != base).toArray(Range[]::new);
        ranges = next;
        return next.length != cur.length;
    }

    /** The range containing {@code address}, or null. */
    public Range find(long address) {
        Range[] rs = ranges;
        int lo = 0;
        int hi = rs.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Range r = rs[mid];
            if (Long.compareUnsigned(address, r.base()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address - r.base(), r.length()) >= 0) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    /** Dispatches a read; unclaimed addresses read as all ones. */
    public long read(long address, int size) {
        Range r = find(address);
        if (r == null) {
            log.warn(name + " read", () -> String.format("guest read %d byte(s) from unassigned %s 0x%x", size, name, address));
            return size >= 8 ? -1L : (1L << (8 * size)) - 1;
        }
        try {
            return r.device().read(address - r.base(), size);
        } catch (RuntimeException e) {
            log.warn(r.name(), () -> r.name() + " failed a " + size + "-byte read at 0x" + Long.toHexString(address) + ": " + e);
            return size >= 8 ? -1L : (1L << (8 * size)) - 1;
        }
    }

    /** Dispatches a write; unclaimed addresses drop it. */
    public void write(long address, int size, long value) {
        Range r = find(address);
        if (r == null) {
            log.warn(name + " write", () -> String.format("guest wrote %d byte(s) 0x%x to unassigned %s 0x%x",
                    size, value, name, address));
            return;
        }
        try {
            r.device().write(address - r.base(), size, value);
        } catch (RuntimeException e) {
            log.warn(r.name(), () -> r.name() + " failed a " + size + "-byte write at 0x" + Long.toHexString(address) + ": " + e);
        }
    }

    /** A device that ignores writes and reads as all ones, for ports Linux pokes on every PC. */
    public static final BusDevice SILENT = new BusDevice() {
        @Override
        public long read(long offset, int size) {
            return size >= 8 ? -1L : (1L << (8 * size)) - 1;
        }

        @Override
        public void write(long offset, int size, long value) {}
    };
}
