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
 * A virtio device on PCI as a transitional device, as QEMU offers them by default: the modern
 * interface (virtio 1.2 §4.1) for drivers that look for it, and the legacy interface (§4.1.4.8)
 * for older ones. Its configuration header has the legacy device ID (0x1000 + ..., revision 0,
 * subsystem ID = the virtio device type, §4.1.2.1), the four virtio capabilities and MSI-X.
 * BAR 0 is the legacy I/O window ({@link #legacyRead}); BAR 4 (64-bit memory) is laid out as
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
    /** The modern memory BAR (64-bit: BARs 4 and 5), as QEMU places it. */
    public static final int MODERN_BAR = 4;
    /** The legacy I/O BAR. */
    public static final int LEGACY_BAR = 0;
    // Legacy registers (virtio 1.2 §4.1.4.8; linux/virtio_pci.h VIRTIO_PCI_*).
    static final int L_HOST_FEATURES = 0x00;
    static final int L_GUEST_FEATURES = 0x04;
    static final int L_QUEUE_PFN = 0x08;
    static final int L_QUEUE_NUM = 0x0C;
    static final int L_QUEUE_SEL = 0x0E;
    static final int L_QUEUE_NOTIFY = 0x10;
    static final int L_STATUS = 0x12;
    static final int L_ISR = 0x13;
    /** With MSI-X enabled: the config and queue vectors, then the device config at 0x18; else at 0x14. */
    static final int L_CONFIG_VECTOR = 0x14;
    static final int L_QUEUE_VECTOR = 0x16;
    static final int L_CONFIG_MSIX = 0x18;
    static final int L_CONFIG = 0x14;
    /** Legacy queue addresses are page numbers (VIRTIO_PCI_QUEUE_ADDR_SHIFT) and the used ring is page aligned. */
    static final int L_PAGE_SHIFT = 12;
    static final long L_ALIGN = 4096;
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
    private Bus pio;
    private int ioMappedAt;
    private final int legacySize;
    /** Whether the driver is using the legacy interface (it wrote a legacy register that sets it up). */
    private boolean legacy;
    private final int[] legacyPfn;

    /**
     * @param msixDeliver fires an MSI-X vector (the machine turns it into an MSI through KVM)
     */
    public VirtioPciFunction(VirtioDevice device, GuestMemory memory, int classCode, int subclass,
            java.util.function.Consumer<Integer> msixDeliver) {
        super(VirtioPci.VENDOR, VirtioPci.legacyDeviceId(device.deviceType()), classCode, subclass, 0, 0);
        subsystemId(device.deviceType());
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
        this.legacyPfn = new int[n];
        // Registers and device config, in a power of two of ports (the legacy window has room for 232 config bytes).
        this.legacySize = Math.min(256, Math.max(64, Integer.highestOneBit(L_CONFIG_MSIX + Math.max(1, device.config().length) - 1) << 1));
        addIoBar(LEGACY_BAR, legacySize);
        addMemoryBar(MODERN_BAR, BAR_SIZE, true, false);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_COMMON_CFG, COMMON, VirtioPci.COMMON_SIZE, null);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY, (long) NOTIFY_MULTIPLIER * n, NOTIFY_MULTIPLIER);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_ISR_CFG, ISR, 1, null);
        addVirtioCap(VirtioPci.VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE, Math.max(1, device.config().length), null);
        this.msix = new Msix(n + 1, MSIX_TABLE, MSIX_PBA, msixDeliver);
        msix.addTo(this, MODERN_BAR);
        resetRegisters();
    }

    /** struct virtio_pci_cap (and virtio_pci_notify_cap): cfg_type, bar, id, offset, length. */
    private void addVirtioCap(int type, long offset, long length, Integer notifyMultiplier) {
        byte[] body = new byte[notifyMultiplier == null ? 14 : 18];
        body[0] = (byte) (body.length + 2); // cap_len
        body[1] = (byte) type;
        body[2] = MODERN_BAR; // bar
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
        legacy = false;
        for (int q = 0; q < queues.length; q++) {
            legacyPfn[q] = 0;
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
        configWrite(BAR0 + 4 * MODERN_BAR, 4, (int) address);
        configWrite(BAR0 + 4 * MODERN_BAR + 4, 4, (int) (address >>> 32));
    }

    /**
     * Places the legacy I/O BAR at {@code port} and keeps it on {@code bus} wherever the guest
     * puts it while I/O decoding is on.
     */
    public synchronized void attachIo(Bus bus, int port, String name) {
        this.pio = bus;
        this.busName = name;
        configWrite(BAR0 + 4 * LEGACY_BAR, 4, port);
    }

    /** The legacy window's size in ports. */
    public int legacySize() {
        return legacySize;
    }

    /** Where the legacy I/O BAR is mapped now (0: not mapped). */
    public synchronized int ioMappedAt() {
        return ioMappedAt;
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
        remapIo();
        if (mmio == null) {
            return;
        }
        long want = memoryEnabled() ? barAddress(MODERN_BAR, true) : 0;
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

    private void remapIo() {
        if (pio == null) {
            return;
        }
        int want = ioEnabled() ? ioBarAddress(LEGACY_BAR) : 0;
        if (want == ioMappedAt) {
            return;
        }
        if (ioMappedAt != 0) {
            pio.unregister(ioMappedAt);
            ioMappedAt = 0;
        }
        if (want != 0) {
            try {
                pio.register(want, legacySize, new BusDevice() {
                    @Override
                    public long read(long offset, int size) {
                        return legacyRead((int) offset, size);
                    }

                    @Override
                    public void write(long offset, int size, long value) {
                        legacyWrite((int) offset, size, value);
                    }
                }, busName + " (legacy)");
                ioMappedAt = want;
            } catch (IllegalArgumentException e) {
                System.getLogger("org.jxen.vmm.virtio").log(System.Logger.Level.DEBUG, busName + ": I/O BAR not mapped: "
                        + e.getMessage());
            }
        }
    }

    /** Where the device configuration starts in the legacy window: after the vectors when MSI-X is on. */
    private int legacyConfigStart() {
        return msix.enabled() ? L_CONFIG_MSIX : L_CONFIG;
    }

    /** A read of {@code size} bytes at {@code offset} in the legacy I/O window (§4.1.4.8). */
    public synchronized long legacyRead(int offset, int size) {
        int cfg = legacyConfigStart();
        if (offset >= cfg) {
            byte[] c = device.config();
            long v = 0;
            for (int i = 0; i < size; i++) {
                int at = offset - cfg + i;
                v |= (long) (at < c.length ? c[at] & 0xff : 0) << (8 * i);
            }
            return v;
        }
        return switch (offset) {
            case L_HOST_FEATURES -> offered & 0xFFFF_FFFFL;
            case L_GUEST_FEATURES -> driverFeatures & 0xFFFF_FFFFL;
            case L_QUEUE_PFN -> selected() ? legacyPfn[queueSelect] : 0;
            case L_QUEUE_NUM -> selected() ? device.queueMaxSize(queueSelect) : 0;
            case L_QUEUE_SEL -> queueSelect;
            case L_STATUS -> status;
            case L_ISR -> {
                int v = isr;
                isr = 0;
                yield v;
            }
            case L_CONFIG_VECTOR -> configVector;
            case L_QUEUE_VECTOR -> selected() ? queueVector[queueSelect] : VirtioPci.NO_VECTOR;
            default -> 0L;
        };
    }

    /** A write of {@code size} bytes at {@code offset} in the legacy I/O window. */
    public void legacyWrite(int offset, int size, long value) {
        int notify = -1;
        synchronized (this) {
            int v = (int) value;
            int cfg = legacyConfigStart();
            if (offset >= cfg) {
                byte[] b = new byte[size];
                for (int i = 0; i < size; i++) {
                    b[i] = (byte) (value >>> (8 * i));
                }
                device.configWrite(offset - cfg, b);
                return;
            }
            switch (offset) {
                case L_GUEST_FEATURES -> {
                    legacy = true;
                    // Only what was offered, and never VERSION_1 (a legacy driver cannot ask for it).
                    driverFeatures = Integer.toUnsignedLong(v) & offered;
                }
                case L_QUEUE_PFN -> {
                    legacy = true;
                    if (selected()) {
                        legacyQueue(queueSelect, v);
                    }
                }
                case L_QUEUE_SEL -> queueSelect = v & 0xFFFF;
                case L_QUEUE_NOTIFY -> {
                    int q = v & 0xFFFF;
                    if (q < queues.length && queues[q] != null && (status & VirtioPci.S_DRIVER_OK) != 0) {
                        notify = q;
                    }
                }
                case L_STATUS -> {
                    legacy = true;
                    legacyStatus(v & 0xFF);
                }
                case L_CONFIG_VECTOR -> configVector = v & 0xFFFF;
                case L_QUEUE_VECTOR -> {
                    if (selected()) {
                        queueVector[queueSelect] = v & 0xFFFF;
                    }
                }
                default -> {
                    // Read-only: host features, queue size, ISR.
                }
            }
        }
        if (notify >= 0) {
            device.queueNotify(notify);
        }
    }

    /**
     * A legacy queue: its page number gives all three rings, laid out as the legacy interface
     * fixes them (descriptors, the available ring right after, the used ring on the next page
     * boundary), at the device's queue size; 0 disables it.
     */
    private void legacyQueue(int q, int pfn) {
        legacyPfn[q] = pfn;
        if (pfn == 0) {
            queues[q] = null;
            queueEnabled[q] = false;
            return;
        }
        int size = device.queueMaxSize(q);
        long desc = Integer.toUnsignedLong(pfn) << L_PAGE_SHIFT;
        long avail = desc + VirtioRing.descTableSize(size);
        long used = (avail + VirtioRing.availRingSize(size) + L_ALIGN - 1) & -L_ALIGN;
        queueSize[q] = size;
        queueAddress[q][0] = desc;
        queueAddress[q][1] = avail;
        queueAddress[q][2] = used;
        enableQueue(q);
    }

    private void legacyStatus(int v) {
        if (v == 0) {
            resetRegisters();
            device.reset();
            return;
        }
        int added = v & ~status;
        status = v;
        if ((added & VirtioPci.S_DRIVER_OK) != 0) {
            activate();
        }
    }

    /** Whether the driver uses the legacy interface. */
    public synchronized boolean legacyInUse() {
        return legacy;
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
                activate();
                return;
            }
        }
        status = v;
    }

    private void activate() {
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
