package org.jxen.vmm.device.pci;

/**
 * A type-0 configuration header (PCI Local Bus 3.0, 6.1) held as bytes with a write mask, so
 * read-only fields stay read-only whatever the guest writes.
 */
public class ConfigSpace implements PciFunction {
    // PCI Local Bus 3.0, figure 6-1.
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int SUBCLASS = 0x0A;
    public static final int CLASS = 0x0B;
    public static final int HEADER_TYPE = 0x0E;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int SIZE = 4096;

    private final byte[] data = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];

    public ConfigSpace(int vendor, int device, int classCode, int subclass, int progIf, int revision) {
        put16(VENDOR_ID, vendor);
        put16(DEVICE_ID, device);
        data[REVISION] = (byte) revision;
        data[CLASS_PROG] = (byte) progIf;
        data[SUBCLASS] = (byte) subclass;
        data[CLASS] = (byte) classCode;
        put16(SUBSYSTEM_VENDOR_ID, vendor);
        put16(SUBSYSTEM_ID, device);
        // Command: I/O space, memory space, bus master, interrupt disable are the guest's.
        writable[COMMAND] = 0x07;
        writable[COMMAND + 1] = 0x04;
    }

    protected final void put16(int at, int v) {
        data[at] = (byte) v;
        data[at + 1] = (byte) (v >> 8);
    }

    @Override
    public synchronized int configRead(int offset, int size) {
        if (offset < 0 || offset + size > SIZE) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= (data[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    @Override
    public synchronized void configWrite(int offset, int size, int value) {
        if (offset < 0 || offset + size > SIZE) {
            return;
        }
        for (int i = 0; i < size; i++) {
            int at = offset + i;
            int b = (value >>> (8 * i)) & 0xff;
            data[at] = (byte) ((data[at] & ~writable[at]) | (b & writable[at]));
        }
    }
}
