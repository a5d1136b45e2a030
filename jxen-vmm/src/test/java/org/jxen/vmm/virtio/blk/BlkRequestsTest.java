package org.jxen.vmm.virtio.blk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.virtio.DescriptorChain;
import org.jxen.vmm.virtio.MockVirtqueueDriver;
import org.jxen.vmm.virtio.MockVirtqueueDriver.Buf;
import org.jxen.vmm.virtio.SplitQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk requests through a split queue, from a mock driver, onto real raw and qcow2 images. */
class BlkRequestsTest {
    @TempDir
    Path dir;
    final GuestMemory memory;
    final MockVirtqueueDriver driver;
    final SplitQueue queue;

    BlkRequestsTest() throws Exception {
        memory = GuestMemory.create("blk-test", new AddressMap(32 * AddressMap.MIB));
        driver = new MockVirtqueueDriver(memory, 64, 0x10_0000);
        queue = driver.queue(false, true);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, type).putLong(8, sector).array();
    }

    /** One request through the queue; returns the status byte, and the used length in {@code used[0]}. */
    int request(BlkRequests dev, List<Buf> bufs, int[] used) throws Exception {
        long status = driver.buffer(new byte[] {(byte) 0xff});
        List<Buf> all = new ArrayList<>(bufs);
        all.add(new Buf(status, 1, true));
        int head = driver.add(all, false);
        DescriptorChain c = queue.pop();
        int len = dev.serve(c);
        queue.addUsed(c.head(), len);
        int[] u = driver.nextUsed();
        assertThat(u[0]).isEqualTo(head);
        if (used != null) {
            used[0] = u[1];
        }
        return memory.readByte(status) & 0xff;
    }

    int write(BlkRequests dev, long sector, byte[] data) throws Exception {
        long h = driver.buffer(header(VirtioBlk.VIRTIO_BLK_T_OUT, sector));
        long d = driver.buffer(data);
        return request(dev, List.of(new Buf(h, 16, false), new Buf(d, data.length, false)), null);
    }

    byte[] read(BlkRequests dev, long sector, int length, int[] status) throws Exception {
        long h = driver.buffer(header(VirtioBlk.VIRTIO_BLK_T_IN, sector));
        long d = driver.buffer(new byte[length]);
        int[] used = new int[1];
        status[0] = request(dev, List.of(new Buf(h, 16, false), new Buf(d, length, true)), used);
        if (status[0] == 0) {
            assertThat(used[0]).isEqualTo(length + 1);
        }
        return memory.read(d, length);
    }

    @Test
    void writesReachARawImageAndReadsComeBack() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[1 << 20]);
        byte[] data = new byte[8192];
        new Random(1).nextBytes(data);
        try (BlockBackend disk = BlockBackends.open(img, BlockBackends.Format.RAW, false)) {
            BlkRequests dev = new BlkRequests("vda", memory, disk, "xvda");
            assertThat(write(dev, 8, data)).isEqualTo(VirtioBlk.VIRTIO_BLK_S_OK);
            int[] st = new int[1];
            assertThat(read(dev, 8, 8192, st)).isEqualTo(data);
            assertThat(st[0]).isZero();
            long h = driver.buffer(header(VirtioBlk.VIRTIO_BLK_T_FLUSH, 0));
            assertThat(request(dev, List.of(new Buf(h, 16, false)), null)).isZero();
        }
        assertThat(Arrays.copyOfRange(Files.readAllBytes(img), 4096, 4096 + 8192)).isEqualTo(data);
    }

    @Test
    void writesThroughTheDeviceLeaveAQcow2ThatQemuImgChecksClean() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-img")), "qemu-img is not installed");
        Path img = dir.resolve("d.qcow2");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "4M").inheritIO().start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
        byte[] model = new byte[4 << 20];
        Random r = new Random(2);
        try (BlockBackend disk = BlockBackends.open(img, BlockBackends.Format.DETECT, false)) {
            BlkRequests dev = new BlkRequests("vda", memory, disk, "xvda");
            for (int i = 0; i < 40; i++) {
                byte[] data = new byte[512 * (1 + r.nextInt(64))];
                r.nextBytes(data);
                long sector = r.nextInt((model.length - data.length) / 512);
                assertThat(write(dev, sector, data)).isZero();
                System.arraycopy(data, 0, model, (int) sector * 512, data.length);
            }
        }
        Process check = new ProcessBuilder("qemu-img", "check", img.toString()).redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0).as(out).isTrue();
        Path raw = dir.resolve("back.raw");
        Process conv = new ProcessBuilder("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString()).start();
        assertThat(conv.waitFor(60, TimeUnit.SECONDS) && conv.exitValue() == 0).isTrue();
        assertThat(Arrays.equals(Files.readAllBytes(raw), model)).isTrue();
    }

    @Test
    void badRequestsGetIoerrOrUnsuppAndTheDeviceCarriesOn() throws Exception {
        Path img = dir.resolve("d.raw");
        Files.write(img, new byte[1 << 20]);
        try (BlockBackend disk = BlockBackends.open(img, BlockBackends.Format.RAW, false);
                BlockBackend ro = BlockBackends.open(img, BlockBackends.Format.RAW, true)) {
            BlkRequests dev = new BlkRequests("vda", memory, disk, "a-serial-longer-than-twenty-bytes");
            int[] st = new int[1];
            read(dev, 2048, 512, st);
            assertThat(st[0]).as("past the end").isEqualTo(VirtioBlk.VIRTIO_BLK_S_IOERR);
            read(dev, Long.MAX_VALUE, 512, st);
            assertThat(st[0]).as("an absurd sector").isEqualTo(VirtioBlk.VIRTIO_BLK_S_IOERR);
            read(dev, 0, 100, st);
            assertThat(st[0]).as("not whole sectors").isEqualTo(VirtioBlk.VIRTIO_BLK_S_IOERR);
            long h = driver.buffer(header(99, 0));
            assertThat(request(dev, List.of(new Buf(h, 16, false)), null)).isEqualTo(VirtioBlk.VIRTIO_BLK_S_UNSUPP);
            long shortHeader = driver.buffer(new byte[8]);
            assertThat(request(dev, List.of(new Buf(shortHeader, 8, false)), null)).isEqualTo(VirtioBlk.VIRTIO_BLK_S_IOERR);
            BlkRequests roDev = new BlkRequests("vdb", memory, ro, "ro");
            assertThat(roDev.features() & (1L << VirtioBlk.VIRTIO_BLK_F_RO)).isNotZero();
            assertThat(write(roDev, 0, new byte[512])).as("read-only").isEqualTo(VirtioBlk.VIRTIO_BLK_S_IOERR);
            // GET_ID: the serial, cut to 20 bytes.
            long gh = driver.buffer(header(VirtioBlk.VIRTIO_BLK_T_GET_ID, 0));
            long id = driver.buffer(new byte[20]);
            assertThat(request(dev, List.of(new Buf(gh, 16, false), new Buf(id, 20, true)), null)).isZero();
            assertThat(new String(memory.read(id, 20), StandardCharsets.US_ASCII)).isEqualTo("a-serial-longer-than");
            // A chain without a writable byte gets no status: used length 0.
            long lone = driver.buffer(header(VirtioBlk.VIRTIO_BLK_T_IN, 0));
            driver.add(List.of(new Buf(lone, 16, false)), false);
            assertThat(dev.serve(queue.pop())).isZero();
            // The device still serves good requests.
            assertThat(write(dev, 0, new byte[512])).isZero();
        }
    }

    @Test
    void writeZeroesAndDiscardZeroTheirSegments() throws Exception {
        Path img = dir.resolve("d.raw");
        byte[] ones = new byte[1 << 20];
        Arrays.fill(ones, (byte) 1);
        Files.write(img, ones);
        try (BlockBackend disk = BlockBackends.open(img, BlockBackends.Format.RAW, false)) {
            BlkRequests dev = new BlkRequests("vda", memory, disk, "x");
            for (int type : new int[] {VirtioBlk.VIRTIO_BLK_T_WRITE_ZEROES, VirtioBlk.VIRTIO_BLK_T_DISCARD}) {
                long sector = type == VirtioBlk.VIRTIO_BLK_T_DISCARD ? 100 : 10;
                long h = driver.buffer(header(type, 0));
                long seg = driver.buffer(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sector).putInt(8, 4).array());
                assertThat(request(dev, List.of(new Buf(h, 16, false), new Buf(seg, 16, false)), null)).isZero();
            }
            long h = driver.buffer(header(VirtioBlk.VIRTIO_BLK_T_DISCARD, 0));
            long bad = driver.buffer(new byte[10]);
            assertThat(request(dev, List.of(new Buf(h, 16, false), new Buf(bad, 10, false)), null))
                    .as("a segment list that is not whole segments").isEqualTo(VirtioBlk.VIRTIO_BLK_S_IOERR);
        }
        byte[] file = Files.readAllBytes(img);
        assertThat(Arrays.copyOfRange(file, 10 * 512, 14 * 512)).containsOnly(0);
        assertThat(Arrays.copyOfRange(file, 100 * 512, 104 * 512)).containsOnly(0);
        assertThat(file[14 * 512]).isEqualTo((byte) 1);
    }
}
