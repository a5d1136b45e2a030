package org.jxen.xen.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.shinfo.SharedInfo;
import org.jxen.xen.xenbus.Xenbus;
import org.jxen.xenstore.server.DomainConnection;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.store.Access;
import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Perms;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

/**
 * A frontend domain for the backends' tests: jxen's real XenStore server with the domain's
 * device directory, event channels on a hub (domain 0's routed per port), the guest's memory
 * with a grant table at page 0x100, and a watch on the backend's state that the test awaits.
 */
public final class Testbed implements AutoCloseable {
    public final int domid;
    public final String front;
    public final String back;
    public final XenstoreServer server = new XenstoreServer(Quota.XEN_DEFAULTS);
    public final EventChannels.Hub hub = new EventChannels.Hub();
    public final PortRouter router = new PortRouter();
    public final EventChannels dom0 = hub.host(0, router);
    public final SharedInfo shinfo = new SharedInfo();
    public final List<Integer> upcalls = new CopyOnWriteArrayList<>();
    public final EventChannels guest;
    public final GuestMemory mem;
    public final GrantTable grants;
    public final Xenbus xs;
    private final Xenbus observer;
    private final BlockingQueue<String> backendStates = new LinkedBlockingQueue<>();
    private final DomainConnection frontConn;
    private final String rel;

    /** {@code kind} "vbd" or "vif", device {@code devid}; {@code onWatch} routes the backends' watch events. */
    public Testbed(int domid, String kind, int devid, BiConsumer<String, String> onWatch) throws Exception {
        this.domid = domid;
        this.rel = "device/" + kind + "/" + devid;
        this.front = "/local/domain/" + domid + "/" + rel;
        this.back = "/local/domain/0/backend/" + kind + "/" + domid + "/" + devid;
        this.guest = hub.guest(domid, 1, shinfo, upcalls::add);
        this.mem = GuestMemory.create("front" + domid, new AddressMap(16 * AddressMap.MIB));
        this.grants = new GrantTable(domid, mem);
        assertThat(grants.mapFrame(0, 0x100)).isZero();
        server.withStore(s -> {
            try {
                s.write(s, Caller.DOM0, front, new byte[0]);
                String p = "/local/domain/" + domid;
                for (String d : List.of(p, p + "/device", p + "/device/" + kind, front)) {
                    s.setPerms(s, Caller.DOM0, d, Perms.of(domid, Access.NONE));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        server.introduceDomain(domid, 0xFEFFF, 1);
        xs = new Xenbus(server, onWatch);
        observer = new Xenbus(server, (path, token) -> backendStates.add(observer().read(path).orElse("")));
        observer.watch(back + "/state", "observer");
        frontConn = new DomainConnection(server, domid, false, p -> { });
    }

    private Xenbus observer() {
        return observer;
    }

    public String read(String path) {
        return observer.read(path).orElse("");
    }

    /** The frontend writes one of its nodes (as the domain, through its own connection). */
    public void frontWrite(String node, String value) {
        frontConn.request(XsPacket.of(XsOp.WRITE, 1, 0, (rel + "/" + node + "\0" + value).getBytes(StandardCharsets.UTF_8)));
    }

    /** Waits, by watch, until the backend's state is {@code want}. */
    public void awaitBackend(int want) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            String s = backendStates.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(s).as("backend state " + want + " within 20 s").isNotNull();
            if (s.equals(Integer.toString(want))) {
                return;
            }
        }
    }

    /** Waits until the backends have handled every watch event so far. */
    public void backendQuiet() throws InterruptedException {
        assertThat(xs.drain(java.time.Duration.ofSeconds(20))).as("the backends' watch events handled within 20 s").isTrue();
    }

    /** Grant {@code ref}: page {@code pfn} to domain 0, writable. */
    public void grant(int ref, long pfn) {
        long e = 0x100 * 4096L + ref * 8L;
        mem.writeU32(e + 4, (int) pfn);
        mem.writeU16(e + 2, 0);
        mem.writeU16(e, XenH.GTF_permit_access);
    }

    @Override
    public void close() {
        xs.close();
        observer.close();
        frontConn.close();
        mem.close();
    }
}
