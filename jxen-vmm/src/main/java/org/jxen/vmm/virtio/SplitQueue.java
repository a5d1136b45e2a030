package org.jxen.vmm.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.memory.GuestMemoryException;

/**
 * A split virtqueue, the device's side (virtio 1.2 §2.7): pops the chains the driver made
 * available and puts them in the used ring. Everything the driver wrote is read once into a
 * local before it is checked (CONVENTIONS rule 5); every loop over guest data is bounded by the
 * queue size.
 *
 * <p>Memory order: the available ring's {@code idx} is read with acquire semantics (the driver
 * writes the ring entries before it publishes the index), and the used ring's {@code idx} is
 * written with release semantics after the entry (so the driver never sees an index before its
 * entry); see virtio 1.2 §2.7.13 and §2.7.8.
 *
 * <p>Threads: one thread serves a queue (the device's queue worker); not thread-safe.
 */
public final class SplitQueue {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    /** 16-bit indices, read and written as the ring's publication points. */
    private static final VarHandle INDEX = ValueLayout.JAVA_SHORT.varHandle();

    private final String name;
    private final GuestMemory memory;
    private final int size;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final boolean eventIdx;
    private final boolean indirect;
    private int lastAvail;
    private int usedIdx;
    /** The used index at the last interrupt decision, for event_idx. */
    private int signalledUsed;

    /**
     * A queue of {@code size} entries at the three guest addresses the driver gave.
     *
     * @throws VirtqueueException when the size is not a power of two up to 32768, or a ring is
     *     misaligned or outside guest RAM (the driver's setup is wrong: the device needs a reset)
     */
    public SplitQueue(String name, GuestMemory memory, int size, long descGpa, long availGpa, long usedGpa,
            boolean eventIdx, boolean indirect) throws VirtqueueException {
        this.name = name;
        this.memory = memory;
        if (size < 1 || size > VirtioRing.MAX_QUEUE_SIZE || Integer.bitCount(size) != 1) {
            throw new VirtqueueException(name + ": queue size " + size + " (expected: a power of 2 up to "
                    + VirtioRing.MAX_QUEUE_SIZE + ")", true);
        }
        this.size = size;
        // Alignment: descriptor table 16, available ring 2, used ring 4 (virtio 1.2 §2.7, table).
        if (descGpa % 16 != 0 || availGpa % 2 != 0 || usedGpa % 4 != 0) {
            throw new VirtqueueException(name + ": misaligned rings (descriptors 0x" + Long.toHexString(descGpa)
                    + ", available 0x" + Long.toHexString(availGpa) + ", used 0x" + Long.toHexString(usedGpa) + ")", true);
        }
        try {
            this.desc = memory.slice(descGpa, VirtioRing.descTableSize(size));
            this.avail = memory.slice(availGpa, VirtioRing.availRingSize(size));
            this.used = memory.slice(usedGpa, VirtioRing.usedRingSize(size));
        } catch (GuestMemoryException e) {
            throw new VirtqueueException(name + ": a ring lies outside guest RAM: " + e.getMessage(), true);
        }
        this.eventIdx = eventIdx;
        this.indirect = indirect;
        this.usedIdx = Short.toUnsignedInt((short) INDEX.getAcquire(used, (long) VirtioRing.USED_IDX));
        this.lastAvail = usedIdx;
        this.signalledUsed = usedIdx;
    }

    public int size() {
        return size;
    }

    /**
     * The next chain the driver made available, or null when there is none.
     *
     * @throws VirtqueueException for a malformed chain ({@link VirtqueueException#needsReset()}
     *     false: the head is consumed, and the caller completes it with an error status), or for
     *     an available index that moved by more than the queue size (true)
     */
    public DescriptorChain pop() throws VirtqueueException {
        int availIdx = Short.toUnsignedInt((short) INDEX.getAcquire(avail, (long) VirtioRing.AVAIL_IDX));
        int pending = (availIdx - lastAvail) & 0xffff;
        if (pending == 0) {
            return null;
        }
        if (pending > size) {
            throw new VirtqueueException(name + ": the available index moved by " + pending + " entries, more than the "
                    + size + " the queue holds", true);
        }
        int head = Short.toUnsignedInt(avail.get(U16, VirtioRing.AVAIL_RING + 2L * (lastAvail % size)));
        lastAvail = (lastAvail + 1) & 0xffff;
        if (eventIdx) {
            // avail_event: the driver need not notify until it makes this entry available.
            used.set(U16, VirtioRing.USED_RING + (long) VirtioRing.USED_ELEM_SIZE * size, (short) lastAvail);
        }
        if (head >= size) {
            // No valid id to complete: the queue cannot go on.
            throw new VirtqueueException(name + ": head descriptor " + head + " is outside the table of " + size, true);
        }
        return new DescriptorChain(head, walk(head));
    }

    /** A chain the device cannot serve; {@link #head()} is the entry to complete with an error. */
    public static final class MalformedChain extends VirtqueueException {
        private final int head;

        MalformedChain(int head, String message) {
            super(message, false);
            this.head = head;
        }

        public int head() {
            return head;
        }
    }

    private List<DescriptorChain.Buffer> walk(int head) throws VirtqueueException {
        List<DescriptorChain.Buffer> out = new ArrayList<>();
        MemorySegment table = desc;
        int tableSize = size;
        int i = head;
        boolean inIndirect = false;
        boolean sawWritable = false;
        // At most one visit per descriptor of the table, plus one indirect table's worth.
        int budget = size;
        while (true) {
            if (budget-- <= 0) {
                throw new MalformedChain(head, name + ": the chain from descriptor " + head
                        + " is longer than the queue (a loop?)");
            }
            long base = (long) VirtioRing.DESC_SIZE * i;
            long addr = table.get(U64, base + VirtioRing.DESC_ADDR);
            int len = table.get(U32, base + VirtioRing.DESC_LEN);
            int flags = Short.toUnsignedInt(table.get(U16, base + VirtioRing.DESC_FLAGS));
            int next = Short.toUnsignedInt(table.get(U16, base + VirtioRing.DESC_NEXT));
            if ((flags & VirtioRing.VRING_DESC_F_INDIRECT) != 0) {
                if (!indirect) {
                    throw new MalformedChain(head, name + ": descriptor " + i + " is indirect, a feature not negotiated");
                }
                if (inIndirect) {
                    throw new MalformedChain(head, name + ": an indirect table points to another (descriptor " + i + ")");
                }
                long n = Integer.toUnsignedLong(len);
                if (n == 0 || n % VirtioRing.DESC_SIZE != 0 || n / VirtioRing.DESC_SIZE > size) {
                    throw new MalformedChain(head, name + ": indirect table of " + n + " bytes at descriptor " + i
                            + " (expected: a multiple of 16, at most " + size + " descriptors)");
                }
                try {
                    table = memory.slice(addr, n);
                } catch (GuestMemoryException e) {
                    throw new MalformedChain(head, name + ": the indirect table at descriptor " + i + " lies outside RAM");
                }
                tableSize = (int) (n / VirtioRing.DESC_SIZE);
                inIndirect = true;
                budget = tableSize;
                i = 0;
                continue;
            }
            boolean writable = (flags & VirtioRing.VRING_DESC_F_WRITE) != 0;
            if (!writable && sawWritable) {
                throw new MalformedChain(head, name + ": descriptor " + i
                        + " is device-readable after a device-writable one (virtio 1.2 §2.7.4.2)");
            }
            sawWritable |= writable;
            long length = Integer.toUnsignedLong(len);
            if (length > 0 && !memory.contains(addr, length)) {
                throw new MalformedChain(head, name + ": descriptor " + i + " (" + length + " bytes at 0x"
                        + Long.toHexString(addr) + ") lies outside guest RAM");
            }
            out.add(new DescriptorChain.Buffer(addr, len, writable));
            if ((flags & VirtioRing.VRING_DESC_F_NEXT) == 0) {
                return out;
            }
            if (next >= tableSize) {
                throw new MalformedChain(head, name + ": descriptor " + i + " chains to " + next + ", outside the table of "
                        + tableSize);
            }
            i = next;
        }
    }

    /**
     * The next chain the device can serve, or null: a malformed one is reported to {@code warn}
     * and completed at once with nothing written (its head goes back to the driver), and the
     * next is tried.
     *
     * @throws VirtqueueException when the queue's indices are broken (the device needs a reset)
     */
    public DescriptorChain popServable(java.util.function.Consumer<String> warn) throws VirtqueueException {
        while (true) {
            try {
                return pop();
            } catch (MalformedChain e) {
                warn.accept(e.getMessage());
                addUsed(e.head(), 0);
            }
        }
    }

    /** Puts a served chain in the used ring: {@code written} bytes went into its writable buffers. */
    public void addUsed(int head, int written) {
        long at = VirtioRing.USED_RING + (long) VirtioRing.USED_ELEM_SIZE * (usedIdx % size);
        used.set(U32, at, head);
        used.set(U32, at + 4, written);
        usedIdx = (usedIdx + 1) & 0xffff;
        INDEX.setRelease(used, (long) VirtioRing.USED_IDX, (short) usedIdx);
    }

    /**
     * Whether the driver wants an interrupt for what was added since the last call: with event_idx
     * when the used index passed its {@code used_event}; without, unless it set NO_INTERRUPT.
     */
    public boolean needsInterrupt() {
        VarHandle.fullFence();
        int old = signalledUsed;
        signalledUsed = usedIdx;
        if (eventIdx) {
            int usedEvent = Short.toUnsignedInt(avail.get(U16, VirtioRing.AVAIL_RING + 2L * size));
            return VirtioRing.needEvent(usedEvent, usedIdx, old);
        }
        int flags = Short.toUnsignedInt(avail.get(U16, VirtioRing.AVAIL_FLAGS));
        return old != usedIdx && (flags & VirtioRing.VRING_AVAIL_F_NO_INTERRUPT) == 0;
    }
}
