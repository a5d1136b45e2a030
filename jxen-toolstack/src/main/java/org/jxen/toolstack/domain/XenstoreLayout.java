package org.jxen.toolstack.domain;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.store.Access;
import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Perms;
import org.jxen.xenstore.store.Store;
import org.jxen.xenstore.wire.XsException;

/**
 * A domain's XenStore tree as libxl writes it when it makes a domain
 * ({@code libxl__domain_make} and {@code libxl__build_post}; paths in Xen's
 * docs/misc/xenstore-paths.pandoc), and removes it when the domain goes. Three permission sets,
 * as libxl's: read-only to the guest ({@code roperm}: owner Domain-0, the guest may read),
 * the guest's own ({@code rwperm}: owner the guest), and Domain-0's alone.
 *
 * <p>Called on control threads; each method is one step under the server's lock.
 */
final class XenstoreLayout {
    private final XenstoreServer xs;

    XenstoreLayout(XenstoreServer xs) {
        this.xs = xs;
    }

    static String domainPath(int domid) {
        return "/local/domain/" + domid;
    }

    static String vmPath(UUID uuid) {
        return "/vm/" + uuid;
    }

    private static Perms readOnly(int domid) {
        return new Perms(List.of(new Perms.Entry(0, Access.NONE), new Perms.Entry(domid, Access.READ)));
    }

    private static Perms guestOwned(int domid) {
        return Perms.of(domid, Access.NONE);
    }

    private interface StoreStep {
        void run(Store s) throws XsException;
    }

    private void inStore(StoreStep step) {
        xs.withStore(s -> {
            try {
                step.run(s);
            } catch (XsException e) {
                throw new IllegalStateException("XenStore refused the toolstack: " + e.getMessage(), e);
            }
            return null;
        });
    }

    private static void put(Store s, String path, String value, Perms perms) throws XsException {
        s.write(s, Caller.DOM0, path, value.getBytes(StandardCharsets.UTF_8));
        s.setPerms(s, Caller.DOM0, path, perms);
    }

    /** Domain-0's own entries, as xen-init-dom0 writes them at boot. */
    void writeDomain0(long memoryKiB, int vcpus) {
        inStore(s -> {
            Perms dom0 = Perms.of(0, Access.NONE);
            put(s, "/local/domain/0/name", "Domain-0", dom0);
            put(s, "/local/domain/0/domid", "0", dom0);
            put(s, "/local/domain/0/memory/target", Long.toString(memoryKiB), dom0);
            put(s, "/local/domain/0/memory/static-max", Long.toString(memoryKiB), dom0);
            for (int i = 0; i < vcpus; i++) {
                put(s, "/local/domain/0/cpu/" + i + "/availability", "online", dom0);
            }
        });
    }

    /** Everything a new domain has, and {@code @introduceDomain}. */
    void create(int domid, String name, UUID uuid, long targetKiB, long maxKiB, int vcpus, int maxVcpus, Instant start) {
        String dom = domainPath(domid);
        String vm = vmPath(uuid);
        Perms ro = readOnly(domid);
        Perms rw = guestOwned(domid);
        inStore(s -> {
            put(s, vm, "", ro);
            put(s, vm + "/uuid", uuid.toString(), ro);
            put(s, vm + "/name", name, ro);
            put(s, vm + "/start_time", String.format("%d.%02d", start.getEpochSecond(), start.getNano() / 10_000_000), ro);
            put(s, dom, "", ro);
            put(s, dom + "/vm", vm, ro);
            put(s, dom + "/name", name, ro);
            put(s, dom + "/domid", Integer.toString(domid), ro);
            put(s, dom + "/memory/static-max", Long.toString(maxKiB), ro);
            put(s, dom + "/memory/target", Long.toString(targetKiB), ro);
            put(s, dom + "/memory/videoram", "-1", ro);
            for (int i = 0; i < maxVcpus; i++) {
                put(s, dom + "/cpu/" + i + "/availability", i < vcpus ? "online" : "offline", ro);
            }
            put(s, dom + "/control", "", ro);
            put(s, dom + "/control/shutdown", "", rw);
            put(s, dom + "/control/feature-poweroff", "", rw);
            put(s, dom + "/control/feature-reboot", "", rw);
            put(s, dom + "/control/sysrq", "", rw);
            put(s, dom + "/device", "", ro);
            put(s, dom + "/data", "", rw);
            put(s, dom + "/drivers", "", rw);
            put(s, dom + "/attr", "", rw);
            put(s, dom + "/messages", "", rw);
            put(s, dom + "/feature", "", rw);
            // The serial console jxend multiplexes (xenconsoled's "ioemu" console of HVM guests).
            put(s, dom + "/console", "", ro);
            put(s, dom + "/console/type", "ioemu", ro);
            put(s, dom + "/console/limit", Integer.toString(1 << 20), ro);
        });
        xs.introduceDomain(domid, 0, 0);
    }

    /** enum xenbus_state (xen/io/xenbus.h): the device is up (the backend serves it). */
    static final int XENBUS_STATE_CONNECTED = 4;

    /**
     * A disk's backend and frontend entries as libxl writes them (libxl_disk.c), so that
     * {@code xenstore-ls} and scripts see the device: the backend under Domain-0, the frontend
     * under the domain. jxen serves the disk as virtio-pci ({@code specification = virtio},
     * {@code transport = pci}); the state is Connected from the start.
     */
    void addVbd(int domid, int devid, String vdev, String params, boolean readwrite, boolean cdrom) {
        String be = "/local/domain/0/backend/vbd/" + domid + "/" + devid;
        String fe = domainPath(domid) + "/device/vbd/" + devid;
        Perms ro = readOnly(domid);
        Perms dom0 = Perms.of(0, Access.NONE);
        inStore(s -> {
            put(s, be + "/frontend", fe, dom0);
            put(s, be + "/frontend-id", Integer.toString(domid), dom0);
            put(s, be + "/params", params, dom0);
            put(s, be + "/type", "qdisk", dom0);
            put(s, be + "/mode", readwrite ? "w" : "r", dom0);
            put(s, be + "/device-type", cdrom ? "cdrom" : "disk", dom0);
            put(s, be + "/dev", vdev, dom0);
            put(s, be + "/online", "1", dom0);
            put(s, be + "/removable", cdrom ? "1" : "0", dom0);
            put(s, be + "/bootable", "1", dom0);
            put(s, be + "/specification", "virtio", dom0);
            put(s, be + "/transport", "pci", dom0);
            put(s, be + "/state", Integer.toString(XENBUS_STATE_CONNECTED), dom0);
            put(s, fe + "/backend", be, ro);
            put(s, fe + "/backend-id", "0", ro);
            put(s, fe + "/virtual-device", Integer.toString(devid), ro);
            put(s, fe + "/device-type", cdrom ? "cdrom" : "disk", ro);
            put(s, fe + "/state", Integer.toString(XENBUS_STATE_CONNECTED), ro);
        });
    }

    /** A vif's backend directory, the {@code XENBUS_PATH} its script gets. */
    static String vifBackend(int domid, int devid) {
        return "/local/domain/0/backend/vif/" + domid + "/" + devid;
    }

    /**
     * A vif's backend and frontend entries as libxl writes them (libxl_nic.c); {@code script}
     * (a path) and {@code mtu} only when the config sets them, as libxl does.
     */
    void addVif(int domid, int devid, String mac, String bridge, String ifname, String script, int mtu) {
        String be = vifBackend(domid, devid);
        String fe = domainPath(domid) + "/device/vif/" + devid;
        Perms ro = readOnly(domid);
        Perms dom0 = Perms.of(0, Access.NONE);
        inStore(s -> {
            put(s, be + "/frontend", fe, dom0);
            put(s, be + "/frontend-id", Integer.toString(domid), dom0);
            put(s, be + "/online", "1", dom0);
            put(s, be + "/mac", mac, dom0);
            put(s, be + "/bridge", bridge, dom0);
            put(s, be + "/handle", Integer.toString(devid), dom0);
            put(s, be + "/type", "vif", dom0);
            put(s, be + "/vifname", ifname, dom0);
            if (script != null) {
                put(s, be + "/script", script, dom0);
            }
            if (mtu > 0) {
                put(s, be + "/mtu", Integer.toString(mtu), dom0);
            }
            put(s, be + "/specification", "virtio", dom0);
            put(s, be + "/state", Integer.toString(XENBUS_STATE_CONNECTED), dom0);
            put(s, fe + "/backend", be, ro);
            put(s, fe + "/backend-id", "0", ro);
            put(s, fe + "/handle", Integer.toString(devid), ro);
            put(s, fe + "/mac", mac, ro);
            put(s, fe + "/state", Integer.toString(XENBUS_STATE_CONNECTED), ro);
        });
    }

    /** Writes {@code value} where the guest's shutdown watch looks (libxl__domain_pvcontrol_write). */
    void requestShutdown(int domid, String value) {
        inStore(s -> s.write(s, Caller.DOM0, domainPath(domid) + "/control/shutdown", value.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code memory/target} in KiB, as libxl_set_memory_target writes it. */
    void setMemoryTarget(int domid, long kib) {
        inStore(s -> s.write(s, Caller.DOM0, domainPath(domid) + "/memory/target", Long.toString(kib)
                .getBytes(StandardCharsets.UTF_8)));
    }

    void rename(int domid, UUID uuid, String name) {
        inStore(s -> {
            s.write(s, Caller.DOM0, domainPath(domid) + "/name", name.getBytes(StandardCharsets.UTF_8));
            s.write(s, Caller.DOM0, vmPath(uuid) + "/name", name.getBytes(StandardCharsets.UTF_8));
        });
    }

    /** Removes the domain's tree, its backends' entries, and fires {@code @releaseDomain}. */
    void remove(int domid, UUID uuid) {
        inStore(s -> {
            for (String p : List.of(domainPath(domid), vmPath(uuid), "/local/domain/0/backend/vbd/" + domid,
                    "/local/domain/0/backend/vif/" + domid)) {
                if (s.get(p) != null) {
                    s.rm(s, Caller.DOM0, p);
                }
            }
        });
        xs.releaseDomain(domid);
    }
}
