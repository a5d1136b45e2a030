package org.jxen.vmm.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

import org.jxen.vmm.memory.GuestMemory;

/**
 * The driver's side of a split virtqueue, in the test's hands (as virtio-queue's mock.rs): lays
 * out the rings in guest memory, puts buffers there, makes chains available and reads the used
 * ring, so devices and {@link SplitQueue} are tested without a guest. Also writes whatever
 * broken descriptors a test wants.
 */
public final class MockVirtqueueDriver {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final VarHandle INDEX = ValueLayout.JAVA_SHORT.varHandle();

    final GuestMemory memory;
    public final int size;
    public final long descGpa;
    public final long availGpa;
    public final long usedGpa;
    private long nextBuffer;
    private int nextDesc;
    private int availIdx;
    private int usedSeen;

    /** Rings at {@code base} (1 MiB up: above the legacy hole), buffers after them. */
    public MockVirtqueueDriver(GuestMemory memory, int size, long base) {
        this(memory, size, base, 4);
    }

    /**
     * Rings laid out from {@code base}, the used ring aligned to {@code usedAlign}: 4 for a
     * modern driver, 4096 for the legacy interface's fixed layout (virtio 1.2 §2.7.2, legacy).
     */
    public MockVirtqueueDriver(GuestMemory memory, int size, long base, int usedAlign) {
        this.memory = memory;
        this.size = size;
        this.descGpa = base;
        this.availGpa = base + VirtioRing.descTableSize(size);
        this.usedGpa = (availGpa + VirtioRing.availRingSize(size) + usedAlign - 1) & -(long) usedAlign;
        this.nextBuffer = (usedGpa + VirtioRing.usedRingSize(size) + 4095) & ~4095L;
    }

    public SplitQueue queue(boolean eventIdx, boolean indirect) throws VirtqueueException {
        return new SplitQueue("test queue", memory, size, descGpa, availGpa, usedGpa, eventIdx, indirect);
    }

    /** Guest memory for {@code bytes}, filled with them. */
    public long buffer(byte[] bytes) {
        long at = nextBuffer;
        nextBuffer = (nextBuffer + Math.max(bytes.length, 1) + 15) & ~15L;
        memory.write(at, bytes);
        return at;
    }

    public void descriptor(MemorySegment table, int i, long addr, int len, int flags, int next) {
        long base = (long) VirtioRing.DESC_SIZE * i;
        table.set(U64, base, addr);
        table.set(U32, base + 8, len);
        table.set(U16, base + 12, (short) flags);
        table.set(U16, base + 14, (short) next);
    }

    public MemorySegment table() {
        return memory.slice(descGpa, VirtioRing.descTableSize(size));
    }

    /** A buffer of a chain: its guest address, length and direction. */
    public record Buf(long gpa, int length, boolean writable) {}

    /** Makes a chain of {@code bufs} available (directly, or through one indirect table); returns its head. */
    public int add(List<Buf> bufs, boolean viaIndirect) {
        int head;
        if (viaIndirect) {
            long tableGpa = buffer(new byte[VirtioRing.DESC_SIZE * bufs.size()]);
            MemorySegment t = memory.slice(tableGpa, (long) VirtioRing.DESC_SIZE * bufs.size());
            for (int i = 0; i < bufs.size(); i++) {
                Buf b = bufs.get(i);
                descriptor(t, i, b.gpa(), b.length(), (b.writable() ? VirtioRing.VRING_DESC_F_WRITE : 0)
                        | (i + 1 < bufs.size() ? VirtioRing.VRING_DESC_F_NEXT : 0), i + 1);
            }
            head = nextDesc;
            nextDesc = (nextDesc + 1) % size;
            descriptor(table(), head, tableGpa, VirtioRing.DESC_SIZE * bufs.size(), VirtioRing.VRING_DESC_F_INDIRECT, 0);
        } else {
            head = nextDesc;
            for (int i = 0; i < bufs.size(); i++) {
                Buf b = bufs.get(i);
                int d = nextDesc;
                nextDesc = (nextDesc + 1) % size;
                descriptor(table(), d, b.gpa(), b.length(), (b.writable() ? VirtioRing.VRING_DESC_F_WRITE : 0)
                        | (i + 1 < bufs.size() ? VirtioRing.VRING_DESC_F_NEXT : 0), nextDesc);
            }
        }
        publish(head);
        return head;
    }

    /** Puts {@code head} in the available ring and publishes the new index. */
    public void publish(int head) {
        MemorySegment avail = memory.slice(availGpa, VirtioRing.availRingSize(size));
        avail.set(U16, 4 + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        INDEX.setRelease(avail, 2L, (short) availIdx);
    }

    /** Sets the available index directly (a broken driver). */
    void setAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        INDEX.setRelease(memory.slice(availGpa, 4), 2L, (short) availIdx);
    }

    void setAvailFlags(int flags) {
        memory.slice(availGpa, 2).set(U16, 0, (short) flags);
    }

    /** used_event, the last field of the available ring (event_idx). */
    void setUsedEvent(int idx) {
        memory.slice(availGpa + 4 + 2L * size, 2).set(U16, 0, (short) idx);
    }

    /** The next used entry as {id, len}, or null when the device has not added one. */
    public int[] nextUsed() {
        MemorySegment used = memory.slice(usedGpa, VirtioRing.usedRingSize(size));
        int idx = Short.toUnsignedInt((short) INDEX.getAcquire(used, 2L));
        if (idx == usedSeen) {
            return null;
        }
        long at = 4 + 8L * (usedSeen % size);
        usedSeen = (usedSeen + 1) & 0xffff;
        return new int[] {used.get(U32, at), used.get(U32, at + 4)};
    }
}
