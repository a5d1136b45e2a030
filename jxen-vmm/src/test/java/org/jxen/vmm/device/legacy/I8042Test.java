package org.jxen.vmm.device.legacy;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The keyboard controller at 0x60 (offset 0, data) and 0x64 (offset 4, status/command). */
class I8042Test {
    static final int DATA = 0, CMD = 4;
    static final int OBF = 0x01;

    final AtomicInteger resets = new AtomicInteger();
    final I8042 kbc = new I8042(resets::incrementAndGet);

    int status() {
        return (int) kbc.read(CMD, 1);
    }

    int data() {
        return (int) kbc.read(DATA, 1);
    }

    @Test
    void selfTestAnswers0x55() {
        assertThat(status() & OBF).isZero();
        kbc.write(CMD, 1, 0xAA);
        assertThat(status() & OBF).isEqualTo(OBF);
        assertThat(data()).isEqualTo(0x55);
        assertThat(status() & OBF).isZero();
    }

    @Test
    void interfaceTestsPass() {
        kbc.write(CMD, 1, 0xAB);
        assertThat(data()).isZero();
        kbc.write(CMD, 1, 0xA9);
        assertThat(data()).isZero();
    }

    @Test
    void commandByteReadsBackWhatWasWritten() {
        kbc.write(CMD, 1, 0x20);
        assertThat(data()).isEqualTo(0x45);
        kbc.write(CMD, 1, 0x60);
        kbc.write(DATA, 1, 0x47);
        kbc.write(CMD, 1, 0x20);
        assertThat(data()).isEqualTo(0x47);
    }

    @Test
    void disableAndEnableCommandsFlipTheCommandByteBits() {
        kbc.write(CMD, 1, 0xAD);
        kbc.write(CMD, 1, 0xA7);
        kbc.write(CMD, 1, 0x20);
        assertThat(data() & 0x30).isEqualTo(0x30);
        kbc.write(CMD, 1, 0xAE);
        kbc.write(CMD, 1, 0xA8);
        kbc.write(CMD, 1, 0x20);
        assertThat(data() & 0x30).isZero();
    }

    @Test
    void statusShowsSystemFlagAndWhetherTheLastWriteWasACommand() {
        assertThat(status() & 0x04).as("SYS").isEqualTo(0x04);
        kbc.write(CMD, 1, 0xAE);
        assertThat(status() & 0x08).isEqualTo(0x08);
        kbc.write(DATA, 1, 0xF4);
        assertThat(status() & 0x08).isZero();
    }

    @Test
    void pulseResetCommandResetsTheMachine() {
        kbc.write(CMD, 1, 0xFE);
        assertThat(resets).hasValue(1);
    }

    @Test
    void pulseCommandsResetOnlyWhenTheyPulseBitZero() {
        kbc.write(CMD, 1, 0xFF);
        assertThat(resets).hasValue(0);
        kbc.write(CMD, 1, 0xF0);
        assertThat(resets).hasValue(1);
    }

    @Test
    void writingTheOutputPortWithBitZeroClearResets() {
        kbc.write(CMD, 1, 0xD1);
        kbc.write(DATA, 1, 0x03);
        assertThat(resets).hasValue(0);
        kbc.write(CMD, 1, 0xD0);
        assertThat(data()).isEqualTo(0x03);
        kbc.write(CMD, 1, 0xD1);
        kbc.write(DATA, 1, 0x02);
        assertThat(resets).hasValue(1);
    }

    @Test
    void dataPortWithNothingQueuedReadsZero() {
        assertThat(data()).isZero();
        kbc.write(DATA, 1, 0xFF); // a keyboard reset, dropped: there is no keyboard
        assertThat(data()).isZero();
        assertThat(resets).hasValue(0);
    }

    @Test
    void dataByteAfterACompletedCommandIsNotTakenAsItsParameter() {
        kbc.write(CMD, 1, 0x60);
        kbc.write(DATA, 1, 0x01);
        kbc.write(DATA, 1, 0x00); // not a second command-byte write, not an output-port write
        kbc.write(CMD, 1, 0x20);
        assertThat(data()).isEqualTo(0x01);
        assertThat(resets).hasValue(0);
    }

    @Test
    void otherOffsetsReadAllOnes() {
        assertThat(kbc.read(1, 1)).isEqualTo(0xFF);
        assertThat(kbc.read(3, 1)).isEqualTo(0xFF);
    }
}
