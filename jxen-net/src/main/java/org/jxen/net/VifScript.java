package org.jxen.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A vif hotplug script, run as Xen's toolstack runs it (libxl_linux.c, and the usage in the
 * header of Xen's {@code vif-bridge}): the action ({@code add} or {@code remove}) as the only
 * argument, and in the environment {@code type_if=tap}, {@code INTERFACE} and {@code vif} (the
 * interface), {@code XENBUS_PATH} (the vif's backend directory, where the script reads
 * {@code bridge} and {@code mtu}), {@code script}, and {@code XENSTORED_PATH} when jxend's
 * XenStore is not on Xen's socket. jxen's vifs are TAPs read by the VMM, which Xen's scripts
 * know as {@code type_if=tap}: {@code vif-bridge} then sets the MTU, enslaves the interface to
 * the bridge and brings it up.
 *
 * <p>{@code script=} in a vif spec names the script: a bare name is looked for in the script
 * directory ({@code XEN_SCRIPT_DIR}, default {@link #DEFAULT_DIR}), a path is used as it is.
 * With no {@code script=}, Xen's {@code vif-bridge} is used when it is installed, and jxen's
 * built-in equivalent ({@link Vif}) when it is not.
 *
 * @param path the script
 * @param xenstoredPath the XenStore socket the script's {@code xenstore-read} must use, when
 *     it is not Xen's default (passed as {@code XENSTORED_PATH})
 */
public record VifScript(Path path, Optional<String> xenstoredPath) {
    /** Where Xen installs its hotplug scripts. */
    public static final Path DEFAULT_DIR = Path.of("/etc/xen/scripts");
    /** xl's default vif script (xl.cfg(5), xl-network-configuration(5)). */
    public static final String DEFAULT = "vif-bridge";
    /** Where Xen's hotplug scripts log (xen-hotplug-common.sh). */
    public static final String HOTPLUG_LOG = "/var/log/xen/xen-hotplug.log";
    /** How long a script may run: libxl's LIBXL_HOTPLUG_TIMEOUT (libxl_internal.h). */
    public static final long TIMEOUT_SECONDS = 40;

    /** The script directory: {@code XEN_SCRIPT_DIR} when set, else {@link #DEFAULT_DIR}. */
    public static Path directory() {
        String d = System.getenv("XEN_SCRIPT_DIR");
        return d == null || d.isEmpty() ? DEFAULT_DIR : Path.of(d);
    }

    /**
     * The script a vif spec asks for, or empty for the built-in bridge attach (no {@code script=}
     * and no {@code vif-bridge} installed).
     *
     * @throws IOException when {@code script=} names a script that is not there or not executable
     */
    public static Optional<VifScript> resolve(Optional<String> script, Path dir, Optional<String> xenstoredPath)
            throws IOException {
        if (script.isEmpty() || script.get().isEmpty()) {
            Path def = dir.resolve(DEFAULT);
            return Files.isExecutable(def) ? Optional.of(new VifScript(def, xenstoredPath)) : Optional.empty();
        }
        String s = script.get();
        Path p = s.contains("/") ? Path.of(s) : dir.resolve(s);
        if (!Files.isRegularFile(p)) {
            throw new IOException("vif script " + s + " not found (looked for " + p + ")");
        }
        if (!Files.isExecutable(p)) {
            throw new IOException("vif script " + p + " is not executable");
        }
        return Optional.of(new VifScript(p, xenstoredPath));
    }

    /** The environment for the script on interface {@code ifname} whose backend is at {@code xenbusPath}. */
    public Map<String, String> environment(String ifname, String xenbusPath) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("script", path.toString());
        env.put("XENBUS_PATH", xenbusPath);
        env.put("type_if", "tap");
        env.put("INTERFACE", ifname);
        env.put("vif", ifname);
        xenstoredPath.ifPresent(p -> env.put("XENSTORED_PATH", p));
        return env;
    }

    /**
     * Runs the script with {@code action} and waits for it.
     *
     * @throws IOException naming the script, the action and the script's last line of error
     *     output, when it fails, cannot start or runs past {@link #TIMEOUT_SECONDS}
     */
    public void run(String action, String ifname, String xenbusPath) throws IOException {
        Path log = Files.createTempFile("jxen-vif-script", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(path.toString(), action)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(environment(ifname, xenbusPath));
            Process p = pb.start();
            try {
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException("vif script " + path + " " + action + " for " + ifname + " ran past "
                            + TIMEOUT_SECONDS + " s and was killed");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while vif script " + path + " ran", e);
            }
            if (p.exitValue() != 0) {
                String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).strip();
                // Xen's own scripts send their messages to xen-hotplug.log and hotplug-error.
                String last = text.isEmpty() ? "no output (Xen's scripts write why to " + HOTPLUG_LOG + " and "
                        + xenbusPath + "/hotplug-error)" : text.substring(text.lastIndexOf('\n') + 1);
                throw new IOException("vif script " + path + " " + action + " for " + ifname + " failed (status "
                        + p.exitValue() + "): " + last);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
