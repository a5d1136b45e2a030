package org.jxen.vmm.virtio.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.jxen.vmm.device.pci.ConfigSpace;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.virtio.DescriptorChain;
import org.jxen.vmm.virtio.MockVirtqueueDriver;
import org.jxen.vmm.virtio.SplitQueue;
import org.jxen.vmm.virtio.VirtioDevice;
import org.jxen.vmm.virtio.VirtqueueException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A driver's set-up through the PCI registers, as Linux's virtio_pci_modern does it, with a device that fills buffers. */
class VirtioPciFunctionTest {
    final GuestMemory memory;
    final List<Integer> msis = new ArrayList<>();
    final Filler device;
    final VirtioPciFunction f;

    VirtioPciFunctionTest() throws Exception {
        memory = GuestMemory.create("vpci-test", new AddressMap(16 * AddressMap.MIB));
        device = new Filler(memory);
        f = new VirtioPciFunction(device, memory, 0xFF, 0x00, msis::add);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    /** A device (type 4, as virtio-rng) that fills every writable buffer with 0x5a. */
    static final class Filler implements VirtioDevice {
        final GuestMemory memory;
        List<SplitQueue> queues;
        Interrupts interrupts;
        long negotiated;
        int resets;

        Filler(GuestMemory memory) {
            this.memory = memory;
        }

        @Override
        public int deviceType() {
            return 4;
        }

        @Override
        public long features() {
            return 0;
        }

        @Override
        public int queueCount() {
            return 1;
        }

        @Override
        public int queueMaxSize(int q) {
            return 64;
        }

        @Override
        public byte[] config() {
            return new byte[] {1, 2, 3, 4};
        }

        @Override
        public void activate(long features, List<SplitQueue> queues, Interrupts interrupts) {
            this.negotiated = features;
            this.queues = queues;
            this.interrupts = interrupts;
        }

        @Override
        public void queueNotify(int q) {
            try {
                SplitQueue queue = queues.get(q);
                for (DescriptorChain c; (c = queue.pop()) != null; ) {
                    int n = 0;
                    for (DescriptorChain.Buffer b : c.buffers()) {
                        if (b.writable()) {
                            byte[] fill = new byte[b.length()];
                            java.util.Arrays.fill(fill, (byte) 0x5a);
                            memory.write(b.gpa(), fill);
                            n += b.length();
                        }
                    }
                    queue.addUsed(c.head(), n);
                }
                if (queue.needsInterrupt()) {
                    interrupts.queue(q);
                }
            } catch (VirtqueueException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void reset() {
            resets++;
            queues = null;
        }
    }

    long common(int at) {
        return VirtioPciFunction.COMMON + at;
    }

    /** The offsets of the capabilities of type {@code cfgType}, walking the list as a driver does. */
    int findVirtioCap(int cfgType) {
        for (int at = f.configRead(ConfigSpace.CAPABILITIES_POINTER, 1); at != 0; at = f.configRead(at + 1, 1)) {
            if (f.configRead(at, 1) == VirtioPci.CAP_VENDOR && f.configRead(at + 3, 1) == cfgType) {
                return at;
            }
        }
        return -1;
    }

    @Test
    void theHeaderAndCapabilitiesDescribeTheBar() {
        assertThat(f.configRead(ConfigSpace.VENDOR_ID, 2)).isEqualTo(0x1AF4);
        assertThat(f.configRead(ConfigSpace.DEVICE_ID, 2)).as("transitional: the legacy ID").isEqualTo(0x1005);
        assertThat(f.configRead(ConfigSpace.REVISION, 1)).as("transitional: revision 0").isZero();
        assertThat(f.configRead(ConfigSpace.SUBSYSTEM_ID, 2)).as("transitional: the device type").isEqualTo(4);
        assertThat(f.configRead(ConfigSpace.BAR0, 4)).as("BAR 0: I/O").isEqualTo(1);
        assertThat(f.configRead(ConfigSpace.BAR0 + 16, 4)).as("BAR 4: 64-bit memory").isEqualTo(0x4);
        int[] offsets = {0, 0x3000, 0x1000, 0x2000};
        for (int type = 1; type <= 4; type++) {
            int cap = findVirtioCap(type);
            assertThat(cap).as("cfg_type " + type).isPositive();
            assertThat(f.configRead(cap + 4, 1)).as("bar").isEqualTo(VirtioPciFunction.MODERN_BAR);
            assertThat(f.configRead(cap + 8, 4)).as("offset of cfg_type " + type).isEqualTo(offsets[type - 1]);
        }
        assertThat(f.configRead(findVirtioCap(2) + 16, 4)).as("notify_off_multiplier").isEqualTo(4);
        assertThat(f.barRead(VirtioPciFunction.DEVICE, 4)).isEqualTo(0x04030201L);
    }

    @Test
    void aDriverSetsUpAQueueAndGetsItsBuffersFilledWithAnMsix() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 8, 0x10_0000);
        ModernDriver driver = new ModernDriver(f);
        assertThat(driver.deviceFeatures() & 1L << 32).as("VERSION_1 offered").isNotZero();
        assertThat(driver.negotiate(1L << 32)).isTrue();
        assertThat(f.barRead(common(VirtioPci.COMMON_NUMQ), 2)).isEqualTo(1);
        f.barWrite(common(VirtioPci.COMMON_Q_SELECT), 2, 0);
        assertThat(f.barRead(common(VirtioPci.COMMON_Q_SIZE), 2)).isEqualTo(64);
        driver.queue(0, d, 0);
        assertThat(f.barRead(common(VirtioPci.COMMON_Q_ENABLE), 2)).isEqualTo(1);
        assertThat(f.barRead(common(VirtioPci.COMMON_Q_DESC), 8)).isEqualTo(d.descGpa);
        driver.msix(0, 0xFEE0_0000L, 0x30);
        driver.driverOk();
        assertThat(device.negotiated).isEqualTo(1L << 32);
        long buf = d.buffer(new byte[32]);
        d.add(List.of(new MockVirtqueueDriver.Buf(buf, 32, true)), false);
        driver.notify(0);
        assertThat(memory.read(buf, 32)).containsOnly((byte) 0x5a);
        assertThat(d.nextUsed()).containsExactly(0, 32);
        assertThat(msis).containsExactly(0);
        assertThat(f.barRead(VirtioPciFunction.ISR, 1)).isEqualTo(1);
        assertThat(f.barRead(VirtioPciFunction.ISR, 1)).as("reading the ISR clears it").isZero();
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, 0);
        assertThat(device.resets).isEqualTo(1);
        assertThat(f.barRead(common(VirtioPci.COMMON_STATUS), 1)).isZero();
        assertThat(f.barRead(common(VirtioPci.COMMON_Q_ENABLE), 2)).isZero();
    }

    @Test
    void aDriverThatBreaksTheRulesIsRefusedAsTheSpecSays() {
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER);
        f.barWrite(common(VirtioPci.COMMON_GFSELECT), 4, 0);
        f.barWrite(common(VirtioPci.COMMON_GF), 4, 1 << 5);
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER | VirtioPci.S_FEATURES_OK);
        assertThat(f.barRead(common(VirtioPci.COMMON_STATUS), 1) & VirtioPci.S_FEATURES_OK)
                .as("a feature that was not offered (and no VERSION_1)").isZero();
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER | VirtioPci.S_DRIVER_OK);
        assertThat(f.barRead(common(VirtioPci.COMMON_STATUS), 1) & VirtioPci.S_NEEDS_RESET).as("DRIVER_OK without FEATURES_OK")
                .isNotZero();
        assertThat(device.queues).isNull();
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, 0);
        f.barWrite(common(VirtioPci.COMMON_Q_SIZE), 2, 128);
        f.barWrite(common(VirtioPci.COMMON_Q_ENABLE), 2, 1);
        assertThat(f.barRead(common(VirtioPci.COMMON_STATUS), 1) & VirtioPci.S_NEEDS_RESET).as("a queue bigger than allowed")
                .isNotZero();
        f.barWrite(common(VirtioPci.COMMON_Q_SELECT), 2, 5);
        assertThat(f.barRead(common(VirtioPci.COMMON_Q_SIZE), 2)).as("a queue that does not exist").isZero();
        f.barWrite(VirtioPciFunction.NOTIFY + 4 * 9, 2, 0);
    }

    @Test
    void theBarIsMappedWhereTheGuestPutsItWhileMemoryDecodingIsOn() {
        org.jxen.vmm.bus.Bus mmio = new org.jxen.vmm.bus.Bus("MMIO");
        f.attach(mmio, 0xC000_0000L, "virtio-rng");
        assertThat(f.mappedAt()).as("memory decoding off").isZero();
        f.configWrite(ConfigSpace.COMMAND, 2, 0x2);
        assertThat(f.mappedAt()).isEqualTo(0xC000_0000L);
        assertThat(mmio.read(0xC000_0000L + VirtioPci.COMMON_NUMQ, 2)).isEqualTo(1);
        // The guest sizes the BAR with decoding off, then moves it above 4 GiB.
        f.configWrite(ConfigSpace.COMMAND, 2, 0);
        assertThat(f.mappedAt()).isZero();
        int bar4 = ConfigSpace.BAR0 + 16;
        f.configWrite(bar4, 4, 0xFFFF_FFFF);
        f.configWrite(bar4 + 4, 4, 0xFFFF_FFFF);
        assertThat(f.configRead(bar4, 4)).as("size probe").isEqualTo((int) -VirtioPciFunction.BAR_SIZE | 0x4);
        f.configWrite(bar4, 4, 0x0);
        f.configWrite(bar4 + 4, 4, 0x1);
        f.configWrite(ConfigSpace.COMMAND, 2, 0x2);
        assertThat(f.mappedAt()).isEqualTo(0x1_0000_0000L);
        assertThat(mmio.read(0xC000_0000L + VirtioPci.COMMON_NUMQ, 2)).as("nothing at the old place").isEqualTo(0xFFFF);
        assertThat(mmio.read(0x1_0000_0000L + VirtioPci.COMMON_NUMQ, 2)).isEqualTo(1);
    }

    /** The legacy driver's sequence (Linux's virtio_pci_legacy, virtio 1.2 §4.1.4.8) through the I/O window. */
    @Test
    void aLegacyDriverSetsUpItsQueueByPageNumberAndIsServed() throws Exception {
        org.jxen.vmm.bus.Bus pio = new org.jxen.vmm.bus.Bus("PIO");
        f.attachIo(pio, 0xC000, "virtio-rng");
        assertThat(f.ioMappedAt()).as("I/O decoding off").isZero();
        f.configWrite(ConfigSpace.COMMAND, 2, 0x1);
        assertThat(f.ioMappedAt()).isEqualTo(0xC000);
        assertThat(f.legacySize()).isEqualTo(64);
        // Sizing the I/O BAR: all ones, and back come the size bits and the I/O bit.
        f.configWrite(ConfigSpace.BAR0, 4, 0xFFFF_FFFF);
        assertThat(f.configRead(ConfigSpace.BAR0, 4)).isEqualTo(~63 | 1);
        f.configWrite(ConfigSpace.BAR0, 4, 0xC000);
        int base = 0xC000;
        pio.write(base + VirtioPciFunction.L_STATUS, 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER);
        long host = pio.read(base + VirtioPciFunction.L_HOST_FEATURES, 4);
        assertThat(host & 1L << 28).as("indirect descriptors offered").isNotZero();
        pio.write(base + VirtioPciFunction.L_GUEST_FEATURES, 4, host);
        assertThat(pio.read(base + VirtioPciFunction.L_GUEST_FEATURES, 4)).isEqualTo(host);
        // No MSI-X yet: the device config follows the ISR at 0x14.
        assertThat(pio.read(base + VirtioPciFunction.L_CONFIG, 4)).isEqualTo(0x04030201L);
        pio.write(base + VirtioPciFunction.L_QUEUE_SEL, 2, 0);
        assertThat(pio.read(base + VirtioPciFunction.L_QUEUE_NUM, 2)).isEqualTo(64);
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 64, 0x20_0000, 4096);
        pio.write(base + VirtioPciFunction.L_QUEUE_PFN, 4, 0x20_0000 >> 12);
        assertThat(pio.read(base + VirtioPciFunction.L_QUEUE_PFN, 4)).isEqualTo(0x200);
        // MSI-X on: the vectors appear at 0x14 and 0x16, the config moves to 0x18.
        new ModernDriver(f).msix(0, 0xFEE0_0000L, 0x31);
        pio.write(base + VirtioPciFunction.L_QUEUE_VECTOR, 2, 0);
        assertThat(pio.read(base + VirtioPciFunction.L_QUEUE_VECTOR, 2)).isZero();
        assertThat(pio.read(base + VirtioPciFunction.L_CONFIG_MSIX, 4)).isEqualTo(0x04030201L);
        pio.write(base + VirtioPciFunction.L_STATUS, 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER | VirtioPci.S_DRIVER_OK);
        assertThat(f.legacyInUse()).isTrue();
        assertThat(device.negotiated).as("legacy: no VERSION_1").isEqualTo(host).extracting(x -> x & 1L << 32).isEqualTo(0L);
        long buf = d.buffer(new byte[16]);
        d.add(List.of(new MockVirtqueueDriver.Buf(buf, 16, true)), true);
        pio.write(base + VirtioPciFunction.L_QUEUE_NOTIFY, 2, 0);
        assertThat(memory.read(buf, 16)).containsOnly((byte) 0x5a);
        assertThat(d.nextUsed()).containsExactly(0, 16);
        assertThat(msis).containsExactly(0);
        assertThat(pio.read(base + VirtioPciFunction.L_ISR, 1)).isEqualTo(1);
        assertThat(pio.read(base + VirtioPciFunction.L_ISR, 1)).isZero();
        // Bad writes: a queue that does not exist, a notify of it, a page outside RAM (the device needs a reset).
        pio.write(base + VirtioPciFunction.L_QUEUE_NOTIFY, 2, 7);
        pio.write(base + VirtioPciFunction.L_STATUS, 1, 0);
        assertThat(device.resets).isEqualTo(1);
        pio.write(base + VirtioPciFunction.L_QUEUE_PFN, 4, 0x7FFF_FFFF);
        assertThat(pio.read(base + VirtioPciFunction.L_STATUS, 1) & VirtioPci.S_NEEDS_RESET).isNotZero();
        // The guest moves the window; I/O decoding off unmaps it.
        f.configWrite(ConfigSpace.BAR0, 4, 0xD000);
        assertThat(f.ioMappedAt()).isEqualTo(0xD000);
        f.configWrite(ConfigSpace.COMMAND, 2, 0);
        assertThat(f.ioMappedAt()).isZero();
    }
}
