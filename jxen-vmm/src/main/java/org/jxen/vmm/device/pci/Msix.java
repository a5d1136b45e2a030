package org.jxen.vmm.device.pci;

import java.util.function.Consumer;

/**
 * MSI-X for one function (PCI Local Bus 3.0, §6.8.2): the capability in config space, the
 * vector table and the pending-bit array the guest reaches through a BAR, and the delivery rule:
 * a vector fires when MSI-X is enabled and neither the function nor the vector is masked;
 * otherwise its pending bit is set, and it fires when unmasked.
 *
 * <p>Threads: vCPU threads (table and config accesses) and device threads ({@link #signal});
 * guarded by this object's monitor. {@code deliver} runs with it held, so it must not block.
 */
public final class Msix {
    /** Capability ID (PCI Code and ID Assignment, "MSI-X"). */
    public static final int CAP_ID = 0x11;
    /** Message control: bit 15 MSI-X enable, bit 14 function mask; bits 10:0 table size - 1. */
    static final int CONTROL_ENABLE = 1 << 15;
    static final int CONTROL_FUNCTION_MASK = 1 << 14;
    /** A table entry: address low, address high, data, vector control (bit 0: masked). */
    public static final int ENTRY_SIZE = 16;
    static final int VECTOR_MASKED = 1;
    /** The most vectors a function may have (table size field: 11 bits). */
    public static final int MAX_VECTORS = 2048;

    /** One programmed vector: the MSI address and data the guest wrote. */
    public record Vector(long address, int data) {}

    private final int vectors;
    private final int[] table;
    private final long[] pending;
    private final long tableOffset;
    private final long pbaOffset;
    private final Consumer<Integer> deliver;
    private ConfigSpace cs;
    private int cap;

    /**
     * @param tableOffset where the table starts in its BAR (8-byte aligned)
     * @param pbaOffset where the pending bits start in the same BAR (8-byte aligned)
     * @param deliver fires vector {@code i} (looks it up with {@link #vector(int)})
     */
    public Msix(int vectors, long tableOffset, long pbaOffset, Consumer<Integer> deliver) {
        if (vectors < 1 || vectors > MAX_VECTORS || tableOffset % 8 != 0 || pbaOffset % 8 != 0) {
            throw new IllegalArgumentException("MSI-X with " + vectors + " vectors, table at " + tableOffset + ", PBA at "
                    + pbaOffset + " (expected: 1 to " + MAX_VECTORS + " vectors, 8-byte aligned offsets)");
        }
        this.vectors = vectors;
        this.table = new int[vectors * 4];
        for (int i = 0; i < vectors; i++) {
            table[4 * i + 3] = VECTOR_MASKED;
        }
        this.pending = new long[(vectors + 63) / 64];
        this.tableOffset = tableOffset;
        this.pbaOffset = pbaOffset;
        this.deliver = deliver;
    }

    /** Adds the capability to {@code config} for a table and PBA in BAR {@code bar}; returns its offset. */
    public synchronized int addTo(ConfigSpace config, int bar) {
        byte[] body = new byte[10];
        int control = vectors - 1;
        body[0] = (byte) control;
        body[1] = (byte) (control >> 8);
        int t = (int) tableOffset | bar;
        int p = (int) pbaOffset | bar;
        for (int i = 0; i < 4; i++) {
            body[2 + i] = (byte) (t >>> (8 * i));
            body[6 + i] = (byte) (p >>> (8 * i));
        }
        cs = config;
        cap = config.addCapability(CAP_ID, body);
        config.makeWritable(cap + 3, 1, (CONTROL_ENABLE | CONTROL_FUNCTION_MASK) >>> 8);
        return cap;
    }

    private int control() {
        return cs == null ? 0 : cs.configRead(cap + 2, 2);
    }

    public synchronized boolean enabled() {
        return (control() & CONTROL_ENABLE) != 0;
    }

    /** The vector the guest programmed at entry {@code i}. */
    public synchronized Vector vector(int i) {
        return new Vector(Integer.toUnsignedLong(table[4 * i]) | (long) table[4 * i + 1] << 32, table[4 * i + 2]);
    }

    /** Raises vector {@code i}: delivered now, or left pending while masked or disabled. */
    public synchronized void signal(int i) {
        if (i < 0 || i >= vectors) {
            return;
        }
        if (deliverable(i)) {
            deliver.accept(i);
        } else {
            pending[i / 64] |= 1L << (i % 64);
        }
    }

    private boolean deliverable(int i) {
        int c = control();
        return (c & CONTROL_ENABLE) != 0 && (c & CONTROL_FUNCTION_MASK) == 0 && (table[4 * i + 3] & VECTOR_MASKED) == 0;
    }

    /** Called after the guest wrote the capability's control: unmasking may release pending vectors. */
    public synchronized void controlWritten() {
        releasePending();
    }

    private void releasePending() {
        for (int i = 0; i < vectors; i++) {
            if ((pending[i / 64] & 1L << (i % 64)) != 0 && deliverable(i)) {
                pending[i / 64] &= ~(1L << (i % 64));
                deliver.accept(i);
            }
        }
    }

    /** Reads the table or the PBA at {@code offset} in the BAR; other offsets read as zeros. */
    public synchronized long read(long offset, int size) {
        long v = 0;
        for (int b = 0; b < size; b++) {
            v |= (long) byteAt(offset + b) << (8 * b);
        }
        return v;
    }

    private int byteAt(long at) {
        if (at >= tableOffset && at < tableOffset + (long) ENTRY_SIZE * vectors) {
            long o = at - tableOffset;
            return (table[(int) (o / 4)] >>> (8 * (o % 4))) & 0xff;
        }
        if (at >= pbaOffset && at < pbaOffset + 8L * pending.length) {
            long o = at - pbaOffset;
            return (int) (pending[(int) (o / 8)] >>> (8 * (o % 8))) & 0xff;
        }
        return 0;
    }

    /** Writes the table (the PBA is read-only); unmasking an entry may release its pending vector. */
    public synchronized void write(long offset, int size, long value) {
        for (int b = 0; b < size; b++) {
            long at = offset + b;
            if (at >= tableOffset && at < tableOffset + (long) ENTRY_SIZE * vectors) {
                long o = at - tableOffset;
                int word = (int) (o / 4);
                int shift = (int) (8 * (o % 4));
                int v = (int) (value >>> (8 * b)) & 0xff;
                if (word % 4 == 3) {
                    // Vector control: only the mask bit is defined.
                    v &= shift == 0 ? VECTOR_MASKED : 0;
                }
                table[word] = (table[word] & ~(0xff << shift)) | v << shift;
            }
        }
        releasePending();
    }
}
