package org.jxen.vmm.device.legacy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The PM1a event/control blocks and the PM timer (ACPI 6.x, 4.8), on an injected clock. */
class AcpiPmTest {
    static final int STS = 0, EN = 2, CNT = 4, TMR = 8;
    static final int PWRBTN = 1 << 8;
    static final int SCI_EN = 1, SLP_EN = 1 << 13;

    final AtomicLong nanos = new AtomicLong(1_000_000_000_000L); // an arbitrary start
    final TestLine sci = new TestLine();
    final List<Integer> sleeps = new ArrayList<>();
    final AcpiPm pm = new AcpiPm(sci, nanos::get, sleeps::add);

    static int slpTyp(int typ) {
        return typ << 10;
    }

    @Test
    void s5WithSlpEnCallsSleepWithFive() {
        pm.write(CNT, 2, slpTyp(AcpiPm.SLP_TYP_S5) | SLP_EN | SCI_EN);
        assertThat(sleeps).containsExactly(5);
    }

    @Test
    void otherSleepTypesArePassedThrough() {
        for (int typ = 0; typ < 8; typ++) {
            pm.write(CNT, 2, slpTyp(typ) | SLP_EN);
        }
        assertThat(sleeps).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void slpTypWithoutSlpEnDoesNotSleep() {
        pm.write(CNT, 2, slpTyp(5));
        assertThat(sleeps).isEmpty();
        assertThat(pm.read(CNT, 2) & (7 << 10)).isEqualTo(slpTyp(5));
    }

    @Test
    void bytewiseControlWriteSleepsWhenTheHighByteArrives() {
        pm.write(CNT, 1, SCI_EN);
        pm.write(CNT + 1, 1, (slpTyp(5) | SLP_EN) >> 8);
        assertThat(sleeps).containsExactly(5);
    }

    @Test
    void slpEnReadsAsZeroAndSciEnAlwaysAsOne() {
        pm.write(CNT, 2, slpTyp(5) | SLP_EN);
        assertThat(pm.read(CNT, 2) & SLP_EN).isZero();
        pm.write(CNT, 2, 0);
        assertThat(pm.read(CNT, 2) & SCI_EN).isEqualTo(SCI_EN);
        assertThat(pm.read(CNT, 1)).isEqualTo(SCI_EN);
    }

    @Test
    void powerButtonSetsStatusButRaisesSciOnlyWhenEnabled() {
        assertThat(pm.powerButtonEnabled()).isFalse();
        pm.pressPowerButton();
        assertThat(pm.read(STS, 2) & PWRBTN).isEqualTo(PWRBTN);
        assertThat(sci.level()).isFalse();

        pm.write(EN, 2, PWRBTN);
        assertThat(pm.powerButtonEnabled()).isTrue();
        assertThat(sci.level()).as("enabling with the status pending raises the SCI").isTrue();

        pm.write(STS, 2, PWRBTN); // write 1 to clear
        assertThat(pm.read(STS, 2) & PWRBTN).isZero();
        assertThat(sci.level()).isFalse();

        pm.pressPowerButton();
        assertThat(sci.level()).isTrue();
        assertThat(sci.risingEdges()).isEqualTo(2);
    }

    @Test
    void statusBitsClearOnlyWhereOnesAreWritten() {
        pm.pressPowerButton();
        pm.write(STS, 2, 0);
        assertThat(pm.read(STS, 2) & PWRBTN).isEqualTo(PWRBTN);
        pm.write(STS, 2, ~PWRBTN & 0xFFFF);
        assertThat(pm.read(STS, 2) & PWRBTN).isEqualTo(PWRBTN);
        pm.write(STS + 1, 1, PWRBTN >> 8);
        assertThat(pm.read(STS, 2)).isZero();
    }

    @Test
    void enableRegisterKeepsOnlyDefinedBits() {
        pm.write(EN, 2, 0xFFFF);
        assertThat(pm.read(EN, 2)).isEqualTo(1 | 1 << 5 | 1 << 8 | 1 << 9 | 1 << 10);
        pm.pressPowerButton();
        pm.write(STS, 4, 0x0000_FFFFL); // a dword write over the event block: status cleared, enable zeroed
        assertThat(pm.read(STS, 4)).isZero();
    }

    @Test
    void pmTimerTicksAt3579545HzOnTheInjectedClock() {
        long t0 = pm.read(TMR, 4);
        assertThat(t0).isZero();
        nanos.addAndGet(1_000_000_000L);
        assertThat(pm.read(TMR, 4)).isEqualTo(3_579_545L);
        nanos.addAndGet(1_000L); // 1 us: 3.58 ticks
        assertThat(pm.read(TMR, 4)).isEqualTo(3_579_548L);
        nanos.addAndGet(500_000_000L);
        assertThat(pm.read(TMR, 4)).isEqualTo(3_579_545L + 1_789_776L);
    }

    @Test
    void pmTimerWrapsAtThirtyTwoBits() {
        // 2^32 ticks take 1199.86 s; just before and just after the wrap.
        long wrapNanos = (1L << 32) * 1_000_000_000L / AcpiPm.PM_TIMER_HZ;
        nanos.addAndGet(wrapNanos);
        long before = pm.read(TMR, 4);
        assertThat(before).isBetween(0xFFFF_FFF0L, 0xFFFF_FFFFL);
        nanos.addAndGet(10_000L);
        long after = pm.read(TMR, 4);
        assertThat(after).isBetween(0L, 0x40L);
        assertThat((after - before) & 0xFFFF_FFFFL).isEqualTo(36L);
    }

    @Test
    void pmTimerBytesAreTheTimerShifted() {
        nanos.addAndGet(1_000_000_000L); // 3579545 = 0x0036_9E99
        assertThat(pm.read(TMR, 1)).isEqualTo(0x99);
        assertThat(pm.read(TMR + 1, 1)).isEqualTo(0x9E);
        assertThat(pm.read(TMR + 2, 2)).isEqualTo(0x36);
    }

    @Test
    void writesToTheTimerAreIgnored() {
        nanos.addAndGet(1_000_000_000L);
        pm.write(TMR, 4, 0);
        assertThat(pm.read(TMR, 4)).isEqualTo(3_579_545L);
        assertThat(sleeps).isEmpty();
    }
}
