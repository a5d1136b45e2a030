package org.jxen.block.qcow2;

import java.nio.ByteBuffer;

import org.jxen.block.ImageException;

/**
 * A qcow2 header (QEMU's docs/interop/qcow2.txt, "Header"), big-endian, versions 2 and 3, each
 * field checked before the image is used. Offsets are byte offsets in the image file.
 */
public record Qcow2Header(int version, long backingFileOffset, int backingFileSize, int clusterBits, long size,
        int cryptMethod, int l1Size, long l1TableOffset, long refcountTableOffset, int refcountTableClusters,
        int nbSnapshots, long snapshotsOffset, long incompatibleFeatures, long compatibleFeatures,
        long autoclearFeatures, int refcountOrder, int headerLength, int compressionType) {

    /** "QFI\xfb". */
    public static final int MAGIC = 0x514649fb;
    /** Incompatible feature bits (qcow2.txt, byte 72). */
    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 1 << 1;
    static final long INCOMPAT_EXTERNAL_DATA = 1 << 2;
    static final long INCOMPAT_COMPRESSION = 1 << 3;
    static final long INCOMPAT_EXTENDED_L2 = 1 << 4;
    static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_EXTERNAL_DATA | INCOMPAT_COMPRESSION
            | INCOMPAT_EXTENDED_L2;
    /** Smallest and largest cluster_bits qemu accepts (512 B .. 2 MiB). */
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    /** The largest L1 table jxen reads into memory (32 MiB: a 2 PiB disk at 64 KiB clusters). */
    static final long MAX_L1_BYTES = 32L << 20;

    /** Parses and checks the first bytes of {@code image} (at least 104). */
    public static Qcow2Header parse(String image, ByteBuffer b, long fileSize) throws ImageException {
        if (b.remaining() < 72 || b.getInt(0) != MAGIC) {
            throw new ImageException(image + " is not a qcow2 image (no QFI\\xfb magic)");
        }
        int version = b.getInt(4);
        if (version != 2 && version != 3) {
            throw new ImageException(image + ": qcow2 version " + version + " (jxen reads versions 2 and 3)");
        }
        long incompatible = 0;
        long compatible = 0;
        long autoclear = 0;
        int refcountOrder = 4;
        int headerLength = 72;
        int compression = 0;
        if (version == 3) {
            if (b.remaining() < 104) {
                throw new ImageException(image + ": the qcow2 v3 header is cut short");
            }
            incompatible = b.getLong(72);
            compatible = b.getLong(80);
            autoclear = b.getLong(88);
            refcountOrder = b.getInt(96);
            headerLength = b.getInt(100);
            if (headerLength < 104 || headerLength > b.remaining()) {
                throw new ImageException(image + ": header_length " + headerLength + " (expected: 104 to " + b.remaining() + ")");
            }
            if (headerLength > 104) {
                compression = b.get(104) & 0xff;
            }
        }
        Qcow2Header h = new Qcow2Header(version, b.getLong(8), b.getInt(16), b.getInt(20), b.getLong(24), b.getInt(32),
                b.getInt(36), b.getLong(40), b.getLong(48), b.getInt(56), b.getInt(60), b.getLong(64), incompatible,
                compatible, autoclear, refcountOrder, headerLength, compression);
        h.check(image, fileSize);
        return h;
    }

    public long clusterSize() {
        return 1L << clusterBits;
    }

    private void check(String image, long fileSize) throws ImageException {
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new ImageException(image + ": cluster_bits " + clusterBits + " (expected: " + MIN_CLUSTER_BITS + " to "
                    + MAX_CLUSTER_BITS + ")");
        }
        if (size < 0 || size % 512 != 0) {
            throw new ImageException(image + ": virtual size " + size + " is not a whole number of sectors");
        }
        if (cryptMethod != 0) {
            throw new ImageException(image + " is encrypted (crypt_method " + cryptMethod + "); jxen does not decrypt images");
        }
        long unknown = incompatibleFeatures & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            throw new ImageException(image + ": unknown incompatible qcow2 features 0x" + Long.toHexString(unknown));
        }
        if ((incompatibleFeatures & INCOMPAT_CORRUPT) != 0) {
            throw new ImageException(image + " is marked corrupt; repair it with qemu-img check -r all");
        }
        if ((incompatibleFeatures & INCOMPAT_EXTERNAL_DATA) != 0) {
            throw new ImageException(image + " keeps its data in an external file, which jxen does not support");
        }
        if ((incompatibleFeatures & INCOMPAT_EXTENDED_L2) != 0) {
            throw new ImageException(image + " has extended L2 entries (subclusters), which jxen does not support");
        }
        if ((incompatibleFeatures & INCOMPAT_COMPRESSION) != 0 && compressionType != 0) {
            throw new ImageException(image + ": compression type " + compressionType + " (jxen reads zlib, type 0)");
        }
        if (refcountOrder < 0 || refcountOrder > 6) {
            throw new ImageException(image + ": refcount_order " + refcountOrder + " (expected: 0 to 6)");
        }
        long clusters = (size + clusterSize() - 1) >>> clusterBits;
        long l2Entries = clusterSize() / 8;
        long l1Needed = (clusters + l2Entries - 1) / l2Entries;
        if (l1Size < 0 || l1Size < l1Needed || 8L * l1Size > MAX_L1_BYTES) {
            throw new ImageException(image + ": l1_size " + Integer.toUnsignedString(l1Size) + " for a disk that needs "
                    + l1Needed + " L1 entries");
        }
        checkTable(image, "the L1 table", l1TableOffset, 8L * l1Size, fileSize);
        if (refcountTableClusters <= 0 || (long) refcountTableClusters * clusterSize() > MAX_L1_BYTES) {
            throw new ImageException(image + ": refcount_table_clusters " + Integer.toUnsignedString(refcountTableClusters));
        }
        checkTable(image, "the refcount table", refcountTableOffset, (long) refcountTableClusters << clusterBits, fileSize);
        if (backingFileOffset != 0 && (backingFileSize <= 0 || backingFileSize > 1023
                || backingFileOffset + backingFileSize > clusterSize())) {
            throw new ImageException(image + ": the backing file name (" + backingFileSize + " bytes at " + backingFileOffset
                    + ") is not inside the header cluster");
        }
    }

    private void checkTable(String image, String what, long offset, long length, long fileSize) throws ImageException {
        if (offset <= 0 || (offset & (clusterSize() - 1)) != 0 || offset + length > fileSize || offset + length < offset) {
            throw new ImageException(image + ": " + what + " (" + length + " bytes at " + offset
                    + ") is not cluster-aligned or lies outside the file (" + fileSize + " bytes)");
        }
    }
}
