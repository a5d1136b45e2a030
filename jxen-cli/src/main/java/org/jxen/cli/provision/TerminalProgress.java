package org.jxen.cli.provision;

import java.io.PrintStream;

import org.jxen.provision.image.BuildLog;
import org.jxen.provision.image.Progress;

/**
 * Progress on the terminal: each step on its own line, and on a terminal the current step's
 * detail rewritten in place on the line below it (at most ten times a second); when the output
 * is not a terminal, steps only. Everything also goes to the build's log.
 */
final class TerminalProgress implements Progress {
    private final PrintStream out;
    private final BuildLog log;
    private final boolean tty;
    private final boolean verbose;
    private long lastDetail;
    private boolean detailShown;

    TerminalProgress(PrintStream out, BuildLog log, boolean tty, boolean verbose) {
        this.out = out;
        this.log = log;
        this.tty = tty;
        this.verbose = verbose;
    }

    @Override
    public synchronized void step(int n, int total, String what) {
        clearDetail();
        out.println("[" + n + "/" + total + "] " + what);
        log.step("[" + n + "/" + total + "] " + what);
    }

    @Override
    public synchronized void detail(String text) {
        if (verbose) {
            out.println("      " + text);
            return;
        }
        if (!tty) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDetail < 100_000_000L) {
            return;
        }
        lastDetail = now;
        String line = "      " + text;
        out.print("\r\033[K" + (line.length() > 100 ? line.substring(0, 100) : line));
        out.flush();
        detailShown = true;
    }

    @Override
    public synchronized void say(String line) {
        clearDetail();
        out.println(line);
        log.line(line);
    }

    synchronized void clearDetail() {
        if (detailShown) {
            out.print("\r\033[K");
            out.flush();
            detailShown = false;
        }
    }
}
