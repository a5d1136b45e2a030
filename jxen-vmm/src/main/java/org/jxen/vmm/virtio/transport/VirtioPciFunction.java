package org.jxen.vmm.virtio.transport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jxen.vmm.bus.Bus;
import org.jxen.vmm.bus.BusDevice;
import org.jxen.vmm.device.pci.ConfigSpace;
import org.jxen.vmm.device.pci.Msix;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.virtio.SplitQueue;
import org.jxen.vmm.virtio.VirtioDevice;
import org.jxen.vmm.virtio.VirtioRing;
import org.jxen.vmm.virtio.VirtqueueException;

/**
 * A virtio device on PCI, the modern interface (virtio 1.2 §4.1): its configuration header
 * with the four virtio capabilities and MSI-X, and one 64-bit memory BAR laid out as
 * <pre>
 *   0x0000  common configuration (struct virtio_pci_common_cfg)
 *   0x1000  ISR status
 *   0x2000  device configuration
 *   0x3000  notifications, 4 bytes a queue (notify_off_multiplier 4)
 *   0x4000  MSI-X table;  0x5000  MSI-X pending bits
 * </pre>
 * The register model is pure: {@link #barRead}/{@link #barWrite} take offsets in the BAR (the
 * machine maps the BAR where the guest placed it, and routes notification writes to an
 * ioeventfd when it can). Feature negotiation, the status byte and each queue's set-up are
 * checked as the spec asks; a driver that sets up a queue wrongly gets DEVICE_NEEDS_RESET.
 *
 * <p>Threads: vCPU threads; one monitor guards the registers.
 */
public final class VirtioPciFunction extends ConfigSpace {
    public static final long BAR_SIZE = 0x8000;
    static final long COMMON = 0x0000;
    static final long ISR = 0x1000;
    static final long DEVICE = 0x2000;
    static final long NOTIFY = 0x3000;
    static final int NOTIFY_MULTIPLIER = 4;
    static final long MSIX_TABLE = 0x4000;
    static final long MSIX_PBA = 0x5000;

    private final VirtioDevice device;
    private final GuestMemory memory;
    private final Msix msix;
    private final long offered;
    private final int[] queueSize;
    private final int[] queueVector;
    private final boolean[] queueEnabled;
    private final long[][] queueAddress;
    private final SplitQueue[] queues;
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private long driverFeatures;
    private int status;
    private int configVector = VirtioPci.NO_VECTOR;
    private int queueSelect;
    private int isr;
    private int generation;
    private Bus mmio;
    private String busName;
    private long mappedAt;

    /**
     * @param msixDeliver fires an MSI-X vector (the machine turns it into an MSI through KVM)
     */
    public VirtioPciFunction(VirtioDevice device, GuestMemory memory, int classCode, int subclass,
            java.util.function.Consumer<Integer> msixDeliver) {
        super(VirtioPci.VENDOR, VirtioPci.MODERN_DEVICE_BASE + device.deviceType(), classCode, subclass, 0, 1);
        this.device = device;
        this.memory = memory;
        this.offered = device.features() | 1L << VirtioPci.VIRTIO_F_VERSION_1
                | 1L << VirtioRing.VIRTIO_RING_F_INDIRECT_DESC | 1L << VirtioRing.VIRTIO_RING_F_EVENT_IDX;
        int n = device.queueCount();
        this.queueSize = new int[n];
        this.queueVector = new int[n];
        this.queueEnabled = new boolean[n];
        this.queueAddress = new long[n][3];
        this.queues = new SplitQueue[n];
        addMemoryBar(0, BAR_SIZE, true, false);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_COMMON_CFG, COMMON, VirtioPci.COMMON_SIZE, null);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY, (long) NOTIFY_MULTIPLIER * n, NOTIFY_MULTIPLIER);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_ISR_CFG, ISR, 1, null);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE, Math.max(1, device.config().length), null);
        this.msix = new Msix(n + 1, MSIX_TABLE, MSIX_PBA, msixDeliver);
        msix.addTo(this, 0);
        resetRegisters();
    }

    /** struct virtio_pci_cap (and virtio_pci_notify_cap): cfg_type, bar, id, offset, length. */
    private void addVirtioCap(int type, long offset, long length, Integer notifyMultiplier) {
        byte[] body = new byte[notifyMultiplier == null ? 14 : 18];
        body[0] = (byte) (body.length + 2); // cap_len
        body[1] = (byte) type;
        body[2] = 0; // bar
        for (int i = 0; i < 4; i++) {
            body[6 + i] = (byte) (offset >>> (8 * i));
            body[10 + i] = (byte) (length >>> (8 * i));
            if (notifyMultiplier != null) {
                body[14 + i] = (byte) (notifyMultiplier >>> (8 * i));
            }
        }
        addCapability(VirtioPci.CAP_VENDOR, body);
    }

    public Msix msix() {
        return msix;
    }

    public synchronized int status() {
        return status;
    }

    private void resetRegisters() {
        status = 0;
        driverFeatures = 0;
        deviceFeatureSelect = 0;
        driverFeatureSelect = 0;
        configVector = VirtioPci.NO_VECTOR;
        queueSelect = 0;
        isr = 0;
        for (int q = 0; q < queues.length; q++) {
            queueSize[q] = device.queueMaxSize(q);
            queueVector[q] = VirtioPci.NO_VECTOR;
            queueEnabled[q] = false;
            Arrays.fill(queueAddress[q], 0);
            queues[q] = null;
        }
    }

    /** A read of {@code size} bytes at {@code offset} in the BAR. */
    public synchronized long barRead(long offset, int size) {
        if (offset >= COMMON && offset + size <= COMMON + VirtioPci.COMMON_SIZE) {
            return commonRead((int) (offset - COMMON), size);
        }
        if (offset == ISR && size == 1) {
            int v = isr;
            isr = 0; // reading the ISR clears it (§4.1.4.5)
            return v;
        }
        if (offset >= DEVICE && offset < DEVICE + 0x1000) {
            byte[] cfg = device.config();
            long v = 0;
            for (int i = 0; i < size; i++) {
                int at = (int) (offset - DEVICE) + i;
                v |= (long) (at < cfg.length ? cfg[at] & 0xff : 0) << (8 * i);
            }
            return v;
        }
        if (offset >= MSIX_TABLE && offset < MSIX_PBA + 0x1000) {
            return msix.read(offset, size);
        }
        return 0;
    }

    /** A write of {@code size} bytes at {@code offset} in the BAR. */
    public void barWrite(long offset, int size, long value) {
        int notify = -1;
        synchronized (this) {
            if (offset >= COMMON && offset + size <= COMMON + VirtioPci.COMMON_SIZE) {
                commonWrite((int) (offset - COMMON), size, value);
            } else if (offset >= NOTIFY && offset < NOTIFY + (long) NOTIFY_MULTIPLIER * queues.length) {
                int q = (int) ((offset - NOTIFY) / NOTIFY_MULTIPLIER);
                if ((status & VirtioPci.S_DRIVER_OK) != 0 && queues[q] != null) {
                    notify = q;
                }
            } else if (offset >= DEVICE && offset < DEVICE + 0x1000) {
                byte[] b = new byte[size];
                for (int i = 0; i < size; i++) {
                    b[i] = (byte) (value >>> (8 * i));
                }
                device.configWrite((int) (offset - DEVICE), b);
            } else if (offset >= MSIX_TABLE && offset < MSIX_PBA + 0x1000) {
                msix.write(offset, size, value);
            }
        }
        if (notify >= 0) {
            device.queueNotify(notify);
        }
    }

    /**
     * Places the BAR at {@code address} (as firmware would; the guest may move it) and keeps it
     * mapped on {@code bus} wherever the guest puts it while memory decoding is on.
     */
    public synchronized void attach(Bus bus, long address, String name) {
        this.mmio = bus;
        this.busName = name;
        configWrite(BAR0, 4, (int) address);
        configWrite(BAR0 + 4, 4, (int) (address >>> 32));
    }

    /** Where the BAR is mapped now (0: not mapped). */
    public synchronized long mappedAt() {
        return mappedAt;
    }

    @Override
    protected void written(int offset, int size) {
        msix.controlWritten();
        remap();
    }

    private void remap() {
        if (mmio == null) {
            return;
        }
        long want = memoryEnabled() ? barAddress(0, true) : 0;
        if (want == mappedAt) {
            return;
        }
        if (mappedAt != 0) {
            mmio.unregister(mappedAt);
            mappedAt = 0;
        }
        if (want != 0) {
            try {
                mmio.register(want, BAR_SIZE, new BusDevice() {
                    @Override
                    public long read(long offset, int size) {
                        return barRead(offset, size);
                    }

                    @Override
                    public void write(long offset, int size, long value) {
                        barWrite(offset, size, value);
                    }
                }, busName);
                mappedAt = want;
            } catch (IllegalArgumentException e) {
                // The guest placed it over something else, or past the top (while sizing): unmapped until it moves.
                System.getLogger("org.jxen.vmm.virtio").log(System.Logger.Level.DEBUG, busName + ": BAR not mapped: "
                        + e.getMessage());
            }
        }
    }

    private long commonRead(int at, int size) {
        return switch (at) {
            case VirtioPci.COMMON_DFSELECT -> deviceFeatureSelect;
            case VirtioPci.COMMON_DF -> deviceFeatureSelect <= 1 ? (offered >>> (32 * deviceFeatureSelect)) & 0xFFFF_FFFFL : 0;
            case VirtioPci.COMMON_GFSELECT -> driverFeatureSelect;
            case VirtioPci.COMMON_GF -> driverFeatureSelect <= 1 ? (driverFeatures >>> (32 * driverFeatureSelect)) & 0xFFFF_FFFFL : 0;
            case VirtioPci.COMMON_MSIX -> configVector;
            case VirtioPci.COMMON_NUMQ -> queues.length;
            case VirtioPci.COMMON_STATUS -> status;
            case VirtioPci.COMMON_CFGGENERATION -> generation;
            case VirtioPci.COMMON_Q_SELECT -> queueSelect;
            case VirtioPci.COMMON_Q_SIZE -> selected() ? queueSize[queueSelect] : 0;
            case VirtioPci.COMMON_Q_MSIX -> selected() ? queueVector[queueSelect] : VirtioPci.NO_VECTOR;
            case VirtioPci.COMMON_Q_ENABLE -> selected() && queueEnabled[queueSelect] ? 1 : 0;
            case VirtioPci.COMMON_Q_NOFF -> selected() ? queueSelect : 0;
            case VirtioPci.COMMON_Q_DESC, VirtioPci.COMMON_Q_DESC + 4, VirtioPci.COMMON_Q_AVAIL, VirtioPci.COMMON_Q_AVAIL + 4,
                    VirtioPci.COMMON_Q_USED, VirtioPci.COMMON_Q_USED + 4 -> {
                if (!selected()) {
                    yield 0L;
                }
                int which = (at - VirtioPci.COMMON_Q_DESC) / 8;
                long v = queueAddress[queueSelect][which];
                yield (at % 8 == 0) ? (size == 8 ? v : v & 0xFFFF_FFFFL) : v >>> 32;
            }
            default -> 0L;
        };
    }

    private boolean selected() {
        return queueSelect < queues.length;
    }

    private void commonWrite(int at, int size, long value) {
        int v = (int) value;
        switch (at) {
            case VirtioPci.COMMON_DFSELECT -> deviceFeatureSelect = v;
            case VirtioPci.COMMON_GFSELECT -> driverFeatureSelect = v;
            case VirtioPci.COMMON_GF -> {
                if (driverFeatureSelect <= 1 && (status & VirtioPci.S_FEATURES_OK) == 0) {
                    int shift = 32 * driverFeatureSelect;
                    driverFeatures = (driverFeatures & ~(0xFFFF_FFFFL << shift)) | (Integer.toUnsignedLong(v) << shift);
                }
            }
            case VirtioPci.COMMON_MSIX -> configVector = v & 0xFFFF;
            case VirtioPci.COMMON_STATUS -> statusWrite(v & 0xFF);
            case VirtioPci.COMMON_Q_SELECT -> queueSelect = v & 0xFFFF;
            case VirtioPci.COMMON_Q_SIZE -> {
                // Any power of 2 up to the maximum (§4.1.4.3.2); anything else is kept and refused at enable.
                if (selected() && !queueEnabled[queueSelect]) {
                    queueSize[queueSelect] = v & 0xFFFF;
                }
            }
            case VirtioPci.COMMON_Q_MSIX -> {
                if (selected()) {
                    queueVector[queueSelect] = v & 0xFFFF;
                }
            }
            case VirtioPci.COMMON_Q_ENABLE -> {
                if (selected() && (v & 1) == 1 && !queueEnabled[queueSelect]) {
                    enableQueue(queueSelect);
                }
            }
            case VirtioPci.COMMON_Q_DESC, VirtioPci.COMMON_Q_DESC + 4, VirtioPci.COMMON_Q_AVAIL, VirtioPci.COMMON_Q_AVAIL + 4,
                    VirtioPci.COMMON_Q_USED, VirtioPci.COMMON_Q_USED + 4 -> {
                if (selected() && !queueEnabled[queueSelect]) {
                    int which = (at - VirtioPci.COMMON_Q_DESC) / 8;
                    long old = queueAddress[queueSelect][which];
                    queueAddress[queueSelect][which] = at % 8 == 0
                            ? (size == 8 ? value : (old & ~0xFFFF_FFFFL) | (value & 0xFFFF_FFFFL))
                            : (old & 0xFFFF_FFFFL) | (value << 32);
                }
            }
            default -> {
                // Read-only fields (device_feature, num_queues, config_generation, queue_notify_off).
            }
        }
    }

    private void statusWrite(int v) {
        if (v == 0) {
            resetRegisters();
            device.reset();
            return;
        }
        int added = v & ~status;
        if ((added & VirtioPci.S_FEATURES_OK) != 0) {
            // The driver may not accept what was not offered, and must accept VERSION_1 (§6.1).
            if ((driverFeatures & ~offered) != 0 || (driverFeatures & 1L << VirtioPci.VIRTIO_F_VERSION_1) == 0) {
                v &= ~VirtioPci.S_FEATURES_OK;
            }
        }
        if ((added & VirtioPci.S_DRIVER_OK) != 0) {
            if ((v & VirtioPci.S_FEATURES_OK) == 0) {
                v = v & ~VirtioPci.S_DRIVER_OK | VirtioPci.S_NEEDS_RESET;
            } else {
                status = v;
                List<SplitQueue> ready = new ArrayList<>(Arrays.asList(queues));
                device.activate(driverFeatures, ready, new VirtioDevice.Interrupts() {
                    @Override
                    public void queue(int q) {
                        interrupt(queueVectorOf(q));
                    }

                    @Override
                    public void config() {
                        interrupt(configVectorNow());
                    }
                });
                return;
            }
        }
        status = v;
    }

    private synchronized int queueVectorOf(int q) {
        isr |= 1;
        return queueVector[q];
    }

    private synchronized int configVectorNow() {
        isr |= 2;
        generation = (generation + 1) & 0xff;
        return configVector;
    }

    private void interrupt(int vector) {
        if (vector != VirtioPci.NO_VECTOR) {
            msix.signal(vector);
        }
    }

    private void enableQueue(int q) {
        long[] a = queueAddress[q];
        int max = device.queueMaxSize(q);
        try {
            if (queueSize[q] > max) {
                throw new VirtqueueException("queue " + q + " of size " + queueSize[q] + " (the device's largest is " + max + ")",
                        true);
            }
            boolean eventIdx = (driverFeatures & 1L << VirtioRing.VIRTIO_RING_F_EVENT_IDX) != 0;
            boolean indirect = (driverFeatures & 1L << VirtioRing.VIRTIO_RING_F_INDIRECT_DESC) != 0;
            queues[q] = new SplitQueue(device.getClass().getSimpleName() + " queue " + q, memory, queueSize[q], a[0], a[1], a[2],
                    eventIdx, indirect);
            queueEnabled[q] = true;
        } catch (VirtqueueException e) {
            System.getLogger("org.jxen.vmm.virtio").log(System.Logger.Level.WARNING, e.getMessage());
            status |= VirtioPci.S_NEEDS_RESET;
        }
    }
}
