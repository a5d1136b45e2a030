package org.jxen.cli.xl;

import java.util.List;

/**
 * One row of the xl command table, as Xen's {@code xl_cmdtable.c}: the name, the handler, whether
 * it honours {@code -N} (dry run) and modifies state ({@code -f}), the one-line description, the
 * usage after the name, the options ({@link Opt}), the getopt letters it takes (a letter followed
 * by {@code :} takes a value) and how many arguments it needs at least. {@code xl help}, the
 * man page and the bash completion are made from these rows.
 */
public record XlCommand(String name, Handler handler, boolean canDryRun, boolean modifies, String description,
        String usage, List<Opt> options, String getopt, int minArgs, Completion completion) {

    /** Runs a command; returns its exit status. */
    @FunctionalInterface
    public interface Handler {
        int run(XlContext ctx, Getopt.Parsed args) throws Exception;
    }

    /** One option as {@code xl help CMD} shows it: {@code -c} or {@code -n NUM}, and what it does. */
    public record Opt(String flag, String description) {}

    /** What the bash completion offers for the arguments. */
    public enum Completion {
        NONE,
        DOMAIN,
        CONFIG_FILE,
        COMMAND
    }
}
