package org.jxen.vmm.virtio;

/** The split virtqueue's layout and flags: {@code linux/virtio_ring.h} (virtio 1.2 §2.7). */
public final class VirtioRing {
    private VirtioRing() {}

    /** {@code VRING_DESC_F_NEXT}: the buffer continues in the descriptor {@code next} names. */
    public static final int VRING_DESC_F_NEXT = 1;
    /** {@code VRING_DESC_F_WRITE}: the device writes this buffer (else it only reads it). */
    public static final int VRING_DESC_F_WRITE = 2;
    /** {@code VRING_DESC_F_INDIRECT}: the buffer is a table of descriptors. */
    public static final int VRING_DESC_F_INDIRECT = 4;
    /** {@code VRING_AVAIL_F_NO_INTERRUPT}: the driver asks not to be interrupted (without event_idx). */
    public static final int VRING_AVAIL_F_NO_INTERRUPT = 1;
    /** {@code VRING_USED_F_NO_NOTIFY}: the device asks not to be notified (without event_idx). */
    public static final int VRING_USED_F_NO_NOTIFY = 1;
    /** {@code VIRTIO_RING_F_INDIRECT_DESC} and {@code VIRTIO_RING_F_EVENT_IDX}: feature bits 28 and 29. */
    public static final int VIRTIO_RING_F_INDIRECT_DESC = 28;
    public static final int VIRTIO_RING_F_EVENT_IDX = 29;
    /** {@code VIRTQUEUE_MAX_SIZE}-style bound: the largest split queue (virtio 1.2 §2.7: 32768). */
    public static final int MAX_QUEUE_SIZE = 32768;

    /** {@code struct vring_desc}: addr (le64), len (le32), flags (le16), next (le16). */
    public static final int DESC_SIZE = 16;
    static final int DESC_ADDR = 0;
    static final int DESC_LEN = 8;
    static final int DESC_FLAGS = 12;
    static final int DESC_NEXT = 14;
    /** {@code struct vring_avail}: flags, idx, ring[size], then used_event (le16 each). */
    static final int AVAIL_FLAGS = 0;
    static final int AVAIL_IDX = 2;
    static final int AVAIL_RING = 4;
    /** {@code struct vring_used}: flags, idx (le16), ring[size] of {id, len} (le32 each), avail_event. */
    static final int USED_FLAGS = 0;
    static final int USED_IDX = 2;
    static final int USED_RING = 4;
    static final int USED_ELEM_SIZE = 8;

    /** Bytes of the descriptor table, the available ring and the used ring of a queue of {@code size}. */
    public static long descTableSize(int size) {
        return (long) DESC_SIZE * size;
    }

    public static long availRingSize(int size) {
        return 6 + 2L * size;
    }

    public static long usedRingSize(int size) {
        return 6 + (long) USED_ELEM_SIZE * size;
    }

    /**
     * {@code vring_need_event} (linux/virtio_ring.h): whether moving an index from {@code old} to
     * {@code next} passes {@code event}, in 16-bit wrapping arithmetic.
     */
    public static boolean needEvent(int event, int next, int old) {
        return ((next - event - 1) & 0xffff) < ((next - old) & 0xffff);
    }
}
