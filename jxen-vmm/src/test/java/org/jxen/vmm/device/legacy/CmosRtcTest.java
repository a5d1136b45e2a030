package org.jxen.vmm.device.legacy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The MC146818A model behind ports 0x70/0x71, on a clock the test moves by hand. */
class CmosRtcTest {
    static final int SEC = 0x00, MIN = 0x02, HOUR = 0x04, WDAY = 0x06, MDAY = 0x07, MON = 0x08, YEAR = 0x09;
    static final int REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C, REG_D = 0x0D, CENTURY = 0x32;
    static final int B_SET = 0x80, B_BINARY = 0x04, B_24H = 0x02;

    /** A clock that stands still until the test advances it. */
    static final class ManualClock extends Clock {
        private Instant now;

        ManualClock(String instant) {
            now = Instant.parse(instant);
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    // A Saturday afternoon in February of a leap year.
    final ManualClock clock = new ManualClock("2024-02-10T13:45:30Z");
    final CmosRtc rtc = new CmosRtc(clock, 512L << 20);

    int cmos(int reg) {
        rtc.write(0, 1, reg);
        return (int) rtc.read(1, 1);
    }

    void cmos(int reg, int value) {
        rtc.write(0, 1, reg);
        rtc.write(1, 1, value);
    }

    /** The time as the guest reads it in BCD 24-hour mode: "2024-02-10 13:45:30". */
    String bcdTime() {
        return String.format("%02x%02x-%02x-%02x %02x:%02x:%02x", cmos(CENTURY), cmos(YEAR), cmos(MON), cmos(MDAY),
                cmos(HOUR), cmos(MIN), cmos(SEC));
    }

    @Test
    void readsTheClockInBcdByDefault() {
        assertThat(cmos(REG_B) & (B_BINARY | B_24H)).isEqualTo(B_24H);
        assertThat(bcdTime()).isEqualTo("2024-02-10 13:45:30");
        assertThat(cmos(WDAY)).as("Saturday; Sunday is 1").isEqualTo(7);
    }

    @Test
    void binaryModeReadsPlainNumbers() {
        cmos(REG_B, B_24H | B_BINARY);
        assertThat(cmos(SEC)).isEqualTo(30);
        assertThat(cmos(MIN)).isEqualTo(45);
        assertThat(cmos(HOUR)).isEqualTo(13);
        assertThat(cmos(MDAY)).isEqualTo(10);
        assertThat(cmos(MON)).isEqualTo(2);
        assertThat(cmos(YEAR)).isEqualTo(24);
        assertThat(cmos(CENTURY)).isEqualTo(20);
    }

    @Test
    void twelveHourModeSetsThePmBit() {
        cmos(REG_B, 0); // BCD, 12-hour
        assertThat(cmos(HOUR)).isEqualTo(0x80 | 0x01);
        clock.advance(Duration.ofHours(11)); // 00:45
        assertThat(cmos(HOUR)).as("midnight hour is 12 AM").isEqualTo(0x12);
        clock.advance(Duration.ofHours(12)); // 12:45
        assertThat(cmos(HOUR)).as("noon hour is 12 PM").isEqualTo(0x80 | 0x12);
        cmos(REG_B, B_BINARY);
        assertThat(cmos(HOUR)).isEqualTo(0x80 | 12);
    }

    @Test
    void centuryIsAtTheIndexTheFadtAdvertises() {
        assertThat(CmosRtc.CENTURY).isEqualTo(0x32);
        assertThat(cmos(CENTURY)).isEqualTo(0x20);
    }

    @Test
    void statusRegistersReadAsAGoodBatteryAndNoUpdateInProgress() {
        assertThat(cmos(REG_D)).as("VRT").isEqualTo(0x80);
        assertThat(cmos(REG_A) & 0x80).as("UIP").isZero();
        assertThat(cmos(REG_A)).isEqualTo(0x26);
        cmos(REG_A, 0xA6);
        assertThat(cmos(REG_A)).as("UIP is read-only").isEqualTo(0x26);
        cmos(REG_D, 0);
        cmos(REG_C, 0xFF);
        assertThat(cmos(REG_D)).isEqualTo(0x80);
        assertThat(cmos(REG_C)).isZero();
    }

    @Test
    void indexPortIgnoresTheNmiMaskBit() {
        rtc.write(0, 1, 0x80 | REG_D);
        assertThat(rtc.read(1, 1)).isEqualTo(0x80);
        rtc.write(0, 1, 0x80 | CENTURY);
        assertThat(rtc.read(1, 1)).isEqualTo(0x20);
        assertThat(rtc.read(0, 1)).as("the index port is write-only").isEqualTo(0xFF);
    }

    @Test
    void settingTheTimeWithSetShiftsTheClockByTheWrittenAmount() {
        cmos(REG_B, B_SET | B_24H);
        // Linux's order: seconds, minutes, hours, day, month, year. The day (31) does not
        // exist in the month still showing (February) until the month is written too.
        cmos(SEC, 0x00);
        cmos(MIN, 0x00);
        cmos(HOUR, 0x08);
        cmos(MDAY, 0x31);
        cmos(MON, 0x03);
        cmos(YEAR, 0x25);
        clock.advance(Duration.ofSeconds(5));
        assertThat(bcdTime()).as("frozen while SET is on").isEqualTo("2025-03-31 08:00:00");
        cmos(REG_B, B_24H);
        assertThat(bcdTime()).isEqualTo("2025-03-31 08:00:00");
        clock.advance(Duration.ofSeconds(75));
        assertThat(bcdTime()).as("and runs on from there").isEqualTo("2025-03-31 08:01:15");
    }

    @Test
    void writingAFieldWithoutSetMovesTheRunningClock() {
        cmos(MIN, 0x50);
        assertThat(bcdTime()).isEqualTo("2024-02-10 13:50:30");
        clock.advance(Duration.ofSeconds(30));
        assertThat(bcdTime()).isEqualTo("2024-02-10 13:51:00");
        cmos(CENTURY, 0x21);
        assertThat(bcdTime()).isEqualTo("2124-02-10 13:51:00");
    }

    @Test
    void twelveHourWritesAreDecoded() {
        cmos(REG_B, B_SET); // BCD, 12-hour
        cmos(HOUR, 0x80 | 0x12); // 12 PM
        cmos(REG_B, B_24H);
        assertThat(cmos(HOUR)).isEqualTo(0x12);
        cmos(REG_B, B_SET);
        cmos(HOUR, 0x12); // 12 AM
        cmos(REG_B, B_24H);
        assertThat(cmos(HOUR)).isEqualTo(0x00);
    }

    @Test
    void invalidTimeWrittenUnderSetLeavesTheClockAsItWas() {
        cmos(REG_B, B_SET | B_24H);
        cmos(YEAR, 0x25);
        cmos(SEC, 0x99); // no 99th second
        cmos(MON, 0x03);
        cmos(REG_B, B_24H);
        assertThat(bcdTime()).isEqualTo("2024-02-10 13:45:30");
        // And the next, valid, setting works.
        cmos(REG_B, B_SET | B_24H);
        cmos(MDAY, 0x29);
        cmos(REG_B, B_24H);
        assertThat(bcdTime()).isEqualTo("2024-02-29 13:45:30");
    }

    @Test
    void invalidValuesWithoutSetAreIgnored() {
        for (int[] w : new int[][] {{SEC, 0x60}, {MIN, 0xFF}, {HOUR, 0x24}, {MDAY, 0x30}, {MDAY, 0x00}, {MON, 0x13},
                {MON, 0x00}, {YEAR, 0xA0}}) {
            cmos(w[0], w[1]);
            assertThat(bcdTime()).as("after writing 0x%x to register 0x%x", w[1], w[0]).isEqualTo("2024-02-10 13:45:30");
        }
        cmos(REG_B, B_24H | B_BINARY);
        cmos(YEAR, 100);
        assertThat(cmos(YEAR)).isEqualTo(24);
        cmos(SEC, 200);
        assertThat(cmos(SEC)).isEqualTo(30);
    }

    @Test
    void memorySizeBytesFollowThePcAtLayout() {
        assertThat(word(0x15)).as("base memory KiB").isEqualTo(640);
        assertThat(word(0x17)).as("extended memory KiB, capped").isEqualTo(0xFFFF);
        assertThat(word(0x30)).isEqualTo(0xFFFF);
        assertThat(word(0x34)).as("64 KiB blocks above 16 MiB").isEqualTo((512 - 16) * 16);
        assertThat(cmos(0x5B) | cmos(0x5C) << 8 | cmos(0x5D) << 16).isZero();
    }

    @Test
    void memoryAboveThreeGibIsReportedAboveFourGibNotBelow() {
        CmosRtc big = new CmosRtc(clock, 8L << 30);
        int[] r = new int[0x60];
        for (int i = 0; i < r.length; i++) {
            big.write(0, 1, i);
            r[i] = (int) big.read(1, 1);
        }
        // Below 4 GiB, RAM ends at the 3 GiB hole: (3 GiB - 16 MiB) / 64 KiB.
        assertThat(r[0x34] | r[0x35] << 8).isEqualTo((int) (((3L << 30) - (16L << 20)) >> 16));
        // The remaining 5 GiB, in 64 KiB blocks.
        assertThat(r[0x5B] | r[0x5C] << 8 | r[0x5D] << 16).isEqualTo((int) ((5L << 30) >> 16));
        assertThat(r[0x17] | r[0x18] << 8).isEqualTo(0xFFFF);
    }

    @Test
    void smallMemoryReportsWhatThereIs() {
        CmosRtc tiny = new CmosRtc(clock, 8L << 20);
        tiny.write(0, 1, 0x17);
        int lo = (int) tiny.read(1, 1);
        tiny.write(0, 1, 0x18);
        int hi = (int) tiny.read(1, 1);
        assertThat(lo | hi << 8).isEqualTo(7 * 1024);
        tiny.write(0, 1, 0x34);
        assertThat(tiny.read(1, 1)).isZero();
    }

    @Test
    void otherCmosBytesAreGeneralPurposeRam() {
        cmos(0x40, 0x5A);
        cmos(0x7F, 0xA5);
        assertThat(cmos(0x40)).isEqualTo(0x5A);
        assertThat(cmos(0x7F)).isEqualTo(0xA5);
    }

    int word(int at) {
        return cmos(at) | cmos(at + 1) << 8;
    }
}
