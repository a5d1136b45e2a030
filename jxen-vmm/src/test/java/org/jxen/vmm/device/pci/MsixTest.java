package org.jxen.vmm.device.pci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class MsixTest {
    final List<Integer> fired = new ArrayList<>();
    final ConfigSpace cs = new ConfigSpace(0x1AF4, 0x1042, 0x01, 0x00, 0x00, 0x01);
    final Msix msix = new Msix(3, 0x0, 0x800, fired::add);
    final int cap = msix.addTo(cs, 1);

    void enable(boolean functionMask) {
        cs.configWrite(cap + 2, 2, (1 << 15) | (functionMask ? 1 << 14 : 0));
        msix.controlWritten();
    }

    @Test
    void theCapabilityDescribesTheTableAndPba() {
        assertThat(cs.configRead(cap, 1)).isEqualTo(Msix.CAP_ID);
        assertThat(cs.configRead(cap + 2, 2) & 0x7ff).as("table size - 1").isEqualTo(2);
        assertThat(cs.configRead(cap + 4, 4)).as("table offset | BIR").isEqualTo(0x0 | 1);
        assertThat(cs.configRead(cap + 8, 4)).as("PBA offset | BIR").isEqualTo(0x800 | 1);
        cs.configWrite(cap + 2, 2, 0xFFFF);
        assertThat(cs.configRead(cap + 2, 2)).as("only enable and function mask are writable").isEqualTo(0xC002);
    }

    @Test
    void aProgrammedUnmaskedVectorFiresAndMaskedOnesWaitPending() {
        msix.write(16, 4, 0xFEE0_1000L);
        msix.write(20, 4, 0);
        msix.write(24, 4, 0x41);
        assertThat(msix.read(28, 4)).as("entries start masked").isEqualTo(1);
        msix.signal(1);
        assertThat(fired).isEmpty();
        assertThat(msix.read(0x800, 8)).as("pending bit 1").isEqualTo(0b10);
        enable(false);
        assertThat(fired).as("still masked per vector").isEmpty();
        msix.write(28, 4, 0);
        assertThat(fired).as("unmasking releases the pending vector").containsExactly(1);
        assertThat(msix.read(0x800, 8)).isZero();
        assertThat(msix.vector(1)).isEqualTo(new Msix.Vector(0xFEE0_1000L, 0x41));
        msix.signal(1);
        assertThat(fired).containsExactly(1, 1);
        enable(true);
        msix.signal(1);
        assertThat(fired).as("function mask").hasSize(2);
        enable(false);
        assertThat(fired).hasSize(3);
        msix.write(0x800, 8, -1L);
        assertThat(msix.read(0x800, 8)).as("the PBA is read-only").isZero();
        msix.signal(7);
        assertThat(fired).as("a vector the function does not have").hasSize(3);
    }
}
