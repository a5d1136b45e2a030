package org.jxen.vmm.virtio.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jxen.net.MacAddress;
import org.jxen.net.Vif;
import org.jxen.sys.net.Tap;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.virtio.MockVirtqueueDriver;
import org.jxen.vmm.virtio.MockVirtqueueDriver.Buf;
import org.jxen.vmm.virtio.transport.ModernDriver;
import org.jxen.vmm.virtio.transport.VirtioPciFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * virtio-net on a real TAP, on a bridge the test makes with a second TAP as the host's side: a
 * frame the driver transmits comes out of the peer; a frame the peer sends lands in the
 * driver's receive buffer after its virtio_net_hdr.
 */
class VirtioNetDeviceTest {
    final String suffix = Long.toString(ProcessHandle.current().pid() % 10000);
    final String bridge = "jxnb" + suffix;
    final GuestMemory memory;

    VirtioNetDeviceTest() throws Exception {
        memory = GuestMemory.create("vnet-test", new AddressMap(32 * AddressMap.MIB));
    }

    @AfterEach
    void close() throws Exception {
        memory.close();
        new ProcessBuilder("ip", "link", "del", bridge).start().waitFor(30, TimeUnit.SECONDS);
    }

    static byte[] frame(byte[] src, String marker) {
        byte[] f = new byte[60];
        Arrays.fill(f, 0, 6, (byte) 0xff);
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(m, 0, f, 14, m.length);
        return f;
    }

    static boolean carries(byte[] f, String marker, int offset) {
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        return f != null && f.length >= offset + m.length && Arrays.equals(Arrays.copyOfRange(f, offset, offset + m.length), m);
    }

    @Test
    void framesCrossBetweenTheDriverAndTheBridge() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isReadable(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        Process p = new ProcessBuilder("ip", "link", "add", bridge, "type", "bridge", "forward_delay", "0").start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
        new ProcessBuilder("ip", "link", "set", bridge, "up").start().waitFor(30, TimeUnit.SECONDS);
        MacAddress mac = MacAddress.randomXen();
        try (Vif vif = Vif.create("jxnv" + suffix, mac, bridge, 1500);
                Vif peer = Vif.create("jxnp" + suffix, MacAddress.randomXen(), bridge, 1500);
                VirtioNetDevice dev = new VirtioNetDevice("eth0", memory, vif.tap(), mac, 1500)) {
            VirtioPciFunction f = new VirtioPciFunction(dev, memory, 0x02, 0x00, v -> { });
            ModernDriver driver = new ModernDriver(f);
            MockVirtqueueDriver rx = new MockVirtqueueDriver(memory, 16, 0x10_0000);
            MockVirtqueueDriver tx = new MockVirtqueueDriver(memory, 16, 0x20_0000);
            assertThat(driver.negotiate(1L << 32 | 1L << 5)).isTrue();
            assertThat(driver.deviceConfig(0, 4) & 0xFFFF_FFFFL).as("mac, first bytes").isEqualTo(
                    ByteBuffer.wrap(mac.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL);
            driver.queue(0, rx, 1);
            driver.queue(1, tx, 2);
            driver.driverOk();

            // Transmit: header, then the frame.
            byte[] out = frame(mac.bytes(), "from the guest");
            long h = tx.buffer(new byte[VirtioNetDevice.HDR_SIZE]);
            long b = tx.buffer(out);
            tx.add(List.of(new Buf(h, VirtioNetDevice.HDR_SIZE, false), new Buf(b, out.length, false)), false);
            driver.notify(1);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            byte[] seen = null;
            while (seen == null && System.nanoTime() < end) {
                byte[] got = peer.tap().read(200);
                if (carries(got, "from the guest", 14)) {
                    seen = got;
                }
            }
            assertThat(seen).as("the guest's frame on the bridge").isEqualTo(out);

            // Receive: a buffer from the driver, a frame from the peer.
            long in = rx.buffer(new byte[2048]);
            rx.add(List.of(new Buf(in, 2048, true)), false);
            driver.notify(0);
            byte[] back = frame(peer.mac().bytes(), "to the guest");
            assertThat(peer.tap().write(back)).isTrue();
            int[] used = null;
            while (used == null && System.nanoTime() < end) {
                used = rx.nextUsed();
                if (used != null && !carries(memory.read(in, 2048), "to the guest", VirtioNetDevice.HDR_SIZE + 14)) {
                    // Another frame of the host's (neighbour discovery) took the buffer: offer it again.
                    rx.add(List.of(new Buf(in, 2048, true)), false);
                    driver.notify(0);
                    used = null;
                }
                Thread.sleep(1);
            }
            assertThat(used).as("a frame delivered to the driver").isNotNull();
            assertThat(used[1]).isEqualTo(VirtioNetDevice.HDR_SIZE + back.length);
            byte[] hdr = memory.read(in, VirtioNetDevice.HDR_SIZE);
            assertThat(ByteBuffer.wrap(hdr).order(ByteOrder.LITTLE_ENDIAN).getShort(10)).as("num_buffers").isEqualTo((short) 1);
            assertThat(memory.read(in + VirtioNetDevice.HDR_SIZE, back.length)).isEqualTo(back);
        }
    }
}
