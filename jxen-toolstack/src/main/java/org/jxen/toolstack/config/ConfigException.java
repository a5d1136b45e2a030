package org.jxen.toolstack.config;

import java.util.List;

/**
 * A config that cannot be used: the family error of the toolstack's config layer
 * ({@code ConfigException(file, line, column, key)} in CONVENTIONS.md). The message is one line,
 * {@code file:line:column: what}, in xl's wording where xl has one, and names the key when the
 * problem belongs to one.
 *
 * <p>A file with several errors keeps them all, as xl prints them all: {@link #report()} has one
 * line per error, then Xen's three warning lines when the file looks like Python (xm configs were
 * Python; libxlu's {@code parse()} in {@code libxlu_cfg.c}). The message is the first error.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Xen's hint, word for word ({@code tools/libs/util/libxlu_cfg.c}, {@code parse()}). */
    public static final List<String> PYTHON_HINT = List.of(
            "warning: Config file looks like it contains Python code.",
            "warning:  Arbitrary Python is no longer supported.",
            "warning:  See https://wiki.xen.org/wiki/PythonInXlConfig");

    private final transient Location location;
    private final String key;
    private final String problem;
    private final transient List<String> report;
    private final boolean likelyPython;

    /**
     * One problem at {@code where}; {@code key} may be null when it belongs to no key. Control
     * characters in the text (a value quoted in the message may hold any) are shown as
     * {@code \xNN}, so that the message stays one line.
     */
    public ConfigException(Location where, String key, String problem) {
        this(where, key, oneLine(problem), List.of(oneLine(where + ": " + problem)), false);
    }

    /** {@code text} with every control character but tab written {@code \xNN}. */
    static String oneLine(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\t') || c == 0x7f;
            if (control && sb == null) {
                sb = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (sb != null) {
                if (control) {
                    sb.append(String.format("\\x%02x", (int) c));
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? text : sb.toString();
    }

    private ConfigException(Location where, String key, String problem, List<String> report, boolean likelyPython) {
        super(oneLine(where + ": " + problem), null, false, false);
        this.location = where;
        this.key = key;
        this.problem = problem;
        this.report = List.copyOf(report);
        this.likelyPython = likelyPython;
    }

    /**
     * The first of {@code errors} carrying the report of all of them, plus Xen's Python hint when
     * {@code likelyPython}.
     */
    static ConfigException of(List<ConfigException> errors, boolean likelyPython) {
        ConfigException first = errors.getFirst();
        List<String> lines = new java.util.ArrayList<>();
        for (ConfigException e : errors) {
            lines.addAll(e.report);
        }
        if (likelyPython) {
            lines.addAll(PYTHON_HINT);
        }
        return new ConfigException(first.location, first.key, first.problem, lines, likelyPython);
    }

    public String file() {
        return location.source();
    }

    public int line() {
        return location.line();
    }

    public int column() {
        return location.column();
    }

    public Location location() {
        return location;
    }

    /** The key the problem belongs to, or null. */
    public String key() {
        return key;
    }

    /** The message without its location. */
    public String problem() {
        return problem;
    }

    /** Every line to show the user, as xl prints them: the errors, then the Python hint if any. */
    public List<String> report() {
        return report;
    }

    /** Whether the file looked like xm's Python (and {@link #report()} ends with Xen's hint). */
    public boolean likelyPython() {
        return likelyPython;
    }
}
