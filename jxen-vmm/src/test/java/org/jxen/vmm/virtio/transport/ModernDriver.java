package org.jxen.vmm.virtio.transport;

import org.jxen.vmm.device.pci.ConfigSpace;
import org.jxen.vmm.virtio.MockVirtqueueDriver;

/**
 * A virtio-pci driver's set-up sequence (virtio 1.2 §3.1.1), as Linux's virtio_pci_modern runs
 * it, through a function's registers: status, features, each queue's size, rings and vector,
 * MSI-X, DRIVER_OK.
 */
public final class ModernDriver {
    private final VirtioPciFunction f;

    public ModernDriver(VirtioPciFunction f) {
        this.f = f;
    }

    long common(int at) {
        return VirtioPciFunction.COMMON + at;
    }

    public long deviceFeatures() {
        long f0;
        f.barWrite(common(VirtioPci.COMMON_DFSELECT), 4, 0);
        f0 = f.barRead(common(VirtioPci.COMMON_DF), 4);
        f.barWrite(common(VirtioPci.COMMON_DFSELECT), 4, 1);
        return f0 | f.barRead(common(VirtioPci.COMMON_DF), 4) << 32;
    }

    /** ACKNOWLEDGE, DRIVER, the features, FEATURES_OK; returns whether the device kept FEATURES_OK. */
    public boolean negotiate(long features) {
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER);
        for (int sel = 0; sel < 2; sel++) {
            f.barWrite(common(VirtioPci.COMMON_GFSELECT), 4, sel);
            f.barWrite(common(VirtioPci.COMMON_GF), 4, features >>> (32 * sel));
        }
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER | VirtioPci.S_FEATURES_OK);
        return (f.barRead(common(VirtioPci.COMMON_STATUS), 1) & VirtioPci.S_FEATURES_OK) != 0;
    }

    /** Queue {@code q} on the rings of {@code d}, interrupting on MSI-X vector {@code vector}. */
    public void queue(int q, MockVirtqueueDriver d, int vector) {
        f.barWrite(common(VirtioPci.COMMON_Q_SELECT), 2, q);
        f.barWrite(common(VirtioPci.COMMON_Q_SIZE), 2, d.size);
        f.barWrite(common(VirtioPci.COMMON_Q_DESC), 8, d.descGpa);
        f.barWrite(common(VirtioPci.COMMON_Q_AVAIL), 8, d.availGpa);
        f.barWrite(common(VirtioPci.COMMON_Q_USED), 8, d.usedGpa);
        f.barWrite(common(VirtioPci.COMMON_Q_MSIX), 2, vector);
        f.barWrite(common(VirtioPci.COMMON_Q_ENABLE), 2, 1);
    }

    /** Programs MSI-X vector {@code v} (unmasked) and enables MSI-X. */
    public void msix(int v, long address, int data) {
        long entry = VirtioPciFunction.MSIX_TABLE + 16L * v;
        f.barWrite(entry, 4, address);
        f.barWrite(entry + 4, 4, address >>> 32);
        f.barWrite(entry + 8, 4, data);
        f.barWrite(entry + 12, 4, 0);
        for (int at = f.configRead(ConfigSpace.CAPABILITIES_POINTER, 1); at != 0; at = f.configRead(at + 1, 1)) {
            if (f.configRead(at, 1) == 0x11) {
                f.configWrite(at + 2, 2, 1 << 15);
            }
        }
    }

    public void driverOk() {
        f.barWrite(common(VirtioPci.COMMON_STATUS), 1, VirtioPci.S_ACKNOWLEDGE | VirtioPci.S_DRIVER | VirtioPci.S_FEATURES_OK
                | VirtioPci.S_DRIVER_OK);
    }

    public void notify(int q) {
        f.barWrite(VirtioPciFunction.NOTIFY + (long) VirtioPciFunction.NOTIFY_MULTIPLIER * q, 2, q);
    }

    public int status() {
        return (int) f.barRead(common(VirtioPci.COMMON_STATUS), 1);
    }

    public long deviceConfig(int offset, int size) {
        return f.barRead(VirtioPciFunction.DEVICE + offset, size);
    }
}
