package org.jxen.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import org.jxen.block.BlockBackend;
import org.jxen.block.ImageException;

/**
 * Creates empty qcow2 v3 images, optionally as an overlay on a backing file (what
 * {@code qemu-img create -f qcow2 [-b BACKING -F FMT]} makes), and copies a disk into a new
 * qcow2 image leaving out its all-zero clusters. Layout of a new image, one cluster each
 * (64 KiB): the header (with the backing format extension and the backing file name), the
 * refcount table, one refcount block (16-bit refcounts), then the L1 table; every later
 * cluster is allocated by {@link Qcow2Image}'s writes. Field offsets: QEMU's
 * docs/interop/qcow2.txt, "Header" and "Header extensions".
 */
public final class Qcow2Create {
    static final int CLUSTER_BITS = 16;
    static final long CLUSTER = 1L << CLUSTER_BITS;
    /** Header extension: backing file format name (qcow2.txt). */
    static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    static final int HEADER_LENGTH = 104;
    static final int REFCOUNT_ORDER = 4;

    private Qcow2Create() {}

    /**
     * Writes a new empty image of {@code size} bytes at {@code path}, which must not exist.
     *
     * @param backing the backing file as it is to be written in the image (relative names are
     *     relative to the image's directory, as QEMU reads them), and its format ("raw", "qcow2")
     */
    public static void create(Path path, long size, Optional<String> backing, Optional<String> backingFormat)
            throws IOException {
        if (size <= 0 || size % BlockBackend.SECTOR != 0) {
            throw new ImageException("qcow2 image " + path + ": size " + size + " is not a positive multiple of 512");
        }
        long clusters = (size + CLUSTER - 1) / CLUSTER;
        long l2Entries = CLUSTER / 8;
        long l1Entries = (clusters + l2Entries - 1) / l2Entries;
        long l1Clusters = Math.max(1, (l1Entries * 8 + CLUSTER - 1) / CLUSTER);
        long metadataClusters = 3 + l1Clusters;
        // One refcount block covers CLUSTER * 8 / 16 clusters: enough for the metadata of any sane size.
        if (metadataClusters > CLUSTER * 8 / (1 << REFCOUNT_ORDER)) {
            throw new ImageException("qcow2 image " + path + ": size " + size + " is too large");
        }
        ByteBuffer header = ByteBuffer.allocate((int) CLUSTER);
        header.putInt(0, Qcow2Header.MAGIC);
        header.putInt(4, 3);
        header.putInt(20, CLUSTER_BITS);
        header.putLong(24, size);
        header.putInt(32, 0); // crypt_method
        header.putInt(36, (int) l1Entries);
        header.putLong(40, 3 * CLUSTER); // l1_table_offset
        header.putLong(48, CLUSTER); // refcount_table_offset
        header.putInt(56, 1); // refcount_table_clusters
        header.putInt(60, 0); // nb_snapshots
        header.putLong(64, 0); // snapshots_offset
        header.putInt(96, REFCOUNT_ORDER);
        header.putInt(100, HEADER_LENGTH);
        int at = HEADER_LENGTH;
        if (backingFormat.isPresent()) {
            byte[] fmt = backingFormat.get().getBytes(StandardCharsets.UTF_8);
            header.putInt(at, EXT_BACKING_FORMAT);
            header.putInt(at + 4, fmt.length);
            header.put(at + 8, fmt);
            at += 8 + (fmt.length + 7) / 8 * 8;
        }
        at += 8; // the end-of-extensions marker: type 0, length 0
        if (backing.isPresent()) {
            byte[] name = backing.get().getBytes(StandardCharsets.UTF_8);
            if (name.length == 0 || name.length > 1023) {
                throw new ImageException("qcow2 image " + path + ": a backing file name of " + name.length + " bytes");
            }
            header.putLong(8, at);
            header.putInt(16, name.length);
            header.put(at, name);
        }
        ByteBuffer refcountTable = ByteBuffer.allocate((int) CLUSTER);
        refcountTable.putLong(0, 2 * CLUSTER);
        ByteBuffer refcountBlock = ByteBuffer.allocate((int) CLUSTER);
        for (int c = 0; c < metadataClusters; c++) {
            refcountBlock.putShort(2 * c, (short) 1);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, header, 0);
            write(ch, refcountTable, CLUSTER);
            write(ch, refcountBlock, 2 * CLUSTER);
            write(ch, ByteBuffer.allocate((int) CLUSTER), (metadataClusters - 1) * CLUSTER); // the L1 table's last cluster
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new ImageException("qcow2 image " + path + " already exists");
        }
    }

    /**
     * Copies every cluster of {@code source} that is not all zeros into a new qcow2 image at
     * {@code target}, calling {@code progress} with the bytes done so far and the total.
     */
    public static void copy(BlockBackend source, Path target, java.util.function.LongConsumer progress) throws IOException {
        create(target, source.size(), Optional.empty(), Optional.empty());
        boolean done = false;
        try (Qcow2Image out = Qcow2Image.open(target, false)) {
            ByteBuffer buf = ByteBuffer.allocate((int) CLUSTER);
            for (long off = 0; off < source.size(); off += CLUSTER) {
                int n = (int) Math.min(CLUSTER, source.size() - off);
                buf.clear().limit(n);
                source.read(off, buf);
                buf.flip();
                if (!allZero(buf)) {
                    out.write(off, buf);
                }
                progress.accept(off + n);
            }
            out.flush();
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(target);
            }
        }
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = b.position(); i + 8 <= b.limit(); i += 8) {
            if (b.getLong(i) != 0) {
                return false;
            }
        }
        for (int i = b.limit() & ~7; i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(FileChannel ch, ByteBuffer b, long offset) throws IOException {
        b.clear();
        long at = offset;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }
}
