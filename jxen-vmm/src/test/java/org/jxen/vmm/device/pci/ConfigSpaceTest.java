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

    @Test
    void barsAreSizedByWritingOnesAndKeepTheirTypeBits() {
        cs.addMemoryBar(0, 0x4000, false, false);
        cs.addMemoryBar(2, 0x10_0000, true, true);
        cs.configWrite(ConfigSpace.BAR0, 4, 0xFFFF_FFFF);
        assertThat(cs.configRead(ConfigSpace.BAR0, 4)).isEqualTo(0xFFFF_C000);
        cs.configWrite(ConfigSpace.BAR0 + 8, 4, 0xFFFF_FFFF);
        cs.configWrite(ConfigSpace.BAR0 + 12, 4, 0xFFFF_FFFF);
        assertThat(cs.configRead(ConfigSpace.BAR0 + 8, 4)).isEqualTo(0xFFF0_000C);
        assertThat(cs.configRead(ConfigSpace.BAR0 + 12, 4)).isEqualTo(0xFFFF_FFFF);
        cs.configWrite(ConfigSpace.BAR0, 4, 0xC000_1234);
        cs.configWrite(ConfigSpace.BAR0 + 8, 4, 0x8000_0000);
        cs.configWrite(ConfigSpace.BAR0 + 12, 4, 0x1);
        assertThat(cs.barAddress(0, false)).isEqualTo(0xC000_0000L);
        assertThat(cs.barAddress(2, true)).isEqualTo(0x1_8000_0000L);
        // BARs that were not declared stay 0 whatever is written.
        cs.configWrite(ConfigSpace.BAR0 + 4, 4, 0xFFFF_FFFF);
        assertThat(cs.configRead(ConfigSpace.BAR0 + 4, 4)).isZero();
    }

    @Test
    void capabilitiesFormAListTheGuestCanWalk() {
        int a = cs.addCapability(0x09, new byte[] {1, 2, 3, 4, 5, 6});
        int b = cs.addCapability(0x11, new byte[] {7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        assertThat(cs.configRead(ConfigSpace.STATUS, 2) & ConfigSpace.STATUS_CAP_LIST).isNotZero();
        int at = cs.configRead(ConfigSpace.CAPABILITIES_POINTER, 1);
        assertThat(at).isEqualTo(a).isEqualTo(0x40);
        assertThat(cs.configRead(at, 1)).isEqualTo(0x09);
        at = cs.configRead(at + 1, 1);
        assertThat(at).isEqualTo(b);
        assertThat(cs.configRead(at, 1)).isEqualTo(0x11);
        assertThat(cs.configRead(at + 1, 1)).as("the end of the list").isZero();
        assertThat(cs.configRead(b + 2, 2)).isEqualTo(0x0807);
        cs.configWrite(b + 2, 2, 0);
        assertThat(cs.configRead(b + 2, 2)).as("read-only unless made writable").isEqualTo(0x0807);
        cs.makeWritable(b + 3, 1, 0xC0);
        cs.configWrite(b + 3, 1, 0xFF);
        assertThat(cs.configRead(b + 3, 1)).isEqualTo(0xC8);
    }

    @Test
    void badBarsAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cs.addMemoryBar(0, 3000, false, false))
                .hasMessageContaining("a power of 2");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cs.addMemoryBar(5, 4096, true, false))
                .hasMessageContaining("BARs 0..4");
    }
}
