package org.jxen.xen.backend.vif;

import java.util.function.Consumer;

import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.PortRouter;
import org.jxen.xen.backend.XenbusState;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.xenbus.Xenbus;

/**
 * One PV vif's backend and its XenBus handshake, as Xen's netback does it (xen/io/netif.h,
 * "Backend/Frontend XenBus Nodes"), copy-based: it writes {@code feature-rx-copy} (and
 * {@code feature-rx-flip=0}, no scatter-gather, no GSO), {@code mac}, {@code handle} and
 * InitWait; when the frontend says Connected it reads {@code tx-ring-ref}, {@code rx-ring-ref},
 * {@code event-channel} and {@code request-rx-copy}, maps both rings, binds the port and says
 * Connected; frames then go to {@code output} (the vif's TAP) and {@link #receive} takes frames
 * for the guest. When the frontend closes it lets go and says Closed. Bad nodes leave it waiting
 * with the reason in {@code error}.
 *
 * <p>Threads: {@link #frontendChanged} from the XenBus watch thread; the rings from the port's
 * thread and the TAP reader.
 */
public final class VifBackend implements AutoCloseable {
    private final Xenbus xs;
    private final EventChannels dom0;
    private final PortRouter router;
    private final GrantTable frontendGrants;
    private final int frontDomid;
    private final String mac;
    private final int handle;
    private final Consumer<byte[]> output;
    private final String backendPath;
    private final String frontendPath;
    private GrantTable.Mapping txMap;
    private GrantTable.Mapping rxMap;
    private int port;
    private volatile NetifRings rings;

    public VifBackend(Xenbus xs, EventChannels dom0, PortRouter router, GrantTable frontendGrants, int frontDomid, String mac,
            int handle, Consumer<byte[]> output, String backendPath, String frontendPath) {
        this.xs = xs;
        this.dom0 = dom0;
        this.router = router;
        this.frontendGrants = frontendGrants;
        this.frontDomid = frontDomid;
        this.mac = mac;
        this.handle = handle;
        this.output = output;
        this.backendPath = backendPath;
        this.frontendPath = frontendPath;
    }

    public synchronized void start() {
        xs.write(backendPath + "/feature-rx-copy", "1");
        xs.write(backendPath + "/feature-rx-flip", "0");
        xs.write(backendPath + "/feature-sg", "0");
        xs.write(backendPath + "/mac", mac);
        xs.write(backendPath + "/handle", Integer.toString(handle));
        xs.write(backendPath + "/state", Integer.toString(XenbusState.INIT_WAIT));
        xs.watch(frontendPath + "/state", watchToken());
    }

    public String watchToken() {
        return "vif:" + backendPath;
    }

    /** The rings, once connected. */
    public NetifRings rings() {
        return rings;
    }

    /** A frame for the guest (from the TAP); false when it was dropped (not connected, no buffer). */
    public boolean receive(byte[] frame) {
        NetifRings r = rings;
        return r != null && r.receive(frame);
    }

    public synchronized void frontendChanged() {
        int state = xs.readInt(frontendPath + "/state");
        if ((state == XenbusState.INITIALISED || state == XenbusState.CONNECTED) && rings == null) {
            connect();
        } else if (state == XenbusState.CLOSING || state == XenbusState.CLOSED) {
            disconnect();
            xs.write(backendPath + "/state", Integer.toString(XenbusState.CLOSED));
        }
    }

    private void connect() {
        int tx = xs.readInt(frontendPath + "/tx-ring-ref");
        int rx = xs.readInt(frontendPath + "/rx-ring-ref");
        int evtchn = xs.readInt(frontendPath + "/event-channel");
        int copy = xs.readInt(frontendPath + "/request-rx-copy");
        if (tx < 0 || rx < 0 || evtchn <= 0) {
            xs.write(backendPath + "/error", "the frontend's tx-ring-ref, rx-ring-ref or event-channel is missing or not a number");
            return;
        }
        if (copy != 1) {
            xs.write(backendPath + "/error", "the frontend did not ask for request-rx-copy (jxen's backend only copies)");
            return;
        }
        GrantTable.MapResult t = frontendGrants.map(0, tx, false);
        GrantTable.MapResult r = frontendGrants.map(0, rx, false);
        if (t.status() != XenH.GNTST_okay || r.status() != XenH.GNTST_okay) {
            if (t.mapping() != null) {
                t.mapping().close();
            }
            if (r.mapping() != null) {
                r.mapping().close();
            }
            xs.write(backendPath + "/error", "cannot map the rings (grant status " + t.status() + ", " + r.status() + ")");
            return;
        }
        int p = dom0.bindInterdomain(frontDomid, evtchn);
        if (p < 0) {
            t.mapping().close();
            r.mapping().close();
            xs.write(backendPath + "/error", "cannot bind event-channel " + evtchn + " (" + p + ")");
            return;
        }
        txMap = t.mapping();
        rxMap = r.mapping();
        port = p;
        NetifRings n = new NetifRings(txMap.page(), rxMap.page(), frontendGrants, 0, output, () -> dom0.send(port));
        router.route(p, n::kickTx);
        rings = n;
        xs.write(backendPath + "/state", Integer.toString(XenbusState.CONNECTED));
        n.kickTx();
    }

    private void disconnect() {
        if (rings != null) {
            router.unroute(port);
            dom0.close(port);
            txMap.close();
            rxMap.close();
            rings = null;
        }
    }


    @Override
    public synchronized void close() {
        disconnect();
        xs.unwatch(frontendPath + "/state", watchToken());
    }
}
