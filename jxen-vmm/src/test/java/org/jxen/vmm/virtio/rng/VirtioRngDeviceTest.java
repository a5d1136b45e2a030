package org.jxen.vmm.virtio.rng;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.virtio.MockVirtqueueDriver;
import org.jxen.vmm.virtio.MockVirtqueueDriver.Buf;
import org.jxen.vmm.virtio.transport.ModernDriver;
import org.jxen.vmm.virtio.transport.VirtioPciFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioRngDeviceTest {
    final GuestMemory memory;
    final List<Integer> msis = new ArrayList<>();

    VirtioRngDeviceTest() throws Exception {
        memory = GuestMemory.create("vrng-test", new AddressMap(16 * AddressMap.MIB));
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void randomBytesArriveAndABigRequestIsCapped() throws Exception {
        VirtioPciFunction f = new VirtioPciFunction(new VirtioRngDevice(memory), memory, 0xFF, 0x00, msis::add);
        ModernDriver driver = new ModernDriver(f);
        MockVirtqueueDriver q = new MockVirtqueueDriver(memory, 8, 0x10_0000);
        assertThat(driver.negotiate(1L << 32)).isTrue();
        driver.queue(0, q, 0);
        driver.msix(0, 0xFEE0_0000L, 0x50);
        driver.driverOk();
        long small = q.buffer(new byte[64]);
        q.add(List.of(new Buf(small, 64, true)), false);
        driver.notify(0);
        assertThat(q.nextUsed()[1]).isEqualTo(64);
        byte[] got = memory.read(small, 64);
        assertThat(got).as("64 random bytes are not all zero").isNotEqualTo(new byte[64]);
        long big = q.buffer(new byte[1 << 20]);
        q.add(List.of(new Buf(big, 1 << 20, true)), false);
        driver.notify(0);
        assertThat(q.nextUsed()[1]).isEqualTo(VirtioRngDevice.MAX_BYTES);
        assertThat(msis).containsExactly(0, 0);
    }
}
