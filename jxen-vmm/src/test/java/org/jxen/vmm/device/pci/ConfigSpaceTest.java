package org.jxen.vmm.device.pci;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigSpaceTest {
    final ConfigSpace cs = new ConfigSpace(0x1AF4, 0x1041, 0x02, 0x00, 0x00, 0x01);

    @Test
    void headerHoldsTheIdentity() {
        assertThat(cs.configRead(ConfigSpace.VENDOR_ID, 2)).isEqualTo(0x1AF4);
        assertThat(cs.configRead(ConfigSpace.DEVICE_ID, 2)).isEqualTo(0x1041);
        assertThat(cs.configRead(ConfigSpace.REVISION, 4)).isEqualTo(0x0200_0001);
        assertThat(cs.configRead(ConfigSpace.SUBSYSTEM_VENDOR_ID, 4)).isEqualTo(0x1041_1AF4);
        assertThat(cs.configRead(ConfigSpace.HEADER_TYPE, 1)).isZero();
    }

    @Test
    void readOnlyFieldsStayReadOnly() {
        cs.configWrite(ConfigSpace.VENDOR_ID, 4, 0xFFFF_FFFF);
        cs.configWrite(ConfigSpace.REVISION, 4, 0);
        cs.configWrite(ConfigSpace.HEADER_TYPE, 1, 0x80);
        cs.configWrite(ConfigSpace.SUBSYSTEM_VENDOR_ID, 4, 0);
        cs.configWrite(ConfigSpace.STATUS, 2, 0xFFFF);
        assertThat(cs.configRead(ConfigSpace.VENDOR_ID, 4)).isEqualTo(0x1041_1AF4);
        assertThat(cs.configRead(ConfigSpace.REVISION, 4)).isEqualTo(0x0200_0001);
        assertThat(cs.configRead(ConfigSpace.HEADER_TYPE, 1)).isZero();
        assertThat(cs.configRead(ConfigSpace.SUBSYSTEM_VENDOR_ID, 4)).isEqualTo(0x1041_1AF4);
        assertThat(cs.configRead(ConfigSpace.STATUS, 2)).isZero();
    }

    @Test
    void commandRegisterKeepsOnlyItsWritableBits() {
        cs.configWrite(ConfigSpace.COMMAND, 2, 0xFFFF);
        // I/O space, memory space, bus master, interrupt disable.
        assertThat(cs.configRead(ConfigSpace.COMMAND, 2)).isEqualTo(0x0407);
        cs.configWrite(ConfigSpace.COMMAND, 1, 0x02);
        assertThat(cs.configRead(ConfigSpace.COMMAND, 2)).isEqualTo(0x0402);
        cs.configWrite(ConfigSpace.COMMAND, 4, 0);
        assertThat(cs.configRead(ConfigSpace.COMMAND, 2)).isZero();
    }

    @Test
    void dwordWriteOverCommandAndStatusChangesOnlyCommand() {
        cs.configWrite(ConfigSpace.COMMAND, 4, 0xFFFF_FFFF);
        assertThat(cs.configRead(ConfigSpace.COMMAND, 4)).isEqualTo(0x0000_0407);
    }

    @Test
    void accessesOutsideTheSpaceAreIgnoredAndReadAllOnes() {
        assertThat(cs.configRead(ConfigSpace.SIZE, 1)).isEqualTo(-1);
        assertThat(cs.configRead(ConfigSpace.SIZE - 2, 4)).isEqualTo(-1);
        assertThat(cs.configRead(-4, 4)).isEqualTo(-1);
        cs.configWrite(ConfigSpace.SIZE - 1, 2, 0xFFFF);
        cs.configWrite(-1, 1, 0xFF);
        assertThat(cs.configRead(ConfigSpace.SIZE - 4, 4)).isZero();
    }
}
