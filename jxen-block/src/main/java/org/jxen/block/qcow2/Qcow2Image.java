package org.jxen.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.block.ImageException;

/**
 * A qcow2 image (QEMU's docs/interop/qcow2.txt), versions 2 and 3: reads (allocated, zero and
 * compressed clusters, and unallocated ones from the backing file or as zeros), and writes that
 * allocate clusters at the end of the file with their refcounts kept right, so that
 * {@code qemu-img check} finds the image clean after a guest wrote to it.
 *
 * <p>Crash safety, as QEMU orders it: a new cluster's data is written first, then its refcount,
 * then the L2 entry that points to it, then (for a new L2 table) the L1 entry. A crash between
 * steps leaks a cluster at worst (qemu-img check reports a leak, no corruption); {@link #flush()}
 * makes all of it durable.
 *
 * <p>Not supported (refused with a sentence): encryption, external data files, extended L2
 * entries, writing to clusters shared with snapshots, growing the refcount table.
 *
 * <p>Threads: every request holds this object's monitor.
 */
public final class Qcow2Image implements BlockBackend {
    public static final int MAGIC = Qcow2Header.MAGIC;
    /** L1 and L2 entries (qcow2.txt, "Cluster mapping"). */
    static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;
    /** L2 tables kept in memory. */
    static final int L2_CACHE = 64;

    private final Path path;
    private final String name;
    private final FileChannel ch;
    private final boolean readOnly;
    private final Qcow2Header h;
    private final long clusterSize;
    private final int l2Entries;
    private final long[] l1;
    private final long[] refcountTable;
    private final BlockBackend backing;
    private final Map<Long, long[]> l2Cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, long[]> e) {
            return size() > L2_CACHE;
        }
    };
    private long fileEnd;
    private long decompressedFrom = -1;
    private byte[] decompressed;

    private Qcow2Image(Path path, FileChannel ch, boolean readOnly, Qcow2Header h, long[] l1, long[] refcountTable,
            BlockBackend backing, long fileEnd) {
        this.path = path;
        this.name = "qcow2 image " + path;
        this.ch = ch;
        this.readOnly = readOnly;
        this.h = h;
        this.clusterSize = h.clusterSize();
        this.l2Entries = (int) (clusterSize / 8);
        this.l1 = l1;
        this.refcountTable = refcountTable;
        this.backing = backing;
        this.fileEnd = fileEnd;
    }

    public static Qcow2Image open(Path path, boolean readOnly) throws IOException {
        FileChannel ch = BlockBackends.openFile(path, readOnly, "qcow2 image");
        BlockBackend backing = null;
        try {
            String name = "qcow2 image " + path;
            long fileSize = ch.size();
            ByteBuffer hb = ByteBuffer.allocate((int) Math.min(fileSize, 4096));
            readFully(ch, hb, 0, name);
            Qcow2Header h = Qcow2Header.parse(name, hb.flip(), fileSize);
            if (!readOnly && (h.incompatibleFeatures() & Qcow2Header.INCOMPAT_DIRTY) != 0) {
                throw new ImageException(name + " was not closed cleanly (its dirty bit is set); repair it with "
                        + "qemu-img check -r all before writing to it");
            }
            if (!readOnly && h.nbSnapshots() != 0) {
                throw new ImageException(name + " has " + h.nbSnapshots() + " internal snapshots; jxen opens such images "
                        + "read-only only (access=r)");
            }
            long[] l1 = readTable(ch, h.l1TableOffset(), h.l1Size(), name);
            long[] rt = readTable(ch, h.refcountTableOffset(), (int) (((long) h.refcountTableClusters() << h.clusterBits()) / 8), name);
            if (h.backingFileOffset() != 0) {
                ByteBuffer bn = ByteBuffer.allocate(h.backingFileSize());
                readFully(ch, bn, h.backingFileOffset(), name);
                Path file = Path.of(new String(bn.array(), StandardCharsets.UTF_8));
                Path resolved = file.isAbsolute() ? file : path.toAbsolutePath().getParent().resolve(file);
                try {
                    backing = BlockBackends.open(resolved, BlockBackends.Format.DETECT, true);
                } catch (IOException e) {
                    throw new ImageException(name + ": its backing file cannot be opened: " + e.getMessage(), e);
                }
            }
            long end = (fileSize + h.clusterSize() - 1) & -h.clusterSize();
            return new Qcow2Image(path, ch, readOnly, h, l1, rt, backing, end);
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (backing != null) {
                backing.close();
            }
            throw e;
        }
    }

    private static long[] readTable(FileChannel ch, long offset, int entries, String name) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(entries * 8);
        readFully(ch, b, offset, name);
        long[] t = new long[entries];
        b.flip().asLongBuffer().get(t);
        return t;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long offset, String name) throws IOException {
        long at = offset;
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) {
                throw new ImageException(name + " ends at " + at + " where " + b.remaining() + " more bytes were expected");
            }
            at += n;
        }
    }

    public Qcow2Header header() {
        return h;
    }

    @Override
    public long size() {
        return h.size();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public String describe() {
        return name;
    }

    // --- mapping ---

    /** The L2 table at {@code offset} (cluster-aligned, inside the file), cached. */
    private long[] l2(long offset) throws IOException {
        long[] t = l2Cache.get(offset);
        if (t == null) {
            checkClusterOffset(offset, "an L2 table");
            t = readTable(ch, offset, l2Entries, name);
            l2Cache.put(offset, t);
        }
        return t;
    }

    private void checkClusterOffset(long offset, String what) throws ImageException {
        if ((offset & (clusterSize - 1)) != 0 || offset < clusterSize || offset + clusterSize > fileEnd) {
            throw new ImageException(name + " is corrupt: " + what + " at " + offset
                    + " is not cluster-aligned or lies outside the file");
        }
    }

    /** The L2 entry for the guest cluster {@code index}, or 0 when its L2 table is absent. */
    private long l2Entry(long index) throws IOException {
        long l1e = l1[(int) (index / l2Entries)] & OFFSET_MASK;
        return l1e == 0 ? 0 : l2(l1e)[(int) (index % l2Entries)];
    }

    // --- reads ---

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        BlockBackend.checkRange(this, offset, dst.remaining(), false);
        long at = offset;
        while (dst.hasRemaining()) {
            long within = at & (clusterSize - 1);
            int n = (int) Math.min(dst.remaining(), clusterSize - within);
            ByteBuffer part = dst.slice(dst.position(), n);
            readCluster(at >>> h.clusterBits(), within, part);
            dst.position(dst.position() + n);
            at += n;
        }
    }

    /** Fills {@code part} from guest cluster {@code index} starting {@code within} bytes in. */
    private void readCluster(long index, long within, ByteBuffer part) throws IOException {
        long e = l2Entry(index);
        if ((e & COMPRESSED) != 0) {
            byte[] c = decompress(e);
            part.put(c, (int) within, part.remaining());
            return;
        }
        long host = e & OFFSET_MASK;
        if ((e & ZERO) != 0 && h.version() == 3) {
            zero(part);
            return;
        }
        if (host == 0) {
            long guest = (index << h.clusterBits()) + within;
            if (backing != null && guest < backing.size()) {
                int fromBacking = (int) Math.min(part.remaining(), backing.size() - guest);
                backing.read(guest, part.slice(part.position(), fromBacking));
                part.position(part.position() + fromBacking);
            }
            zero(part);
            return;
        }
        checkClusterOffset(host, "a data cluster");
        readFully(ch, part, host + within, name);
    }

    private static void zero(ByteBuffer b) {
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
    }

    /** The decompressed bytes of the compressed cluster {@code entry} describes (qcow2.txt, "Compressed Clusters Descriptor"). */
    private byte[] decompress(long entry) throws IOException {
        int x = 62 - (h.clusterBits() - 8);
        long host = entry & ((1L << x) - 1);
        long sectors = ((entry & ((1L << 62) - 1)) >>> x) + 1;
        if (host == decompressedFrom) {
            return decompressed;
        }
        long length = Math.min(sectors * 512 - (host & 511), fileEnd - host);
        if (host < clusterSize || host >= fileEnd || length <= 0 || length > 2 * clusterSize) {
            throw new ImageException(name + " is corrupt: a compressed cluster at " + host + " lies outside the file");
        }
        ByteBuffer in = ByteBuffer.allocate((int) length);
        long at = host;
        while (in.hasRemaining()) {
            int n = ch.read(in, at);
            if (n < 0) {
                break;
            }
            at += n;
        }
        byte[] out = new byte[(int) clusterSize];
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(in.array(), 0, in.position());
            int got = 0;
            while (got < out.length && !inf.finished()) {
                int n = inf.inflate(out, got, out.length - got);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                got += n;
            }
            if (got != out.length) {
                throw new ImageException(name + " is corrupt: a compressed cluster at " + host + " inflates to " + got
                        + " bytes, not " + out.length);
            }
        } catch (DataFormatException e) {
            throw new ImageException(name + " is corrupt: a compressed cluster at " + host + " does not inflate: "
                    + e.getMessage());
        } finally {
            inf.end();
        }
        decompressedFrom = host;
        decompressed = out;
        return out;
    }

    // --- writes ---

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        BlockBackend.checkRange(this, offset, src.remaining(), true);
        long at = offset;
        while (src.hasRemaining()) {
            long within = at & (clusterSize - 1);
            int n = (int) Math.min(src.remaining(), clusterSize - within);
            writeCluster(at >>> h.clusterBits(), within, src.slice(src.position(), n));
            src.position(src.position() + n);
            at += n;
        }
    }

    private void writeCluster(long index, long within, ByteBuffer data) throws IOException {
        int l1i = (int) (index / l2Entries);
        int l2i = (int) (index % l2Entries);
        long e = l2Entry(index);
        long host = e & OFFSET_MASK;
        boolean inPlace = (e & COMPRESSED) == 0 && host != 0 && (e & COPIED) != 0 && (e & ZERO) == 0;
        if ((e & COMPRESSED) == 0 && host != 0 && (e & COPIED) == 0) {
            throw new ImageException(name + ": guest cluster " + index + " is shared (a snapshot); writing to shared "
                    + "clusters is not supported");
        }
        if (inPlace) {
            checkClusterOffset(host, "a data cluster");
            writeFully(data, host + within);
            return;
        }
        if ((e & COMPRESSED) == 0 && host != 0 && (e & ZERO) != 0) {
            // A preallocated zero cluster (v3): it becomes data in place, zeros around the new bytes.
            checkClusterOffset(host, "a data cluster");
            ByteBuffer whole = ByteBuffer.allocate((int) clusterSize);
            whole.put((int) within, data, data.position(), data.remaining());
            writeFully(whole, host);
            setL2(l1i, l2ForWrite(l1i), l2i, host | COPIED);
            return;
        }
        // A new cluster: what the guest read there before, with the new bytes over it.
        ByteBuffer whole = ByteBuffer.allocate((int) clusterSize);
        if (within != 0 || data.remaining() != clusterSize) {
            readCluster(index, 0, whole.duplicate());
        }
        whole.put((int) within, data, data.position(), data.remaining());
        long[] table = l2ForWrite(l1i);
        long fresh = allocate();
        writeFully(whole, fresh);
        setRefcount(fresh, 1);
        setL2(l1i, table, l2i, fresh | COPIED);
        if ((e & COMPRESSED) != 0) {
            freeCompressed(e);
        }
    }

    private void writeFully(ByteBuffer b, long offset) throws IOException {
        long at = offset;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    /** The L2 table for L1 entry {@code l1i}, allocated (zeroed) if there is none. */
    private long[] l2ForWrite(int l1i) throws IOException {
        long off = l1[l1i] & OFFSET_MASK;
        if (off != 0) {
            if ((l1[l1i] & COPIED) == 0) {
                throw new ImageException(name + ": an L2 table is shared (a snapshot); writing through it is not supported");
            }
            return l2(off);
        }
        long fresh = allocate();
        writeFully(ByteBuffer.allocate((int) clusterSize), fresh);
        setRefcount(fresh, 1);
        long[] t = new long[l2Entries];
        l2Cache.put(fresh, t);
        l1[l1i] = fresh | COPIED;
        writeFully(ByteBuffer.allocate(8).putLong(0, l1[l1i]), h.l1TableOffset() + 8L * l1i);
        return t;
    }

    private void setL2(int l1i, long[] table, int l2i, long entry) throws IOException {
        table[l2i] = entry;
        writeFully(ByteBuffer.allocate(8).putLong(0, entry), (l1[l1i] & OFFSET_MASK) + 8L * l2i);
    }

    /** A new cluster at the end of the file (its refcount is set by the caller). */
    private long allocate() {
        long at = fileEnd;
        fileEnd += clusterSize;
        return at;
    }

    // --- refcounts ---

    private int refcountBits() {
        return 1 << h.refcountOrder();
    }

    private long refcountsPerBlock() {
        return clusterSize * 8 / refcountBits();
    }

    /** Sets the refcount of the cluster at {@code hostOffset}, allocating its refcount block if needed. */
    private void setRefcount(long hostOffset, long value) throws IOException {
        int bits = refcountBits();
        if (bits < 8) {
            throw new ImageException(name + ": " + bits + "-bit refcounts are not supported for writing");
        }
        long cluster = hostOffset >>> h.clusterBits();
        long blockIndex = cluster / refcountsPerBlock();
        if (blockIndex >= refcountTable.length) {
            throw new ImageException(name + " has grown past what its refcount table covers; growing the table is "
                    + "not supported yet");
        }
        long block = refcountTable[(int) blockIndex] & OFFSET_MASK;
        if (block != 0) {
            checkClusterOffset(block, "a refcount block");
        }
        if (block == 0) {
            block = allocate();
            writeFully(ByteBuffer.allocate((int) clusterSize), block);
            refcountTable[(int) blockIndex] = block;
            // The block counts itself when it covers its own cluster, else another block does.
            if ((block >>> h.clusterBits()) / refcountsPerBlock() == blockIndex) {
                writeRefcount(block, (block >>> h.clusterBits()) % refcountsPerBlock(), 1);
            } else {
                setRefcount(block, 1);
            }
            writeFully(ByteBuffer.allocate(8).putLong(0, block), h.refcountTableOffset() + 8 * blockIndex);
        }
        writeRefcount(block, cluster % refcountsPerBlock(), value);
    }

    private void writeRefcount(long block, long index, long value) throws IOException {
        int bytes = refcountBits() / 8;
        ByteBuffer b = ByteBuffer.allocate(8);
        switch (bytes) {
            case 1 -> b.put(0, (byte) value).limit(1);
            case 2 -> b.putShort(0, (short) value).limit(2);
            case 4 -> b.putInt(0, (int) value).limit(4);
            default -> b.putLong(0, value);
        }
        writeFully(b, block + index * bytes);
    }

    private long refcount(long hostOffset) throws IOException {
        long cluster = hostOffset >>> h.clusterBits();
        long blockIndex = cluster / refcountsPerBlock();
        if (blockIndex >= refcountTable.length || (refcountTable[(int) blockIndex] & OFFSET_MASK) == 0) {
            return 0;
        }
        int bytes = refcountBits() / 8;
        long block = refcountTable[(int) blockIndex] & OFFSET_MASK;
        checkClusterOffset(block, "a refcount block");
        ByteBuffer b = ByteBuffer.allocate(bytes);
        readFully(ch, b, block + (cluster % refcountsPerBlock()) * bytes, name);
        return switch (bytes) {
            case 1 -> b.get(0) & 0xffL;
            case 2 -> b.getShort(0) & 0xffffL;
            case 4 -> b.getInt(0) & 0xffff_ffffL;
            default -> b.getLong(0);
        };
    }

    /** A compressed cluster replaced: each host cluster its bytes touched loses one reference. */
    private void freeCompressed(long entry) throws IOException {
        int x = 62 - (h.clusterBits() - 8);
        long host = entry & ((1L << x) - 1);
        long sectors = ((entry & ((1L << 62) - 1)) >>> x) + 1;
        long end = (host & ~511L) + sectors * 512;
        for (long c = host & -clusterSize; c < end; c += clusterSize) {
            long r = refcount(c);
            if (r > 0) {
                writeRefcountOf(c, r - 1);
            }
        }
        if (decompressedFrom == host) {
            decompressedFrom = -1;
        }
    }

    private void writeRefcountOf(long hostOffset, long value) throws IOException {
        long cluster = hostOffset >>> h.clusterBits();
        long block = refcountTable[(int) (cluster / refcountsPerBlock())] & OFFSET_MASK;
        checkClusterOffset(block, "a refcount block");
        writeRefcount(block, cluster % refcountsPerBlock(), value);
    }

    // --- the rest ---

    @Override
    public synchronized void flush() throws IOException {
        if (!readOnly) {
            ch.force(false);
        }
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        BlockBackend.checkRange(this, offset, length, true);
        ByteBuffer zeros = ByteBuffer.allocate((int) clusterSize);
        long at = offset;
        while (at < offset + length) {
            long within = at & (clusterSize - 1);
            int n = (int) Math.min(offset + length - at, clusterSize - within);
            long e = l2Entry(at >>> h.clusterBits());
            // Nothing to do where the cluster already reads as zeros without a backing file under it.
            boolean zeroAlready = backing == null && (e & COMPRESSED) == 0 && ((e & OFFSET_MASK) == 0 || (h.version() == 3
                    && (e & ZERO) != 0));
            if (!zeroAlready) {
                writeCluster(at >>> h.clusterBits(), within, zeros.clear().limit(n));
            }
            at += n;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            ch.close();
        } finally {
            if (backing != null) {
                backing.close();
            }
        }
    }
}
