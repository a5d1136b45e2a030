package org.jxen.xen.backend.vbd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jxen.block.BlockBackend;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.BackRing;
import org.jxen.xen.gnttab.GrantTable;

/**
 * The block backend's side of a blkif ring (xen/io/blkif.h on xen/io/ring.h): requests the
 * frontend placed in the shared ring are read once each, served on the same {@link BlockBackend}
 * the virtio disks use, and answered in order, with the data moved through the frontend's grants
 * (segments of 512-byte sectors within granted pages). Read, write, flush (fdatasync) and
 * discard; any other operation is {@code BLKIF_RSP_EOPNOTSUPP}; a request that is wrong in itself
 * (no or too many segments, a segment outside its page, sectors past the end of the disk, a grant
 * the frontend did not give, a write to a read-only disk) is {@code BLKIF_RSP_ERROR} and the
 * ring carries on; a request producer index that moved by more than the ring stops the backend
 * (as Xen's blkback stops on "bogus ring requests"). Notifications follow ring.h's event
 * indices: the frontend is told only when it asked to be.
 *
 * <p>Threads: {@link #kick} from the thread serving the ring's event channel.
 */
public final class BlkifRing {
    private static final int SECTOR = 512;
    private static final int SECTORS_PER_PAGE = XenH.XEN_PAGE_SIZE / SECTOR;

    private final BackRing ring;
    private final GrantTable frontend;
    private final int backendDomid;
    private final BlockBackend disk;
    private final Runnable notifyFrontend;
    private String broken;
    private long served;

    /**
     * @param sring the shared ring page (mapped from the frontend's ring-ref grant)
     * @param frontend the frontend domain's grant table, through which data pages are reached
     * @param backendDomid the domain the frontend grants its pages to (0: jxend)
     */
    public BlkifRing(MemorySegment sring, GrantTable frontend, int backendDomid, BlockBackend disk, Runnable notifyFrontend) {
        this.ring = new BackRing(sring, XenH.BLKIF_RING_SIZE, XenH.BLKIF_SRING_ENTRY);
        this.frontend = frontend;
        this.backendDomid = backendDomid;
        this.disk = disk;
        this.notifyFrontend = notifyFrontend;
    }

    /** Why the backend stopped serving the ring, or null. */
    public synchronized String broken() {
        return broken;
    }

    /** Requests answered so far. */
    public synchronized long served() {
        return served;
    }

    /** The frontend notified: serve every request it made available, and tell it if it asked. */
    public synchronized void kick() {
        if (broken != null) {
            return;
        }
        boolean notify = false;
        do {
            int n = ring.available();
            if (n < 0) {
                broken = "the frontend's request index moved by more than the " + XenH.BLKIF_RING_SIZE + " entries the ring holds";
                break;
            }
            for (int i = 0; i < n; i++) {
                ByteBuffer req = ByteBuffer.wrap(ring.take()).order(ByteOrder.LITTLE_ENDIAN);
                int op = req.get(0) & 0xff;
                long id = req.getLong(XenH.BLKIF_REQ_ID);
                int status = serve(op, req);
                ByteBuffer rsp = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                rsp.putLong(XenH.BLKIF_RSP_ID, id);
                rsp.put(XenH.BLKIF_RSP_OPERATION, (byte) op);
                rsp.putShort(XenH.BLKIF_RSP_STATUS, (short) status);
                ring.respond(rsp.array());
                served++;
            }
            notify |= ring.push();
        } while (ring.finalCheck());
        if (notify) {
            notifyFrontend.run();
        }
    }

    private int serve(int op, ByteBuffer req) {
        try {
            return switch (op) {
                case XenH.BLKIF_OP_READ, XenH.BLKIF_OP_WRITE -> readWrite(op == XenH.BLKIF_OP_WRITE, req);
                case XenH.BLKIF_OP_FLUSH_DISKCACHE -> {
                    disk.flush();
                    yield XenH.BLKIF_RSP_OKAY;
                }
                case XenH.BLKIF_OP_DISCARD -> {
                    long sector = req.getLong(XenH.BLKIF_REQ_SECTOR);
                    long count = req.getLong(XenH.BLKIF_DISCARD_NR_SECTORS);
                    if (disk.readOnly() || sector < 0 || count < 0 || count > disk.size() / SECTOR
                            || sector > disk.size() / SECTOR - count) {
                        yield XenH.BLKIF_RSP_ERROR;
                    }
                    disk.discard(sector * SECTOR, count * SECTOR);
                    yield XenH.BLKIF_RSP_OKAY;
                }
                default -> XenH.BLKIF_RSP_EOPNOTSUPP;
            };
        } catch (IOException | RuntimeException e) {
            System.getLogger("org.jxen.xen.backend").log(System.Logger.Level.WARNING, disk.describe() + ": blkif request "
                    + op + " failed: " + e.getMessage());
            return XenH.BLKIF_RSP_ERROR;
        }
    }

    private int readWrite(boolean write, ByteBuffer req) throws IOException {
        int n = req.get(XenH.BLKIF_REQ_NR_SEGMENTS) & 0xff;
        if (n == 0 || n > XenH.BLKIF_MAX_SEGMENTS_PER_REQUEST || write && disk.readOnly()) {
            return XenH.BLKIF_RSP_ERROR;
        }
        long sector = req.getLong(XenH.BLKIF_REQ_SECTOR);
        // Check every segment, and the whole range, before touching the disk or a page.
        long total = 0;
        for (int i = 0; i < n; i++) {
            int at = XenH.BLKIF_REQ_SEG + i * XenH.BLKIF_SEG_SIZE;
            int first = req.get(at + 4) & 0xff;
            int last = req.get(at + 5) & 0xff;
            if (first > last || last >= SECTORS_PER_PAGE) {
                return XenH.BLKIF_RSP_ERROR;
            }
            total += last - first + 1;
        }
        if (sector < 0 || sector > disk.size() / SECTOR - total) {
            return XenH.BLKIF_RSP_ERROR;
        }
        long offset = sector * SECTOR;
        for (int i = 0; i < n; i++) {
            int at = XenH.BLKIF_REQ_SEG + i * XenH.BLKIF_SEG_SIZE;
            int gref = req.getInt(at);
            int first = req.get(at + 4) & 0xff;
            int last = req.get(at + 5) & 0xff;
            int len = (last - first + 1) * SECTOR;
            if (write) {
                GrantTable.Access a = frontend.read(backendDomid, gref, first * SECTOR, len);
                if (a.status() != XenH.GNTST_okay) {
                    return XenH.BLKIF_RSP_ERROR;
                }
                disk.write(offset, ByteBuffer.wrap(a.data()));
            } else {
                ByteBuffer b = ByteBuffer.allocate(len);
                disk.read(offset, b);
                if (frontend.write(backendDomid, gref, first * SECTOR, b.array()).status() != XenH.GNTST_okay) {
                    return XenH.BLKIF_RSP_ERROR;
                }
            }
            offset += len;
        }
        return XenH.BLKIF_RSP_OKAY;
    }
}
