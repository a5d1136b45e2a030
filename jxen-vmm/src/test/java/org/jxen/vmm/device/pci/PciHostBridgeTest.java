package org.jxen.vmm.device.pci;

import java.util.concurrent.atomic.AtomicInteger;

import org.jxen.vmm.bus.BusDevice;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Configuration mechanism #1 through ports 0xCF8..0xCFF (registered at 0xCF8, so CONFIG_ADDRESS
 * is offset 0, the reset register offset 1 and CONFIG_DATA offsets 4..7) and the ECAM window.
 */
class PciHostBridgeTest {
    static final int ENABLE = 0x8000_0000;

    final AtomicInteger resets = new AtomicInteger();
    final PciHostBridge bridge = new PciHostBridge(resets::incrementAndGet);
    final BusDevice ports = bridge.ports();
    final BusDevice ecam = bridge.ecam();
    /** A device at 00:03.0 whose every byte is its offset's low byte, to see the routing. */
    final PciFunction probe = new PciFunction() {
        @Override
        public int configRead(int offset, int size) {
            int v = 0;
            for (int i = 0; i < size; i++) {
                v |= ((offset + i) & 0xff) << (8 * i);
            }
            return v;
        }

        @Override
        public void configWrite(int offset, int size, int value) {
            lastWrite = offset + "/" + size + "=" + Integer.toHexString(value);
        }
    };
    String lastWrite;

    static int address(int bus, int dev, int fn, int reg) {
        return ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc) | (reg & 0xf00) << 16;
    }

    long cf8Read(int bus, int dev, int fn, int reg, int size) {
        ports.write(0, 4, address(bus, dev, fn, reg) & 0xffff_ffffL);
        return ports.read(4 + (reg & 3), size);
    }

    static long ecamOffset(int bus, int dev, int fn, int reg) {
        return (long) bus << 20 | dev << 15 | fn << 12 | reg;
    }

    @Test
    void configAddressIsADwordRegisterThatReadsBack() {
        ports.write(0, 4, 0x8000_1810L);
        assertThat(ports.read(0, 4)).isEqualTo(0x8000_1810L);
        ports.write(0, 4, 0x8000_1813L);
        assertThat(ports.read(0, 4)).as("bits 1:0 are zero").isEqualTo(0x8000_1810L);
        ports.write(0, 4, 0x7000_0000L);
        assertThat(ports.read(0, 4)).as("bits 30:28 are reserved").isZero();
        // Linux's type-1 probe: a byte write to 0xCFB must not disturb CONFIG_ADDRESS.
        ports.write(0, 4, ENABLE & 0xffff_ffffL);
        ports.write(3, 1, 0x01);
        assertThat(ports.read(0, 4)).isEqualTo(0x8000_0000L);
    }

    @Test
    void hostBridgeIsFunctionZeroOfDeviceZero() {
        assertThat(cf8Read(0, 0, 0, 0x00, 4)).isEqualTo(0x0D57_8086L);
        assertThat(cf8Read(0, 0, 0, 0x0A, 2)).as("class 06, subclass 00").isEqualTo(0x0600);
        assertThat(cf8Read(0, 0, 0, 0x2C, 4)).as("subsystem ids").isEqualTo(0x0D57_8086L);
    }

    @Test
    void dataWindowServesBytesWordsAndDwordsAtTheirOffsets() {
        bridge.add(3, 0, probe);
        assertThat(cf8Read(0, 3, 0, 0x40, 4)).isEqualTo(0x4342_4140L);
        assertThat(cf8Read(0, 3, 0, 0x41, 1)).isEqualTo(0x41);
        assertThat(cf8Read(0, 3, 0, 0x43, 1)).isEqualTo(0x43);
        assertThat(cf8Read(0, 3, 0, 0x42, 2)).isEqualTo(0x4342);
        assertThat(cf8Read(0, 3, 0, 0x40, 2)).isEqualTo(0x4140);
    }

    @Test
    void extendedRegisterBitsReachTheExtendedConfigSpace() {
        bridge.add(3, 0, probe);
        assertThat(cf8Read(0, 3, 0, 0x104, 4)).isEqualTo(0x0706_0504L);
        ports.write(0, 4, address(0, 3, 0, 0x104) & 0xffff_ffffL);
        ports.write(4, 2, 0xBEEF);
        assertThat(lastWrite).isEqualTo("260/2=beef");
    }

    @Test
    void misalignedDataAccessesReadAllOnesAndAreNotPassedOn() {
        bridge.add(3, 0, probe);
        ports.write(0, 4, address(0, 3, 0, 0x40) & 0xffff_ffffL);
        assertThat(ports.read(5, 2)).isEqualTo(0xFFFF);
        assertThat(ports.read(6, 4)).isEqualTo(0xFFFF_FFFFL);
        ports.write(5, 2, 0x1234);
        assertThat(lastWrite).isNull();
    }

    @Test
    void withoutTheEnableBitTheDataWindowReadsAllOnes() {
        ports.write(0, 4, address(0, 0, 0, 0) & ~ENABLE);
        assertThat(ports.read(4, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(ports.read(4, 2)).isEqualTo(0xFFFFL);
        assertThat(ports.read(4, 1)).isEqualTo(0xFFL);
    }

    @Test
    void absentDevicesFunctionsAndBusesReadAllOnes() {
        assertThat(cf8Read(0, 1, 0, 0, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(cf8Read(0, 0, 1, 0, 2)).isEqualTo(0xFFFFL);
        assertThat(cf8Read(1, 0, 0, 0, 1)).isEqualTo(0xFFL);
        assertThat(cf8Read(255, 31, 7, 0xFC, 4)).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void writesReachTheFunctionAtTheRightOffset() {
        bridge.add(3, 0, probe);
        ports.write(0, 4, address(0, 3, 0, 0x10) & 0xffff_ffffL);
        ports.write(4, 4, 0xFFFF_FFFFL);
        assertThat(lastWrite).isEqualTo("16/4=ffffffff");
        ports.write(7, 1, 0x12);
        assertThat(lastWrite).isEqualTo("19/1=12");
        // A write to another bus goes nowhere.
        lastWrite = null;
        ports.write(0, 4, address(1, 3, 0, 0x10) & 0xffff_ffffL);
        ports.write(4, 4, 0);
        assertThat(lastWrite).isNull();
    }

    @Test
    void resetControlByteWithRstCpuResets() {
        ports.write(1, 1, 0x02); // SYS_RST only: arms, does not reset
        assertThat(resets).hasValue(0);
        assertThat(ports.read(1, 1)).isEqualTo(0x02);
        ports.write(1, 1, 0x06);
        assertThat(resets).hasValue(1);
    }

    @Test
    void wordOrDwordAccessAtTheResetPortIsNotAReset() {
        ports.write(1, 2, 0x0606);
        assertThat(resets).hasValue(0);
        assertThat(ports.read(0, 1)).as("byte read of CONFIG_ADDRESS").isEqualTo(0xFF);
    }

    @Test
    void ecamServesTheSameDataAsTheCf8Path() {
        bridge.add(3, 0, probe);
        for (int[] a : new int[][] {{0, 0, 0, 0x00}, {0, 0, 0, 0x08}, {0, 0, 0, 0x2C}, {0, 3, 0, 0x40}, {0, 3, 0, 0xFC}}) {
            assertThat(ecam.read(ecamOffset(a[0], a[1], a[2], a[3]), 4)).isEqualTo(cf8Read(a[0], a[1], a[2], a[3], 4));
            assertThat(ecam.read(ecamOffset(a[0], a[1], a[2], a[3] + 2), 2)).isEqualTo(cf8Read(a[0], a[1], a[2], a[3] + 2, 2));
            assertThat(ecam.read(ecamOffset(a[0], a[1], a[2], a[3] + 1), 1)).isEqualTo(cf8Read(a[0], a[1], a[2], a[3] + 1, 1));
        }
        assertThat(ecam.read(ecamOffset(0, 3, 0, 0xFFC), 4)).isEqualTo(0xFFFE_FDFCL);
    }

    @Test
    void ecamAbsentBusesAndFunctionsReadAllOnes() {
        assertThat(ecam.read(ecamOffset(1, 0, 0, 0), 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(ecam.read(ecamOffset(255, 0, 0, 0), 2)).isEqualTo(0xFFFFL);
        assertThat(ecam.read(ecamOffset(0, 0, 7, 0), 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(ecam.read(ecamOffset(0, 31, 0, 0), 1)).isEqualTo(0xFFL);
        assertThat(ecam.read(0, 8)).as("qword ECAM access").isEqualTo(-1L);
    }

    @Test
    void ecamWritesReachTheFunction() {
        bridge.add(3, 0, probe);
        ecam.write(ecamOffset(0, 3, 0, 0x04), 2, 0x0006);
        assertThat(lastWrite).isEqualTo("4/2=6");
        lastWrite = null;
        ecam.write(ecamOffset(0, 3, 0, 0x04), 8, 1);
        ecam.write(ecamOffset(0, 3, 0, 0x05), 2, 1);
        assertThat(lastWrite).isNull();
    }

    @Test
    void commandRegisterWrittenThroughCf8IsSeenThroughEcam() {
        ports.write(0, 4, address(0, 0, 0, 0x04) & 0xffff_ffffL);
        ports.write(4, 2, 0x0407);
        assertThat(ecam.read(ecamOffset(0, 0, 0, 0x04), 2)).isEqualTo(0x0407);
    }

    @Test
    void rejectsBadAndTakenSlots() {
        assertThatThrownBy(() -> bridge.add(0, 0, probe)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("00:00.0 is taken");
        assertThatThrownBy(() -> bridge.add(32, 0, probe)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("00:32.0");
        assertThatThrownBy(() -> bridge.add(1, 8, probe)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bridge.add(-1, 0, probe)).isInstanceOf(IllegalArgumentException.class);
    }
}
