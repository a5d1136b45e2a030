package org.jxen.vmm.device.legacy;

import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import org.jxen.vmm.bus.BusDevice;
import org.jxen.vmm.irq.InterruptLine;

/**
 * The ACPI fixed-hardware registers (ACPI 6.x, 4.8): the PM1a event block (status and enable),
 * the PM1a control block (SCI_EN, SLP_TYP, SLP_EN) and the 32-bit PM timer, in one 12-byte
 * port range whose offsets the FADT advertises:
 * <pre>
 *   +0  PM1a_STS (2)   +2  PM1a_EN (2)   +4  PM1a_CNT (2)   +8  PM_TMR (4)
 * </pre>
 * The power button is the fixed-feature one: {@link #pressPowerButton()} sets PWRBTN_STS and,
 * when the guest enabled PWRBTN_EN, raises the SCI. Writing SLP_EN with the S5 sleep type
 * powers the machine off. The platform is always in ACPI mode (FADT SMI_CMD is 0), so SCI_EN
 * reads as 1.
 *
 * <p>Threads: vCPU threads and the control thread (power button); guarded by this monitor.
 */
public final class AcpiPm implements BusDevice {
    public static final int LENGTH = 12;
    public static final int PM1_EVT_OFFSET = 0;
    public static final int PM1_EVT_LEN = 4;
    public static final int PM1_CNT_OFFSET = 4;
    public static final int PM1_CNT_LEN = 2;
    public static final int PM_TMR_OFFSET = 8;
    public static final int PM_TMR_LEN = 4;
    /** The SLP_TYP value this platform's {@code \_S5} package carries. */
    public static final int SLP_TYP_S5 = 5;
    /** ACPI 6.x, 4.8.3.3: the PM timer ticks at 3.579545 MHz. */
    public static final long PM_TIMER_HZ = 3_579_545L;

    // ACPI 6.x, table 4.16 (PM1 status) and 4.18 (PM1 enable).
    static final int TMR_STS = 1;
    public static final int PWRBTN_STS = 1 << 8;
    static final int WAK_STS = 1 << 15;
    static final int STS_WRITABLE = TMR_STS | (1 << 4) | (1 << 5) | PWRBTN_STS | (1 << 9) | (1 << 10) | WAK_STS;
    static final int EN_WRITABLE = TMR_STS | (1 << 5) | PWRBTN_STS | (1 << 9) | (1 << 10);
    // ACPI 6.x, table 4.20 (PM1 control).
    static final int SCI_EN = 1;
    static final int SLP_TYP_SHIFT = 10;
    static final int SLP_TYP_MASK = 7 << SLP_TYP_SHIFT;
    static final int SLP_EN = 1 << 13;

    private final InterruptLine sci;
    private final LongSupplier nanoClock;
    private final IntConsumer sleep;
    private final long start;
    private int status;
    private int enable;
    private int control = SCI_EN;

    /**
     * @param sci the SCI (IRQ 9)
     * @param nanoClock a monotonic clock in nanoseconds, for the PM timer
     * @param sleep called with the SLP_TYP the guest entered (S5 means power off)
     */
    public AcpiPm(InterruptLine sci, LongSupplier nanoClock, IntConsumer sleep) {
        this.sci = sci;
        this.nanoClock = nanoClock;
        this.sleep = sleep;
        this.start = nanoClock.getAsLong();
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= PM_TMR_OFFSET && offset < PM_TMR_OFFSET + PM_TMR_LEN) {
            return (timerTicks() >>> (8 * (offset - PM_TMR_OFFSET))) & mask(size);
        }
        long regs = (status & 0xffffL) | (enable & 0xffffL) << 16 | (long) (control & ~SLP_EN & 0xffff) << 32;
        return (regs >>> (8 * offset)) & mask(size);
    }

    @Override
    public void write(long offset, int size, long value) {
        int slpTyp = -1;
        synchronized (this) {
            for (int i = 0; i < size; i++) {
                long at = offset + i;
                int b = (int) (value >>> (8 * i)) & 0xff;
                if (at < 2) {
                    // Status bits are cleared by writing 1 (ACPI 6.x, 4.8.3.1).
                    status &= ~((b << (8 * at)) & STS_WRITABLE);
                } else if (at < 4) {
                    int shift = (int) (8 * (at - 2));
                    enable = (enable & ~(0xff << shift)) | ((b << shift) & EN_WRITABLE);
                } else if (at < 6) {
                    int shift = (int) (8 * (at - 4));
                    control = (control & ~(0xff << shift)) | (b << shift);
                    if ((control & SLP_EN) != 0) {
                        slpTyp = (control & SLP_TYP_MASK) >> SLP_TYP_SHIFT;
                        control &= ~SLP_EN;
                    }
                }
            }
            control |= SCI_EN;
            updateSci();
        }
        if (slpTyp >= 0) {
            sleep.accept(slpTyp);
        }
    }

    /** Presses the fixed-feature power button (what {@code xl shutdown} does to an HVM guest). */
    public synchronized void pressPowerButton() {
        status |= PWRBTN_STS;
        updateSci();
    }

    /** Whether the guest has enabled the power-button event, i.e. something will hear a press. */
    public synchronized boolean powerButtonEnabled() {
        return (enable & PWRBTN_STS) != 0;
    }

    /** The PM timer: 3.579545 MHz ticks since the machine started, 32 bits (FADT TMR_VAL_EXT). */
    private long timerTicks() {
        long elapsed = nanoClock.getAsLong() - start;
        long seconds = elapsed / 1_000_000_000L;
        long rest = elapsed % 1_000_000_000L;
        return (seconds * PM_TIMER_HZ + rest * PM_TIMER_HZ / 1_000_000_000L) & 0xffff_ffffL;
    }

    private void updateSci() {
        sci.set((status & enable) != 0);
    }

    private static long mask(int size) {
        return size >= 8 ? -1L : (1L << (8 * size)) - 1;
    }
}
