package org.jxen.toolstack.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.jxen.toolstack.api.ApiServer;
import org.jxen.toolstack.api.ControlApi;
import org.jxen.toolstack.domain.Domains;
import org.jxen.xenstore.server.SocketServer;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.server.XenstoreServer;

/**
 * One running jxend: the pid file (one daemon per run directory), XenStore on Xen's socket, the
 * domains, the control API and the launcher socket, started in that order and stopped in the
 * reverse order. A step that fails undoes the steps before it, so a refused start leaves no
 * socket and no pid file behind.
 *
 * <p>Built on jxend's main thread; {@link #close()} runs on the shutdown hook.
 */
public final class Jxend implements AutoCloseable {
    /** The group whose members may use jxend besides root, when it exists on the host. */
    public static final String ACCESS_GROUP = "jxen";

    private final JxendPaths paths;
    private final XenstoreServer xenstore;
    private final Domains domains;
    private final List<AutoCloseable> started;

    private Jxend(JxendPaths paths, XenstoreServer xenstore, Domains domains, List<AutoCloseable> started) {
        this.paths = paths;
        this.xenstore = xenstore;
        this.domains = domains;
        this.started = started;
    }

    /** What the layers above supply: the domains (over the embedded store) and the xl commands. */
    public interface Parts {
        /** The domain manager, over the embedded XenStore; closing it destroys every domain. */
        Domains domains(XenstoreServer xenstore, JxendPaths paths) throws IOException;

        /** Starts the launcher socket that runs {@code xl} commands; closing it stops it. */
        AutoCloseable launcher(Path socket, Domains domains, Optional<String> group) throws IOException;
    }

    /** A failed start: one sentence naming the step and the reason. */
    public static final class StartException extends Exception {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static Jxend start(JxendPaths paths, String version, Parts parts) throws StartException {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            started.add(step("take the pid file " + paths.pidFile(), () -> PidFile.acquire(paths.pidFile())));
            Files.createDirectories(paths.stateDir());
            Files.createDirectories(paths.logDir());
            XenstoreServer xs = new XenstoreServer(Quota.XEN_DEFAULTS);
            started.add(step("serve XenStore on " + paths.xenstoreSocket(), () -> SocketServer.start(xs, paths.xenstoreSocket())));
            Domains domains = step("start the domain manager", () -> parts.domains(xs, paths));
            if (domains instanceof AutoCloseable c) {
                started.add(c);
            }
            Optional<String> group = accessGroup(paths.runDir());
            started.add(step("serve the control API on " + paths.apiSocket(),
                    () -> ApiServer.start(paths.apiSocket(), new ControlApi(domains, version), group)));
            started.add(step("serve xl on " + paths.launcherSocket(), () -> parts.launcher(paths.launcherSocket(), domains, group)));
            return new Jxend(paths, xs, domains, started);
        } catch (StartException | IOException e) {
            closeAll(started);
            if (e instanceof StartException s) {
                throw s;
            }
            throw new StartException("cannot create the directories of " + paths + ": " + e.getMessage(), e);
        }
    }

    private interface Step<T> {
        T run() throws IOException;
    }

    private static <T> T step(String what, Step<T> step) throws StartException {
        try {
            return step.run();
        } catch (PidFile.AlreadyRunningException e) {
            throw new StartException(e.getMessage(), e);
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            // "another xenstored is already listening on PATH" already says everything.
            throw new StartException(m.startsWith("another ") ? m + " (stop it first: jxend serves XenStore itself)" : "cannot " + what + ": " + m, e);
        }
    }

    /** The access group when it exists on this host, as the group of the run directory too. */
    static Optional<String> accessGroup(Path runDir) {
        try {
            GroupPrincipal g = runDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(ACCESS_GROUP);
            return Optional.of(g.getName());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public JxendPaths paths() {
        return paths;
    }

    public XenstoreServer xenstore() {
        return xenstore;
    }

    public Domains domains() {
        return domains;
    }

    /** Stops everything in the reverse order of start; idempotent. */
    @Override
    public synchronized void close() {
        closeAll(started);
    }

    private static void closeAll(List<AutoCloseable> started) {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.remove(i).close();
            } catch (Exception e) {
                System.getLogger("org.jxen.toolstack.daemon").log(System.Logger.Level.WARNING, "stopping: " + e.getMessage());
            }
        }
    }
}
