package org.jxen.xen.backend.vbd;

import java.io.IOException;

import org.jxen.block.BlockBackend;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.PortRouter;
import org.jxen.xen.backend.XenbusState;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.xenbus.Xenbus;

/**
 * One PV disk's backend and its XenBus handshake, as Xen's blkback does it (xen/io/blkif.h,
 * "Backend XenBus Nodes" and "Frontend XenBus Nodes"): it writes its nodes ({@code sectors},
 * {@code sector-size}, {@code info}, {@code feature-flush-cache}, {@code feature-discard}) and
 * {@code InitWait}; when the frontend says {@code Initialised} (or {@code Connected}) it reads
 * {@code ring-ref} and {@code event-channel}, maps the ring, binds the port and says
 * {@code Connected}; when the frontend closes it lets the ring go and says {@code Closed}.
 * Entries that are missing or not numbers leave the backend waiting, with the reason in its
 * {@code hotplug-error}-style {@code error} node.
 *
 * <p>Threads: {@link #frontendChanged} from the XenBus watch thread; the ring from the port's.
 */
public final class VbdBackend implements AutoCloseable {
    /** blkif.h: VDISK_READONLY in {@code info}. */
    static final int VDISK_READONLY = 0x4;

    private final Xenbus xs;
    private final EventChannels dom0;
    private final PortRouter router;
    private final GrantTable frontendGrants;
    private final int frontDomid;
    private final BlockBackend disk;
    private final String backendPath;
    private final String frontendPath;
    private GrantTable.Mapping ring;
    private int port;
    private BlkifRing blkif;

    public VbdBackend(Xenbus xs, EventChannels dom0, PortRouter router, GrantTable frontendGrants, int frontDomid,
            BlockBackend disk, String backendPath, String frontendPath) {
        this.xs = xs;
        this.dom0 = dom0;
        this.router = router;
        this.frontendGrants = frontendGrants;
        this.frontDomid = frontDomid;
        this.disk = disk;
        this.backendPath = backendPath;
        this.frontendPath = frontendPath;
    }

    /** Writes the backend's nodes and InitWait, and watches the frontend's state. */
    public synchronized void start() {
        xs.write(backendPath + "/sectors", Long.toString(disk.size() / BlockBackend.SECTOR));
        xs.write(backendPath + "/sector-size", Integer.toString(BlockBackend.SECTOR));
        xs.write(backendPath + "/info", Integer.toString(disk.readOnly() ? VDISK_READONLY : 0));
        xs.write(backendPath + "/feature-flush-cache", "1");
        xs.write(backendPath + "/feature-discard", disk.readOnly() ? "0" : "1");
        xs.write(backendPath + "/state", Integer.toString(XenbusState.INIT_WAIT));
        xs.watch(frontendPath + "/state", watchToken());
    }

    /** The token this backend's watch uses (the watch callback routes by it). */
    public String watchToken() {
        return "vbd:" + backendPath;
    }

    /** The ring, once connected (for tests and statistics). */
    public synchronized BlkifRing blkif() {
        return blkif;
    }

    /** The frontend's state node changed (or the watch was set): act on it. */
    public synchronized void frontendChanged() {
        int state = xs.readInt(frontendPath + "/state");
        if ((state == XenbusState.INITIALISED || state == XenbusState.CONNECTED) && blkif == null) {
            connect();
        } else if (state == XenbusState.CLOSING || state == XenbusState.CLOSED) {
            disconnect();
            xs.write(backendPath + "/state", Integer.toString(XenbusState.CLOSED));
        }
    }

    private void connect() {
        int ref = xs.readInt(frontendPath + "/ring-ref");
        int evtchn = xs.readInt(frontendPath + "/event-channel");
        if (ref < 0 || evtchn <= 0) {
            xs.write(backendPath + "/error", "the frontend's ring-ref or event-channel is missing or not a number");
            return;
        }
        GrantTable.MapResult m = frontendGrants.map(0, ref, false);
        if (m.status() != XenH.GNTST_okay) {
            xs.write(backendPath + "/error", "cannot map ring-ref " + ref + " (grant status " + m.status() + ")");
            return;
        }
        int p = dom0.bindInterdomain(frontDomid, evtchn);
        if (p < 0) {
            m.mapping().close();
            xs.write(backendPath + "/error", "cannot bind event-channel " + evtchn + " (" + p + ")");
            return;
        }
        ring = m.mapping();
        port = p;
        blkif = new BlkifRing(ring.page(), frontendGrants, 0, disk, () -> dom0.send(port));
        router.route(p, blkif::kick);
        xs.write(backendPath + "/state", Integer.toString(XenbusState.CONNECTED));
        // Requests may already be waiting (the frontend notified before the bind).
        blkif.kick();
    }

    private void disconnect() {
        if (blkif != null) {
            router.unroute(port);
            dom0.close(port);
            ring.close();
            blkif = null;
            ring = null;
        }
    }


    @Override
    public synchronized void close() throws IOException {
        disconnect();
        xs.unwatch(frontendPath + "/state", watchToken());
    }
}
