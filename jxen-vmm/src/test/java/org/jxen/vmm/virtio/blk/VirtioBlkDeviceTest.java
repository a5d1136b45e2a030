package org.jxen.vmm.virtio.blk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.virtio.MockVirtqueueDriver;
import org.jxen.vmm.virtio.MockVirtqueueDriver.Buf;
import org.jxen.vmm.virtio.transport.ModernDriver;
import org.jxen.vmm.virtio.transport.VirtioPciFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk on PCI, as a driver sets it up and uses it: requests served off the notifying thread, an MSI-X per batch. */
class VirtioBlkDeviceTest {
    @TempDir
    Path dir;
    final GuestMemory memory;
    final List<Integer> msis = new CopyOnWriteArrayList<>();

    VirtioBlkDeviceTest() throws Exception {
        memory = GuestMemory.create("vblk-test", new AddressMap(32 * AddressMap.MIB));
    }

    @AfterEach
    void close() {
        memory.close();
    }

    int[] awaitUsed(MockVirtqueueDriver d) throws InterruptedException {
        long end = System.nanoTime() + 20_000_000_000L;
        while (true) {
            int[] u = d.nextUsed();
            if (u != null) {
                return u;
            }
            assertThat(System.nanoTime()).as("the device completed the request").isLessThan(end);
            Thread.sleep(1);
        }
    }

    @Test
    void aDriverWritesAndReadsTheDiskThroughThePciFunction() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[4 << 20]);
        try (BlockBackend disk = BlockBackends.open(img, BlockBackends.Format.RAW, false);
                VirtioBlkDevice dev = new VirtioBlkDevice("vda", memory, disk, "xvda")) {
            VirtioPciFunction f = new VirtioPciFunction(dev, memory, 0x01, 0x00, msis::add);
            ModernDriver driver = new ModernDriver(f);
            MockVirtqueueDriver q = new MockVirtqueueDriver(memory, 16, 0x10_0000);
            long features = 1L << 32 | 1L << VirtioBlk.VIRTIO_BLK_F_FLUSH | 1L << org.jxen.vmm.virtio.VirtioRing.VIRTIO_RING_F_INDIRECT_DESC;
            assertThat(driver.deviceFeatures() & features).isEqualTo(features);
            assertThat(driver.negotiate(features)).isTrue();
            driver.queue(0, q, 1);
            driver.msix(1, 0xFEE0_0000L, 0x41);
            driver.driverOk();
            assertThat(driver.deviceConfig(0, 8)).as("capacity in sectors").isEqualTo((4 << 20) / 512);
            assertThat(driver.deviceConfig(20, 4)).as("blk_size").isEqualTo(512);

            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 0x77);
            long h = q.buffer(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, VirtioBlk.VIRTIO_BLK_T_OUT)
                    .putLong(8, 16).array());
            long buf = q.buffer(data);
            long st = q.buffer(new byte[] {(byte) 0xff});
            q.add(List.of(new Buf(h, 16, false), new Buf(buf, 4096, false), new Buf(st, 1, true)), true);
            driver.notify(0);
            assertThat(awaitUsed(q)[1]).isEqualTo(1);
            assertThat(memory.readByte(st)).isZero();

            long rh = q.buffer(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, VirtioBlk.VIRTIO_BLK_T_IN)
                    .putLong(8, 16).array());
            long back = q.buffer(new byte[4096]);
            long rst = q.buffer(new byte[] {(byte) 0xff});
            q.add(List.of(new Buf(rh, 16, false), new Buf(back, 4096, true), new Buf(rst, 1, true)), false);
            driver.notify(0);
            assertThat(awaitUsed(q)[1]).isEqualTo(4097);
            assertThat(memory.read(back, 4096)).isEqualTo(data);
            assertThat(msis).contains(1);
        }
        assertThat(Arrays.copyOfRange(Files.readAllBytes(img), 16 * 512, 16 * 512 + 4096)).containsOnly((byte) 0x77);
    }

    @Test
    void aMalformedChainIsCompletedAndTheDeviceServesTheNext() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[1 << 20]);
        try (BlockBackend disk = BlockBackends.open(img, BlockBackends.Format.RAW, false);
                VirtioBlkDevice dev = new VirtioBlkDevice("vda", memory, disk, "xvda")) {
            VirtioPciFunction f = new VirtioPciFunction(dev, memory, 0x01, 0x00, msis::add);
            ModernDriver driver = new ModernDriver(f);
            MockVirtqueueDriver q = new MockVirtqueueDriver(memory, 16, 0x10_0000);
            assertThat(driver.negotiate(1L << 32)).isTrue();
            driver.queue(0, q, 1);
            driver.driverOk();
            List<Buf> outside = new ArrayList<>(List.of(new Buf(1L << 40, 16, false)));
            int bad = q.add(outside, false);
            driver.notify(0);
            assertThat(awaitUsed(q)).containsExactly(bad, 0);
            long h = q.buffer(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, VirtioBlk.VIRTIO_BLK_T_FLUSH).array());
            long st = q.buffer(new byte[] {(byte) 0xff});
            q.add(List.of(new Buf(h, 16, false), new Buf(st, 1, true)), false);
            driver.notify(0);
            assertThat(awaitUsed(q)[1]).isEqualTo(1);
            assertThat(memory.readByte(st)).isZero();
        }
    }
}
