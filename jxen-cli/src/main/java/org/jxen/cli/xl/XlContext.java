package org.jxen.cli.xl;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.jxen.toolstack.daemon.Invocation;
import org.jxen.toolstack.domain.Domains;

/**
 * What a command runs with: the domains, the client's streams and directory, and xl's global
 * options ({@code -v}, {@code -N}, {@code -f}).
 */
public final class XlContext {
    final Domains domains;
    final Invocation invocation;
    final PrintStream out;
    final PrintStream err;
    final boolean verbose;
    final boolean dryRun;
    final boolean force;

    XlContext(Domains domains, Invocation invocation, boolean verbose, boolean dryRun, boolean force) {
        this.domains = domains;
        this.invocation = invocation;
        this.out = new PrintStream(invocation.stdio().out(), false, StandardCharsets.UTF_8);
        this.err = new PrintStream(invocation.stdio().err(), true, StandardCharsets.UTF_8);
        this.verbose = verbose;
        this.dryRun = dryRun;
        this.force = force;
    }

    /** {@code path} as the client meant it: relative to its working directory. */
    Path clientPath(String path) {
        return invocation.cwd().resolve(path);
    }

    boolean cancelled() {
        return invocation.cancelled().isDone();
    }
}
