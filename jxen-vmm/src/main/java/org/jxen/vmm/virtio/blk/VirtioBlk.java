package org.jxen.vmm.virtio.blk;

/** virtio-blk's numbers: {@code linux/virtio_blk.h} (virtio 1.2 §5.2). */
public final class VirtioBlk {
    private VirtioBlk() {}

    // Request types (struct virtio_blk_outhdr.type).
    public static final int VIRTIO_BLK_T_IN = 0;
    public static final int VIRTIO_BLK_T_OUT = 1;
    public static final int VIRTIO_BLK_T_FLUSH = 4;
    public static final int VIRTIO_BLK_T_GET_ID = 8;
    public static final int VIRTIO_BLK_T_DISCARD = 11;
    public static final int VIRTIO_BLK_T_WRITE_ZEROES = 13;
    // Status byte values.
    public static final int VIRTIO_BLK_S_OK = 0;
    public static final int VIRTIO_BLK_S_IOERR = 1;
    public static final int VIRTIO_BLK_S_UNSUPP = 2;
    // Feature bits.
    public static final int VIRTIO_BLK_F_SIZE_MAX = 1;
    public static final int VIRTIO_BLK_F_SEG_MAX = 2;
    public static final int VIRTIO_BLK_F_RO = 5;
    public static final int VIRTIO_BLK_F_BLK_SIZE = 6;
    public static final int VIRTIO_BLK_F_FLUSH = 9;
    public static final int VIRTIO_BLK_F_DISCARD = 13;
    public static final int VIRTIO_BLK_F_WRITE_ZEROES = 14;
    /** {@code VIRTIO_BLK_ID_BYTES}: the serial GET_ID returns, at most. */
    public static final int VIRTIO_BLK_ID_BYTES = 20;
    /** {@code struct virtio_blk_outhdr}: type (le32), ioprio (le32), sector (le64). */
    public static final int OUTHDR_SIZE = 16;
    /** {@code struct virtio_blk_discard_write_zeroes}: sector (le64), num_sectors (le32), flags (le32). */
    public static final int DISCARD_SEGMENT_SIZE = 16;
    /** {@code VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP}. */
    public static final int WRITE_ZEROES_FLAG_UNMAP = 1;
}
