package org.jxen.vmm.device.legacy;

import org.jxen.vmm.bus.BusDevice;

/**
 * QEMU's pvpanic ISA device (QEMU docs/specs/pvpanic.rst): one port, by default 0x505. A read
 * returns the events supported; a write with bit 0 (PANICKED) reports a guest kernel panic,
 * which ends the domain with reason {@code crash}. Bit 1 (CRASH_LOADED: a kdump kernel takes
 * over) is only logged. Linux binds to it through the ACPI device {@code QEMU0001}.
 */
public final class PvPanic implements BusDevice {
    /** QEMU's default port. */
    public static final int PORT = 0x505;
    /** pvpanic.rst: bit 0 PANICKED, bit 1 CRASH_LOADED. */
    public static final int PANICKED = 1;
    public static final int CRASH_LOADED = 2;

    private final Runnable onPanic;
    private final Runnable onCrashLoaded;

    public PvPanic(Runnable onPanic, Runnable onCrashLoaded) {
        this.onPanic = onPanic;
        this.onCrashLoaded = onCrashLoaded;
    }

    @Override
    public long read(long offset, int size) {
        return PANICKED | CRASH_LOADED;
    }

    @Override
    public void write(long offset, int size, long value) {
        if ((value & PANICKED) != 0) {
            onPanic.run();
        } else if ((value & CRASH_LOADED) != 0) {
            onCrashLoaded.run();
        }
    }
}
