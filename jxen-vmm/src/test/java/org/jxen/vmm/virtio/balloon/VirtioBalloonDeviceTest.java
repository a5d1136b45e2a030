package org.jxen.vmm.virtio.balloon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

class VirtioBalloonDeviceTest {
    final GuestMemory memory;
    final List<Integer> msis = new ArrayList<>();

    VirtioBalloonDeviceTest() throws Exception {
        memory = GuestMemory.create("balloon-test", new AddressMap(32 * AddressMap.MIB));
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void aTargetReachesTheDriverAndInflatedPagesGoBackToTheHost() throws Exception {
        VirtioBalloonDevice dev = new VirtioBalloonDevice(memory);
        VirtioPciFunction f = new VirtioPciFunction(dev, memory, 0xFF, 0x00, msis::add);
        ModernDriver driver = new ModernDriver(f);
        MockVirtqueueDriver inflate = new MockVirtqueueDriver(memory, 8, 0x10_0000);
        MockVirtqueueDriver deflate = new MockVirtqueueDriver(memory, 8, 0x18_0000);
        assertThat(driver.negotiate(1L << 32)).isTrue();
        driver.queue(0, inflate, 1);
        driver.queue(1, deflate, 2);
        driver.msix(0, 0xFEE0_0000L, 0x60);
        f.barWrite(0x10, 2, 0); // config_msix_vector = 0
        driver.driverOk();

        dev.setTargetPages(256);
        assertThat(msis).as("a configuration interrupt").containsExactly(0);
        assertThat(driver.deviceConfig(0, 4)).isEqualTo(256);

        // The guest fills two pages, then gives them to the balloon.
        long page1 = 0x80_0000;
        long page2 = 0x80_1000;
        memory.write(page1, new byte[] {1, 2, 3});
        memory.write(page2, new byte[] {4, 5, 6});
        ByteBuffer pfns = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        pfns.putInt((int) (page1 >>> 12)).putInt((int) (page2 >>> 12)).putInt(0x7fff_ffff); // the last is outside RAM
        long list = inflate.buffer(pfns.array());
        inflate.add(List.of(new Buf(list, 12, false)), false);
        driver.notify(0);
        assertThat(inflate.nextUsed()).isNotNull();
        assertThat(dev.discardedPages()).isEqualTo(2);
        assertThat(memory.read(page1, 3)).as("the page was given back: it reads as zeros").containsOnly(0);
        assertThat(memory.read(page2, 3)).containsOnly(0);
        // The driver reports what the balloon holds.
        f.barWrite(0x2000 + 4, 4, 2);
        assertThat(dev.actualPages()).isEqualTo(2);
    }
}
