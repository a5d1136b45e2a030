package org.jxen.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jxen.sys.SysException;
import org.jxen.sys.net.Tap;

/**
 * A domain's network interface on the host, as Xen's toolstack and its {@code vif-bridge}
 * script make it: a TAP interface named {@code vifDOMID.DEVID} (or the config's
 * {@code vifname=}), its MTU set, attached to the bridge ({@code bridge=}, default
 * {@link #DEFAULT_BRIDGE}) and brought up. Closing it removes the interface.
 *
 * <p>Threads: the device's queue workers read and write frames; create and close on the control thread.
 */
public final class Vif implements AutoCloseable {
    public static final String DEFAULT_BRIDGE = "xenbr0";

    private final Tap tap;
    private final MacAddress mac;
    private final String bridge;

    private Vif(Tap tap, MacAddress mac, String bridge) {
        this.tap = tap;
        this.mac = mac;
        this.bridge = bridge;
    }

    /** Xen's name for a vif: {@code vifDOMID.DEVID}. */
    public static String defaultName(int domid, int devid) {
        return "vif" + domid + "." + devid;
    }

    /**
     * Creates the interface and attaches it.
     *
     * @param name the interface name (at most 15 bytes)
     * @param mtu the MTU, or 0 for the kernel's default
     * @throws IOException with one sentence when the bridge does not exist or the kernel refuses
     */
    public static Vif create(String name, MacAddress mac, String bridge, int mtu) throws IOException {
        if (!Files.isDirectory(Path.of("/sys/class/net", bridge, "bridge"))) {
            throw new IOException("bridge " + bridge + " does not exist" + (Files.exists(Path.of("/sys/class/net", bridge))
                    ? " (" + bridge + " is an interface, not a bridge)" : "") + ": create it, or name another with bridge= in the vif spec");
        }
        Tap tap;
        try {
            tap = Tap.open(name);
        } catch (SysException e) {
            throw new IOException("cannot create the interface " + name + ": " + e.getMessage(), e);
        }
        try {
            if (mtu > 0) {
                Tap.setMtu(name, mtu);
            }
            Tap.addToBridge(bridge, name);
            Tap.up(name);
            return new Vif(tap, mac, bridge);
        } catch (SysException | RuntimeException e) {
            tap.close();
            throw new IOException("cannot set up " + name + " on " + bridge + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return tap.name();
    }

    public MacAddress mac() {
        return mac;
    }

    public String bridge() {
        return bridge;
    }

    public Tap tap() {
        return tap;
    }

    @Override
    public void close() {
        tap.close();
    }
}
