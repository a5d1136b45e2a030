package org.jxen.vmm.virtio.transport;

/** The virtio-over-PCI numbers: {@code linux/virtio_pci.h} and {@code linux/virtio_config.h} (virtio 1.2 §4.1). */
public final class VirtioPci {
    private VirtioPci() {}

    /** Red Hat's PCI vendor ID for virtio; modern device IDs are 0x1040 + the virtio device type (§4.1.2.1). */
    public static final int VENDOR = 0x1AF4;
    public static final int MODERN_DEVICE_BASE = 0x1040;
    /**
     * A transitional device's PCI device ID (virtio 1.2 §4.1.2.3, "Legacy Interfaces": 0x1000 net,
     * 0x1001 block, 0x1002 balloon, 0x1003 console, 0x1004 SCSI, 0x1005 entropy, 0x1009 9P);
     * a type with no legacy ID gets the modern one.
     */
    public static int legacyDeviceId(int deviceType) {
        return switch (deviceType) {
            case 1 -> 0x1000;
            case 2 -> 0x1001;
            case 3 -> 0x1003;
            case 4 -> 0x1005;
            case 5 -> 0x1002;
            case 8 -> 0x1004;
            case 9 -> 0x1009;
            default -> MODERN_DEVICE_BASE + deviceType;
        };
    }

    /** Capability ID "vendor specific" (PCI Code and ID Assignment), which virtio's capabilities use. */
    public static final int CAP_VENDOR = 0x09;
    // cfg_type of struct virtio_pci_cap.
    public static final int VIRTIO_PCI_CAP_COMMON_CFG = 1;
    public static final int VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
    public static final int VIRTIO_PCI_CAP_ISR_CFG = 3;
    public static final int VIRTIO_PCI_CAP_DEVICE_CFG = 4;
    // struct virtio_pci_common_cfg offsets.
    public static final int COMMON_DFSELECT = 0;
    public static final int COMMON_DF = 4;
    public static final int COMMON_GFSELECT = 8;
    public static final int COMMON_GF = 12;
    public static final int COMMON_MSIX = 16;
    public static final int COMMON_NUMQ = 18;
    public static final int COMMON_STATUS = 20;
    public static final int COMMON_CFGGENERATION = 21;
    public static final int COMMON_Q_SELECT = 22;
    public static final int COMMON_Q_SIZE = 24;
    public static final int COMMON_Q_MSIX = 26;
    public static final int COMMON_Q_ENABLE = 28;
    public static final int COMMON_Q_NOFF = 30;
    public static final int COMMON_Q_DESC = 32;
    public static final int COMMON_Q_AVAIL = 40;
    public static final int COMMON_Q_USED = 48;
    public static final int COMMON_SIZE = 56;
    // Device status bits.
    public static final int S_ACKNOWLEDGE = 1;
    public static final int S_DRIVER = 2;
    public static final int S_DRIVER_OK = 4;
    public static final int S_FEATURES_OK = 8;
    public static final int S_NEEDS_RESET = 0x40;
    public static final int S_FAILED = 0x80;
    /** {@code VIRTIO_F_VERSION_1}: a modern (1.x) device. */
    public static final int VIRTIO_F_VERSION_1 = 32;
    /** {@code VIRTIO_MSI_NO_VECTOR}. */
    public static final int NO_VECTOR = 0xFFFF;
}
