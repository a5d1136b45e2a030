package org.jxen.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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

    private static final System.Logger LOG = System.getLogger(Vif.class.getName());

    private final Tap tap;
    private final MacAddress mac;
    private final String bridge;
    /** The hotplug script that attached it and detaches it, with the vif's backend path; null for the built-in. */
    private final VifScript script;
    private final String xenbusPath;

    private Vif(Tap tap, MacAddress mac, String bridge, VifScript script, String xenbusPath) {
        this.tap = tap;
        this.mac = mac;
        this.bridge = bridge;
        this.script = script;
        this.xenbusPath = xenbusPath;
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
        return create(name, mac, bridge, mtu, Optional.empty(), "");
    }

    /**
     * Creates the TAP and attaches it: through {@code script} when there is one (run with
     * {@code add} as Xen's toolstack runs it, see {@link VifScript}; the script reads the bridge
     * and MTU from the backend entries at {@code xenbusPath}), else as above.
     *
     * @throws IOException with one sentence when the interface cannot be made or the script fails
     */
    public static Vif create(String name, MacAddress mac, String bridge, int mtu, Optional<VifScript> script,
            String xenbusPath) throws IOException {
        if (script.isPresent()) {
            Tap tap = openTap(name);
            try {
                script.get().run("add", name, xenbusPath);
            } catch (IOException | RuntimeException e) {
                tap.close();
                throw e;
            }
            return new Vif(tap, mac, bridge, script.get(), xenbusPath);
        }
        if (!Files.isDirectory(Path.of("/sys/class/net", bridge, "bridge"))) {
            throw new IOException("bridge " + bridge + " does not exist" + (Files.exists(Path.of("/sys/class/net", bridge))
                    ? " (" + bridge + " is an interface, not a bridge)" : "") + ": create it, or name another with bridge= in the vif spec");
        }
        Tap tap = openTap(name);
        try {
            if (mtu > 0) {
                Tap.setMtu(name, mtu);
            }
            Tap.addToBridge(bridge, name);
            Tap.up(name);
            return new Vif(tap, mac, bridge, null, null);
        } catch (SysException | RuntimeException e) {
            tap.close();
            throw new IOException("cannot set up " + name + " on " + bridge + ": " + e.getMessage(), e);
        }
    }

    private static Tap openTap(String name) throws IOException {
        try {
            return Tap.open(name);
        } catch (SysException e) {
            throw new IOException("cannot create the interface " + name + ": " + e.getMessage(), e);
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

    /** The script that attached it, if one did. */
    public Optional<VifScript> script() {
        return Optional.ofNullable(script);
    }

    /** Detaches it (the script's {@code remove}, whose failure is logged) and removes the interface. */
    @Override
    public void close() {
        if (script != null) {
            try {
                script.run("remove", tap.name(), xenbusPath);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
            }
        }
        tap.close();
    }
}
