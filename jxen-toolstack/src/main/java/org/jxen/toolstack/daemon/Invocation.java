package org.jxen.toolstack.daemon;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One command that an {@code xl} launcher asked jxend to run.
 *
 * @param argv the arguments after {@code xl} itself ({@code ["list", "-l"]})
 * @param cwd the client's working directory: relative paths (a config file) are resolved here
 * @param env the environment variables xl honours, as the client had them
 * @param stdio the client's standard descriptors
 * @param peer who the client is
 * @param cancelled completes when the client went away (killed, or its socket closed): the
 *     command should stop; jxend also interrupts its thread
 */
public record Invocation(List<String> argv, Path cwd, Map<String, String> env, Stdio stdio, Peer peer,
        CompletableFuture<Void> cancelled) {
    public Invocation {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }
}
