package org.jxen.vmm.device.pci;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jxen.vmm.bus.BusDevice;

/**
 * The host bridge: routes configuration accesses from the two access mechanisms to the
 * functions on bus 0, answers all ones for absent functions, and presents itself as 00:00.0.
 *
 * <p>{@link #ports()} is registered over ports 0xCF8..0xCFF: a 32-bit access to 0xCF8 is the
 * CONFIG_ADDRESS register, a byte access to 0xCF9 the reset control register, and 0xCFC..0xCFF
 * the CONFIG_DATA window. {@link #ecam()} is registered over the ECAM window.
 *
 * <p>Threads: vCPU threads. CONFIG_ADDRESS is one register shared by all vCPUs, as on real
 * hardware; the guest serialises its use (Linux holds pci_config_lock).
 */
public final class PciHostBridge {
    /** The bridge's identity: Intel's "virtual PCIe host" ID, as cloud-hypervisor uses. */
    public static final int VENDOR_INTEL = 0x8086;
    public static final int DEVICE_HOST_BRIDGE = 0x0D57;
    /** PCI Code and ID Assignment 1.11: class 06 (bridge), subclass 00 (host). */
    public static final int CLASS_BRIDGE = 0x06;
    public static final int SUBCLASS_HOST = 0x00;
    /** Intel ICH RST_CNT bits: SYS_RST (1) selects a full reset, RST_CPU (2) triggers it. */
    static final int RST_CPU = 0x04;

    private final Map<Integer, PciFunction> functions = new ConcurrentHashMap<>();
    private final Runnable reset;
    private volatile int configAddress;
    private int resetControl;

    public PciHostBridge(Runnable reset) {
        this.reset = reset;
        add(0, 0, new ConfigSpace(VENDOR_INTEL, DEVICE_HOST_BRIDGE, CLASS_BRIDGE, SUBCLASS_HOST, 0, 0));
    }

    /** Puts a function at bus 0, {@code device}.{@code function}. */
    public void add(int device, int function, PciFunction f) {
        if (device < 0 || device > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("PCI address 00:" + device + "." + function + " (expected: device 0..31, function 0..7)");
        }
        if (functions.putIfAbsent(bdf(0, device, function), f) != null) {
            throw new IllegalArgumentException(String.format("PCI slot 00:%02x.%d is taken", device, function));
        }
    }

    static int bdf(int bus, int device, int function) {
        return bus << 8 | device << 3 | function;
    }

    private int read(int bdf, int offset, int size) {
        PciFunction f = (bdf >> 8) == 0 ? functions.get(bdf) : null;
        if (f == null || (offset & (size - 1)) != 0) {
            return size == 4 ? -1 : (1 << (8 * size)) - 1;
        }
        return f.configRead(offset, size);
    }

    private void write(int bdf, int offset, int size, int value) {
        PciFunction f = (bdf >> 8) == 0 ? functions.get(bdf) : null;
        if (f != null && (offset & (size - 1)) == 0) {
            f.configWrite(offset, size, value);
        }
    }

    /** The port device for 0xCF8..0xCFF. */
    public BusDevice ports() {
        return new BusDevice() {
            @Override
            public long read(long offset, int size) {
                if (offset == 0 && size == 4) {
                    return configAddress & 0xffff_ffffL;
                }
                if (offset == 1 && size == 1) {
                    synchronized (PciHostBridge.this) {
                        return resetControl;
                    }
                }
                if (offset >= 4) {
                    int addr = configAddress;
                    if (addr >= 0) {
                        return size == 4 ? 0xffff_ffffL : (1L << (8 * size)) - 1;
                    }
                    int reg = (addr & 0xfc) | ((addr >>> 16) & 0xf00) | (int) (offset - 4);
                    return PciHostBridge.this.read((addr >>> 8) & 0xffff, reg, size) & 0xffff_ffffL;
                }
                return size == 4 ? 0xffff_ffffL : (1L << (8 * size)) - 1;
            }

            @Override
            public void write(long offset, int size, long value) {
                if (offset == 0 && size == 4) {
                    // Bit 31 enable, 23:16 bus, 15:11 device, 10:8 function, 7:2 register;
                    // 27:24 extend the register number (as AMD and QEMU do).
                    configAddress = (int) value & 0x8fff_fffc;
                } else if (offset == 1 && size == 1) {
                    boolean doReset;
                    synchronized (PciHostBridge.this) {
                        resetControl = (int) value & 0x0e;
                        doReset = (value & RST_CPU) != 0;
                    }
                    if (doReset) {
                        reset.run();
                    }
                } else if (offset >= 4) {
                    int addr = configAddress;
                    if (addr < 0) {
                        int reg = (addr & 0xfc) | ((addr >>> 16) & 0xf00) | (int) (offset - 4);
                        PciHostBridge.this.write((addr >>> 8) & 0xffff, reg, size, (int) value);
                    }
                }
            }
        };
    }

    /** The MMIO device for the ECAM window: bus[27:20] device[19:15] function[14:12] register[11:0]. */
    public BusDevice ecam() {
        return new BusDevice() {
            @Override
            public long read(long offset, int size) {
                if (size == 8) {
                    return -1L;
                }
                return PciHostBridge.this.read((int) (offset >>> 12) & 0xffff, (int) offset & 0xfff, size)
                        & ((1L << (8 * size)) - 1);
            }

            @Override
            public void write(long offset, int size, long value) {
                if (size != 8) {
                    PciHostBridge.this.write((int) (offset >>> 12) & 0xffff, (int) offset & 0xfff, size, (int) value);
                }
            }
        };
    }
}
