package org.jxen.vmm.virtio.blk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jxen.block.BlockBackend;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.util.RateLimitedLog;
import org.jxen.vmm.virtio.DescriptorChain;

/**
 * virtio-blk's requests (virtio 1.2 §5.2.6), served against a {@link BlockBackend}: the header
 * from the chain's device-readable bytes, the data in place in guest memory (the backend reads
 * into and writes from views of the guest's buffers, no copy), the status byte in the last
 * device-writable byte. Whatever is wrong with a request (a short header, a range past the
 * disk, a length that is not whole sectors, a write to a read-only disk, a failing image) is
 * that request's IOERR, or UNSUPP for a type jxen does not serve; the device carries on.
 *
 * <p>Threads: the queue's worker; one request at a time.
 */
public final class BlkRequests {
    private static final System.Logger LOG = System.getLogger("org.jxen.vmm.virtio.blk");
    /** Most discard/write-zeroes segments one request may carry (the device's max_discard_seg). */
    public static final int MAX_DISCARD_SEGMENTS = 256;

    private final String name;
    private final GuestMemory memory;
    private final BlockBackend disk;
    private final byte[] serial;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, 5);

    public BlkRequests(String name, GuestMemory memory, BlockBackend disk, String serial) {
        this.name = name;
        this.memory = memory;
        this.disk = disk;
        byte[] s = serial.getBytes(StandardCharsets.US_ASCII);
        this.serial = java.util.Arrays.copyOf(s, Math.min(s.length, VirtioBlk.VIRTIO_BLK_ID_BYTES));
    }

    /** The feature bits this device offers for its disk. */
    public long features() {
        long f = 1L << VirtioBlk.VIRTIO_BLK_F_FLUSH | 1L << VirtioBlk.VIRTIO_BLK_F_BLK_SIZE
                | 1L << VirtioBlk.VIRTIO_BLK_F_SEG_MAX;
        if (disk.readOnly()) {
            f |= 1L << VirtioBlk.VIRTIO_BLK_F_RO;
        } else {
            f |= 1L << VirtioBlk.VIRTIO_BLK_F_DISCARD | 1L << VirtioBlk.VIRTIO_BLK_F_WRITE_ZEROES;
        }
        return f;
    }

    /**
     * Serves one request; returns the bytes written into the guest's writable buffers, status
     * byte included (the used ring's {@code len}), 0 for a chain without a writable byte to
     * put a status in.
     */
    public int serve(DescriptorChain chain) {
        List<DescriptorChain.Buffer> readable = new ArrayList<>();
        List<DescriptorChain.Buffer> writable = new ArrayList<>();
        for (DescriptorChain.Buffer b : chain.buffers()) {
            (b.writable() ? writable : readable).add(b);
        }
        if (writable.isEmpty() || writable.getLast().length() == 0) {
            warnings.warn("nostatus", () -> name + ": a request without a status byte (head " + chain.head() + ") is dropped");
            return 0;
        }
        DescriptorChain.Buffer last = writable.getLast();
        long statusGpa = last.gpa() + Integer.toUnsignedLong(last.length()) - 1;
        // The data: every writable byte but the status.
        List<DescriptorChain.Buffer> in = new ArrayList<>(writable.subList(0, writable.size() - 1));
        if (last.length() > 1) {
            in.add(new DescriptorChain.Buffer(last.gpa(), last.length() - 1, true));
        }
        byte[] header = gather(readable, 0, VirtioBlk.OUTHDR_SIZE);
        int status;
        int written = 0;
        if (header == null) {
            warnings.warn("header", () -> name + ": a request with a header shorter than " + VirtioBlk.OUTHDR_SIZE + " bytes");
            status = VirtioBlk.VIRTIO_BLK_S_IOERR;
        } else {
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            int type = h.getInt(0);
            long sector = h.getLong(8);
            try {
                switch (type) {
                    case VirtioBlk.VIRTIO_BLK_T_IN -> {
                        long off = offset(sector);
                        for (DescriptorChain.Buffer b : in) {
                            disk.read(off, view(b));
                            off += Integer.toUnsignedLong(b.length());
                        }
                        written = (int) Math.min(Integer.MAX_VALUE, total(in));
                        status = VirtioBlk.VIRTIO_BLK_S_OK;
                    }
                    case VirtioBlk.VIRTIO_BLK_T_OUT -> {
                        long off = offset(sector);
                        long skip = VirtioBlk.OUTHDR_SIZE;
                        for (DescriptorChain.Buffer b : readable) {
                            long len = Integer.toUnsignedLong(b.length());
                            if (skip >= len) {
                                skip -= len;
                                continue;
                            }
                            ByteBuffer data = view(b).position((int) skip);
                            skip = 0;
                            int n = data.remaining();
                            disk.write(off, data);
                            off += n;
                        }
                        status = VirtioBlk.VIRTIO_BLK_S_OK;
                    }
                    case VirtioBlk.VIRTIO_BLK_T_FLUSH -> {
                        disk.flush();
                        status = VirtioBlk.VIRTIO_BLK_S_OK;
                    }
                    case VirtioBlk.VIRTIO_BLK_T_GET_ID -> {
                        written = scatter(in, serial);
                        status = VirtioBlk.VIRTIO_BLK_S_OK;
                    }
                    case VirtioBlk.VIRTIO_BLK_T_DISCARD, VirtioBlk.VIRTIO_BLK_T_WRITE_ZEROES -> {
                        status = segments(readable, type == VirtioBlk.VIRTIO_BLK_T_DISCARD);
                    }
                    default -> status = VirtioBlk.VIRTIO_BLK_S_UNSUPP;
                }
            } catch (IOException | RuntimeException e) {
                warnings.warn("io", () -> name + ": request type " + type + " at sector " + sector + " failed: " + e.getMessage());
                status = VirtioBlk.VIRTIO_BLK_S_IOERR;
            }
        }
        memory.writeByte(statusGpa, status);
        return written + 1;
    }

    private long offset(long sector) throws IOException {
        if (sector < 0 || sector > disk.size() / BlockBackend.SECTOR) {
            throw new IOException("sector " + Long.toUnsignedString(sector) + " is past the disk's "
                    + disk.size() / BlockBackend.SECTOR + " sectors");
        }
        return sector * BlockBackend.SECTOR;
    }

    private int segments(List<DescriptorChain.Buffer> readable, boolean discard) throws IOException {
        long bytes = total(readable) - VirtioBlk.OUTHDR_SIZE;
        if (bytes <= 0 || bytes % VirtioBlk.DISCARD_SEGMENT_SIZE != 0
                || bytes / VirtioBlk.DISCARD_SEGMENT_SIZE > MAX_DISCARD_SEGMENTS) {
            return VirtioBlk.VIRTIO_BLK_S_IOERR;
        }
        byte[] segs = gather(readable, VirtioBlk.OUTHDR_SIZE, (int) bytes);
        ByteBuffer s = ByteBuffer.wrap(segs).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < segs.length; i += VirtioBlk.DISCARD_SEGMENT_SIZE) {
            long off = offset(s.getLong(i));
            long len = Integer.toUnsignedLong(s.getInt(i + 8)) * BlockBackend.SECTOR;
            if (discard) {
                disk.discard(off, len);
            } else {
                disk.writeZeroes(off, len);
            }
        }
        return VirtioBlk.VIRTIO_BLK_S_OK;
    }

    /** A view of a guest buffer, for the backend to read into or write from. */
    private ByteBuffer view(DescriptorChain.Buffer b) {
        return memory.slice(b.gpa(), Integer.toUnsignedLong(b.length())).asByteBuffer();
    }

    private static long total(List<DescriptorChain.Buffer> bufs) {
        return bufs.stream().mapToLong(b -> Integer.toUnsignedLong(b.length())).sum();
    }

    /** {@code length} bytes from {@code skip} bytes into the buffers, or null if they hold fewer. */
    private byte[] gather(List<DescriptorChain.Buffer> bufs, long skip, int length) {
        byte[] out = new byte[length];
        int got = 0;
        long at = 0;
        for (DescriptorChain.Buffer b : bufs) {
            long len = Integer.toUnsignedLong(b.length());
            long from = Math.max(skip - at, 0);
            if (from < len && got < length) {
                int n = (int) Math.min(len - from, length - got);
                MemorySegment.copy(memory.slice(b.gpa() + from, n), ValueLayout.JAVA_BYTE, 0, out, got, n);
                got += n;
            }
            at += len;
        }
        return got == length ? out : null;
    }

    /** Copies {@code data} into the buffers (as much as fits); returns the bytes written. */
    private int scatter(List<DescriptorChain.Buffer> bufs, byte[] data) {
        int done = 0;
        for (DescriptorChain.Buffer b : bufs) {
            int n = (int) Math.min(Integer.toUnsignedLong(b.length()), data.length - done);
            if (n <= 0) {
                break;
            }
            memory.write(b.gpa(), java.util.Arrays.copyOfRange(data, done, done + n));
            done += n;
        }
        return done;
    }
}
