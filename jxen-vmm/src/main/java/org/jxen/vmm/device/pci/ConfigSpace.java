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
    /** Base address registers 0..5 (PCI Local Bus 3.0, 6.2.5.1). */
    public static final int BAR0 = 0x10;
    public static final int CAPABILITIES_POINTER = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    /** Status bit 4: the function has a capability list. */
    public static final int STATUS_CAP_LIST = 1 << 4;
    /** BAR bits: memory space (bit 0 clear), 64-bit type (bits 2:1 = 10b), prefetchable (bit 3). */
    static final int BAR_MEM_64 = 0x4;
    static final int BAR_PREFETCH = 0x8;
    /** Where the first capability goes: after the type-0 header. */
    static final int FIRST_CAPABILITY = 0x40;

    private final byte[] data = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private int nextCapability = FIRST_CAPABILITY;
    private int lastCapability;

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
        writable[INTERRUPT_LINE] = (byte) 0xff;
    }

    /**
     * Declares memory BAR {@code index} of {@code size} bytes (a power of two, at least 16): the
     * guest sizes it by writing all ones and reading back, then places it; the type bits are
     * read-only. A 64-bit BAR takes {@code index} and {@code index + 1}.
     */
    public final synchronized void addMemoryBar(int index, long size, boolean is64, boolean prefetchable) {
        if (index < 0 || index > (is64 ? 4 : 5) || size < 16 || Long.bitCount(size) != 1 || (!is64 && size > 1L << 31)) {
            throw new IllegalArgumentException("BAR " + index + " of " + size + " bytes (expected: a power of 2 from 16, in "
                    + (is64 ? "BARs 0..4" : "BARs 0..5, at most 2 GiB") + ")");
        }
        int at = BAR0 + 4 * index;
        int type = (is64 ? BAR_MEM_64 : 0) | (prefetchable ? BAR_PREFETCH : 0);
        put32(at, type);
        long mask = ~(size - 1);
        putMask(at, (int) mask & ~0xF);
        if (is64) {
            putMask(at + 4, (int) (mask >>> 32));
        }
    }

    /**
     * Declares I/O BAR {@code index} of {@code size} ports (a power of two from 4 to 256): bit 0
     * reads 1 (I/O space) and is read-only, as are the bits below the size.
     */
    public final synchronized void addIoBar(int index, int size) {
        if (index < 0 || index > 5 || size < 4 || size > 256 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("I/O BAR " + index + " of " + size + " ports (expected: a power of 2 from 4 to 256)");
        }
        int at = BAR0 + 4 * index;
        put32(at, 1);
        putMask(at, ~(size - 1) & ~0x3);
    }

    /** The port I/O BAR {@code index} was placed at (0 while unplaced). */
    public final synchronized int ioBarAddress(int index) {
        return configRead(BAR0 + 4 * index, 4) & 0xFFFC;
    }

    /** Whether the guest enabled I/O decoding (command bit 0). */
    public final synchronized boolean ioEnabled() {
        return (data[COMMAND] & 0x1) != 0;
    }

    /** Sets the subsystem ID (a transitional virtio device's is its virtio device type). */
    protected final synchronized void subsystemId(int id) {
        put16(SUBSYSTEM_ID, id);
    }

    /** The guest-physical address BAR {@code index} was placed at (0 while unplaced). */
    public final synchronized long barAddress(int index, boolean is64) {
        int at = BAR0 + 4 * index;
        long lo = configRead(at, 4) & 0xFFFF_FFF0L;
        return is64 ? lo | (long) configRead(at + 4, 4) << 32 : lo;
    }

    /** Whether the guest enabled memory decoding (command bit 1). */
    public final synchronized boolean memoryEnabled() {
        return (data[COMMAND] & 0x2) != 0;
    }

    /**
     * Adds a capability: {@code id}, then {@code body} (the bytes after the ID and next pointer),
     * linked at the end of the list; returns its offset. Every byte is read-only unless
     * {@link #makeWritable} says otherwise.
     */
    public final synchronized int addCapability(int id, byte[] body) {
        int at = nextCapability;
        int length = (2 + body.length + 3) & ~3;
        if (at + length > 0x100) {
            throw new IllegalArgumentException("capabilities do not fit the 256-byte configuration header");
        }
        data[at] = (byte) id;
        System.arraycopy(body, 0, data, at + 2, body.length);
        if (lastCapability == 0) {
            data[CAPABILITIES_POINTER] = (byte) at;
            put16(STATUS, configRead(STATUS, 2) | STATUS_CAP_LIST);
        } else {
            data[lastCapability + 1] = (byte) at;
        }
        lastCapability = at;
        nextCapability = at + length;
        return at;
    }

    /** Lets the guest write {@code length} bytes at {@code offset} (a capability's control fields). */
    public final synchronized void makeWritable(int offset, int length, int bitMask) {
        for (int i = 0; i < length; i++) {
            writable[offset + i] = (byte) (bitMask >>> (8 * i));
        }
    }

    protected final void put32(int at, int v) {
        put16(at, v);
        put16(at + 2, v >>> 16);
    }

    private void putMask(int at, int mask) {
        for (int i = 0; i < 4; i++) {
            writable[at + i] = (byte) (mask >>> (8 * i));
        }
    }

    /**
     * Called after the guest wrote config space (with this object's monitor held): a subclass
     * reacts to a BAR placed, a command bit or a capability's control.
     */
    protected void written(int offset, int size) {
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
        written(offset, size);
    }
}
