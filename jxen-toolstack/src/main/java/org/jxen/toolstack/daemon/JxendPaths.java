package org.jxen.toolstack.daemon;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where jxend keeps its files: Xen's places by default, each with the environment override of
 * DESIGN.md ("Processes") so that tests and several daemons run side by side.
 *
 * @param runDir {@code JXEN_RUNDIR} ({@code /run/jxen}): the control sockets and the pid file
 * @param stateDir {@code JXEN_STATEDIR} ({@code /var/lib/jxen}): domain records and core dumps
 * @param logDir {@code JXEN_LOGDIR} ({@code /var/log/xen}): {@code jxend.log},
 *     {@code xl-NAME.log}, {@code console/guest-NAME.log}
 * @param xenstoreSocket {@code XENSTORED_PATH} (or {@code $XENSTORED_RUNDIR/socket}, else
 *     {@code /run/xenstored/socket}): where the embedded XenStore listens, as Xen's client
 *     library looks for it
 */
public record JxendPaths(Path runDir, Path stateDir, Path logDir, Path xenstoreSocket) {
    public static final String DEFAULT_RUNDIR = "/run/jxen";
    public static final String DEFAULT_STATEDIR = "/var/lib/jxen";
    public static final String DEFAULT_LOGDIR = "/var/log/xen";
    public static final String DEFAULT_XENSTORE_SOCKET = "/run/xenstored/socket";

    /** The paths the environment gives (System.getenv() in the daemon). */
    public static JxendPaths fromEnvironment(Map<String, String> env) {
        String xs = value(env, "XENSTORED_PATH", null);
        if (xs == null) {
            String dir = value(env, "XENSTORED_RUNDIR", null);
            xs = dir != null ? dir + "/socket" : DEFAULT_XENSTORE_SOCKET;
        }
        return new JxendPaths(
                Path.of(value(env, "JXEN_RUNDIR", DEFAULT_RUNDIR)),
                Path.of(value(env, "JXEN_STATEDIR", DEFAULT_STATEDIR)),
                Path.of(value(env, "JXEN_LOGDIR", DEFAULT_LOGDIR)),
                Path.of(xs));
    }

    private static String value(Map<String, String> env, String key, String fallback) {
        String v = env.get(key);
        return v == null || v.isEmpty() ? fallback : v;
    }

    /** The HTTP control API ({@code docs/API.md}). */
    public Path apiSocket() {
        return runDir.resolve("jxend.sock");
    }

    /** The socket the native {@code xl} launcher connects to ({@code docs/XL-LAUNCHER.md}). */
    public Path launcherSocket() {
        return runDir.resolve("xl.sock");
    }

    public Path pidFile() {
        return runDir.resolve("jxend.pid");
    }

    public Path daemonLog() {
        return logDir.resolve("jxend.log");
    }
}
