package org.jxen.vmm.bus;

/**
 * A device register block on the port or MMIO bus. Offsets are relative to the start of the
 * range the device was registered at; sizes are 1, 2, 4 or 8 bytes; values are little-endian
 * in the low bytes of a long.
 *
 * <p>Calling thread: a vCPU thread (any of them, concurrently), so implementations synchronise
 * their own state. They must not block for long and must not throw on guest-controlled input:
 * a bad access is answered as hardware would (ignored write, all-ones read).
 */
public interface BusDevice {
    /** A guest read of {@code size} bytes at {@code offset}. */
    long read(long offset, int size);

    /** A guest write of {@code size} bytes at {@code offset}. */
    void write(long offset, int size, long value);
}
