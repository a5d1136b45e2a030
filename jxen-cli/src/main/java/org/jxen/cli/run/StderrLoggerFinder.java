package org.jxen.cli.run;

import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * The {@link System.Logger}s jxen's commands use: one line per message on stderr, prefixed with
 * the command's name ("jxen-run: warning: ..."), WARNING and above unless {@code -v} lowers the
 * threshold to DEBUG. A service provider, so java.util.logging is never initialised: it costs
 * tens of milliseconds at every start.
 *
 * <p>Commands outside this module (such as {@code jxen-xenstored}, which sees this provider on
 * the shared module path) configure it with the system properties {@code jxen.log.prefix} and
 * {@code jxen.log.verbose}, read when a message is logged.
 */
public final class StderrLoggerFinder extends System.LoggerFinder {
    private static volatile String prefix;
    private static volatile System.Logger.Level threshold;
    private static volatile boolean traces;

    /** Sets the command name and whether to log DEBUG and print stack traces. */
    public static void configure(String command, boolean verbose) {
        prefix = command;
        threshold = verbose ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
        traces = verbose;
    }

    private static String prefix() {
        String p = prefix;
        return p != null ? p : System.getProperty("jxen.log.prefix", "jxen");
    }

    private static boolean verbose() {
        return threshold != null ? traces : Boolean.getBoolean("jxen.log.verbose");
    }

    private static System.Logger.Level threshold() {
        System.Logger.Level t = threshold;
        return t != null ? t : verbose() ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
    }

    /**
     * A logger for {@code name}. The JDK's own loggers (asked for by java.* and jdk.* modules)
     * log WARNING and above even with -v: at DEBUG they are the JDK's diagnostics, such as
     * Runtime.exit's record with a stack trace on every exit, not jxen's.
     */
    @Override
    public System.Logger getLogger(String name, Module module) {
        String m = module.getName();
        return new StderrLogger(name, m != null && (m.startsWith("java.") || m.startsWith("jdk.")));
    }

    private record StderrLogger(String name, boolean jdk) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            int floor = jdk ? Math.max(threshold().getSeverity(), Level.WARNING.getSeverity()) : threshold().getSeverity();
            return level != Level.OFF && level.getSeverity() >= floor;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (!isLoggable(level)) {
                return;
            }
            String tag = switch (level) {
                case ERROR -> "error: ";
                case WARNING -> "warning: ";
                case INFO -> "";
                default -> "debug: ";
            };
            boolean traces = verbose();
            StringBuilder b = new StringBuilder(prefix()).append(": ").append(tag);
            // Messages carry names, paths and guest data: escape control characters, line by line.
            b.append(String.join("\n", String.valueOf(msg).lines().map(Printable::escape).toList()));
            if (thrown != null && !traces) {
                b.append(": ").append(Printable.escape(thrown.toString()));
            }
            synchronized (System.err) {
                System.err.println(b);
                if (thrown != null && traces) {
                    thrown.printStackTrace();
                }
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                log(level, bundle, params == null || params.length == 0 ? format
                        : java.text.MessageFormat.format(format, params), (Throwable) null);
            }
        }

        @Override
        public void log(Level level, Supplier<String> supplier) {
            if (isLoggable(level)) {
                log(level, null, supplier.get(), (Throwable) null);
            }
        }
    }
}
