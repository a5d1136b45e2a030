package org.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jxen.toolstack.config.DiskSpec.Backend;
import org.jxen.toolstack.config.DiskSpec.Format;
import org.jxen.toolstack.config.DiskSpec.Specification;

/**
 * The disk spec scanner of libxlu ({@code libxlu_disk_l.l}), rule for rule. It is a flex scanner,
 * and flex semantics decide what a spec means, so they are kept: at each position every rule is
 * tried, the longest match wins (trailing context, after {@code /} in flex, counts towards the
 * length but is scanned again), and of equally long matches the earlier rule. That is how
 * {@code phy:/dev/sdb} is a deprecated prefix and then a target, while {@code xvda:cdrom} is one
 * positional parameter.
 *
 * <p>Worked example, {@code raw:/root/image.iso,hdc:cdrom,ro}: {@code raw:} (prefix rule, the
 * trailing {@code /.*} making it the longest) sets the format; {@code /root/image.iso,} is the
 * first positional, the target; {@code hdc:cdrom,} would be the format, but a prefix set it, so it
 * is the vdev with a deprecated {@code :cdrom} type; {@code ro} is the access.
 */
final class DiskSpecParser {
    /**
     * What an action does with the matched text ({@code yytext}, the main part only); it sets
     * {@code stop} for flex's {@code return 0}, which ends the scan of this spec.
     */
    private interface Action {
        void run(DiskSpecParser p, String text);
    }

    /** A flex rule: {@code main}, then optional trailing context that must match after it. */
    private record Rule(Pattern main, Pattern trailing, Action action) {}

    private static Rule rule(String main, Action action) {
        return new Rule(Pattern.compile(main, Pattern.UNIX_LINES), null, action);
    }

    private static Rule rule(String main, String trailing, Action action) {
        return new Rule(Pattern.compile(main, Pattern.UNIX_LINES), Pattern.compile(trailing, Pattern.UNIX_LINES), action);
    }

    /** The rules of {@code libxlu_disk_l.l}, in its order (order breaks ties). */
    private static final List<Rule> RULES = List.of(
            rule("[ \\t\\n]+", "([^ \\t\\n].*)?", (p, t) -> { }),
            rule("format=[^,]*,?", (p, t) -> p.format(value(t))),
            rule("cdrom,?", (p, t) -> p.cdrom = true),
            rule("devtype=cdrom,?", (p, t) -> p.cdrom = true),
            rule("devtype=disk,?", (p, t) -> p.cdrom = false),
            rule("devtype=[^,]*,?", (p, t) -> p.error(t, "unknown value for type")),
            rule("access=[^,]*,?", (p, t) -> p.access(value(t))),
            rule("backend=[^,]*,?", (p, t) -> p.save("backend", value(t))),
            rule("backendtype=[^,]*,?", (p, t) -> p.backendType(value(t))),
            rule("specification=[^,]*,?", (p, t) -> p.specification(value(t))),
            rule("vdev=[^,]*,?", (p, t) -> p.save("vdev", value(t))),
            rule("script=[^,]*,?", (p, t) -> p.save("script", value(t))),
            rule("direct-io-safe,?", (p, t) -> p.directIoSafe = true),
            rule("discard,?", (p, t) -> p.discard = Optional.of(true)),
            rule("no-discard,?", (p, t) -> p.discard = Optional.of(false)),
            rule("colo,?", (p, t) -> p.colo = Optional.of(true)),
            rule("no-colo,?", (p, t) -> p.colo = Optional.of(false)),
            rule("colo-host=[^,]*,?", (p, t) -> p.save("colo-host", value(t))),
            rule("colo-port=[^,]*,?", (p, t) -> p.coloPort(value(t))),
            rule("colo-export=[^,]*,?", (p, t) -> p.save("colo-export", value(t))),
            rule("active-disk=[^,]*,?", (p, t) -> p.save("active-disk", value(t))),
            rule("hidden-disk=[^,]*,?", (p, t) -> p.save("hidden-disk", value(t))),
            rule("trusted,?", (p, t) -> p.trusted = Optional.of(true)),
            rule("untrusted,?", (p, t) -> p.trusted = Optional.of(false)),
            rule("grant_usage=1,?", (p, t) -> p.grantUsage = Optional.of(true)),
            rule("grant_usage=0,?", (p, t) -> p.grantUsage = Optional.of(false)),
            // target= eats the rest of the spec, commas included.
            rule("target=.*", (p, t) -> p.save("target", value(t))),
            // libxlu's pattern takes one character after '=' ([^,]), so "foo=bar" is reported
            // near `foo=b'; kept, as it decides which rule wins.
            rule("[a-z][-a-z0-9]*=[^,],?", (p, t) -> p.error(t, "unknown parameter")),
            rule("(raw|qcow2?|vhd):", ".*", (p, t) -> p.deprecatedFormat(strip(t, ':'))),
            rule("(iscsi|e?nbd|drbd):", ".*", (p, t) -> p.deprecatedScript(strip(t, ':'))),
            rule("tapdisk:", ".*", (p, t) -> p.hadDeprecatedPrefix = true),
            rule("tap2?:", ".*", (p, t) -> p.hadDeprecatedPrefix = true),
            rule("aio:", ".*", (p, t) -> p.hadDeprecatedPrefix = true),
            rule("ioemu:", ".*", (p, t) -> p.hadDeprecatedPrefix = true),
            rule("file:", ".*", (p, t) -> p.hadDeprecatedPrefix = true),
            rule("phy:", ".*", (p, t) -> p.hadDeprecatedPrefix = true),
            rule("[a-z][a-z0-9]*:", "([^a-z0-9].*)?",
                    (p, t) -> {
                        p.error(t, "unknown deprecated disk prefix");
                        p.stop = true;
                    }),
            rule("[^=,]*,|[^=,]+,?", (p, t) -> p.positional(strip(t, ','))));

    /** The last rule of all, {@code .} then {@code <LEXERR>.*}: the rest of the line is bad. */
    private static final Pattern REST_OF_LINE = Pattern.compile(".*", Pattern.UNIX_LINES);

    private final Location where;
    private String spec = "";
    private final List<ConfigException> errors = new ArrayList<>();

    /** The string parameters by their xl name ({@code target}, {@code vdev}, {@code colo-host}, ...). */
    private final Map<String, String> strings = new HashMap<>();
    private Format format = Format.UNKNOWN;
    private Backend backend = Backend.UNKNOWN;
    private Specification specification = Specification.UNKNOWN;
    private boolean cdrom;
    private boolean readwrite = true;
    private boolean directIoSafe;
    private int coloPort;
    private Optional<Boolean> discard = Optional.empty();
    private Optional<Boolean> colo = Optional.empty();
    private Optional<Boolean> trusted = Optional.empty();
    private Optional<Boolean> grantUsage = Optional.empty();
    private boolean accessSet;
    /** Set by an action to end the scan of the current spec. */
    private boolean stop;
    private boolean hadDeprecatedPrefix;

    private DiskSpecParser(Location where) {
        this.where = where;
    }

    static DiskSpec parse(Location where, List<String> specs) throws ConfigException {
        DiskSpecParser p = new DiskSpecParser(where);
        for (String s : specs) {
            p.spec = s;
            p.scan();
            if (!p.errors.isEmpty()) {
                throw ConfigException.of(p.errors, false);
            }
        }
        return p.finish();
    }

    private void scan() {
        stop = false;
        int pos = 0;
        while (pos < spec.length()) {
            Rule best = null;
            int bestLength = 0;
            int bestMain = 0;
            for (Rule r : RULES) {
                Matcher m = r.main().matcher(spec).region(pos, spec.length());
                if (!m.lookingAt()) {
                    continue;
                }
                int main = m.end() - pos;
                int length = main;
                if (r.trailing() != null) {
                    Matcher t = r.trailing().matcher(spec).region(m.end(), spec.length());
                    if (!t.lookingAt()) {
                        continue;
                    }
                    length += t.end() - m.end();
                }
                if (main > 0 && length > bestLength) {
                    best = r;
                    bestLength = length;
                    bestMain = main;
                }
            }
            if (best == null) {
                // Only '=' where a parameter should start gets here; flex's "." then <LEXERR>.*
                Matcher m = REST_OF_LINE.matcher(spec).region(pos + 1, spec.length());
                m.lookingAt();
                error(spec.substring(pos, m.end()), "bad disk syntax");
                return;
            }
            best.action().run(this, spec.substring(pos, pos + bestMain));
            if (stop) {
                return;
            }
            pos += bestMain;
        }
    }

    /** The value of {@code key=value,}: after the first '=', without the trailing comma. */
    private static String value(String text) {
        return strip(text.substring(text.indexOf('=') + 1), ',');
    }

    /** flex's {@code STRIP(delim)}: drop one trailing {@code delim}. */
    private static String strip(String text, char delim) {
        return !text.isEmpty() && text.charAt(text.length() - 1) == delim ? text.substring(0, text.length() - 1) : text;
    }

    /** {@code xlu__disk_err}: recorded, and the scan goes on unless the action stops it. */
    private void error(String erroneous, String message) {
        String near = erroneous == null ? "" : ": near `" + erroneous + "'";
        errors.add(new ConfigException(where, "disk",
                "config parsing error in disk specification: " + message + near + " in `" + spec + "'"));
    }

    /** {@code SAVESTRING}: a string parameter given twice (non-empty the first time) is an error. */
    private void save(String what, String value) {
        String old = strings.get(what);
        if (old != null && !old.isEmpty()) {
            error(value, what + " respecified");
            return;
        }
        strings.put(what, value);
    }

    private void access(String value) {
        switch (value) {
            case "r", "ro" -> readwrite = false;
            case "rw", "w", "" -> readwrite = true;
            default -> error(value, "unknown value for access");
        }
    }

    /** {@code setformat}; an empty format is raw. */
    private void format(String value) {
        format = dset(value.isEmpty() ? "raw" : value, value, format, Format.UNKNOWN, Format.values(), "format", "format");
    }

    /** {@code setbackendtype}. */
    private void backendType(String value) {
        backend = dset(value, value, backend, Backend.UNKNOWN, Backend.values(), "backendtype", "backend");
    }

    /** {@code setspecification}. */
    private void specification(String value) {
        specification = dset(value, value, specification, Specification.UNKNOWN, Specification.values(),
                "specification", "specification");
    }

    /**
     * libxlu's {@code DSET}: the constant whose lower-case name is {@code name}; an unknown name,
     * or a second value different from the one already set, is an error that keeps
     * {@code current}.
     *
     * @param value the text as written, for the message
     * @param kind what an unknown value is not ("unknown value for format")
     * @param member the libxl field, for "respecified"
     */
    private <E extends Enum<E>> E dset(String name, String value, E current, E unset, E[] values, String kind,
            String member) {
        for (E e : values) {
            if (e != unset && e.name().toLowerCase(java.util.Locale.ROOT).equals(name)) {
                if (current != unset && current != e) {
                    error(value, member + " respecified");
                    return current;
                }
                return e;
            }
        }
        error(value, "unknown value for " + kind);
        return current;
    }

    /** {@code setcoloport}: C's {@code atoi}, and 0 is refused. */
    private void coloPort(String value) {
        CNumbers.Parsed n = CNumbers.strtol(value, 0, 10);
        int port = (int) n.value();
        if (port == 0) {
            error(value, "unknown value for colo_port");
            return;
        }
        coloPort = port;
    }

    private void deprecatedFormat(String prefix) {
        hadDeprecatedPrefix = true;
        format(prefix);
    }

    private void deprecatedScript(String prefix) {
        hadDeprecatedPrefix = true;
        save("script", "block-" + prefix);
    }

    /** {@code vdev_and_devtype}: {@code vdev:cdrom} or {@code vdev:disk}, deprecated. */
    private boolean vdevAndDevtype(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return false;
        }
        save("vdev", text.substring(0, colon));
        switch (text.substring(colon + 1)) {
            case "cdrom" -> cdrom = true;
            case "disk" -> cdrom = false;
            default -> error(text.substring(colon + 1), "unknown deprecated type");
        }
        return true;
    }

    /** The positional parameters, in turn: target, format, vdev, access. */
    private void positional(String text) {
        String target = strings.get("target");
        if (!errors.isEmpty()) {
            return; // later complaints would only repeat the first
        }
        if (target == null) {
            save("target", text);
        } else if (!hadDeprecatedPrefix && format == Format.UNKNOWN) {
            if (target.isEmpty() && vdevAndDevtype(text)) {
                format = Format.EMPTY;
            } else {
                format(text);
            }
        } else if (!strings.containsKey("vdev")) {
            if (!vdevAndDevtype(text)) {
                save("vdev", text);
            }
        } else if (!accessSet) {
            accessSet = true;
            access(text);
        } else {
            error(text, "too many positional parameters");
            stop = true;
        }
    }

    /** What {@code xlu_disk_parse} does after the last spec: defaults, then the two checks. */
    private DiskSpec finish() throws ConfigException {
        if (format == Format.UNKNOWN) {
            format = Format.RAW;
        }
        String target = strings.get("target");
        String vdev = strings.get("vdev");
        boolean removable = false;
        if (cdrom) {
            removable = true;
            readwrite = false;
            if (target == null || target.isEmpty()) {
                format = Format.EMPTY;
            }
        }
        if (vdev == null) {
            error(null, "no vdev specified");
        } else if (target == null && !removable) {
            error(null, "no target specified (and device not removable)");
        }
        if (!errors.isEmpty()) {
            throw ConfigException.of(errors, false);
        }
        return new DiskSpec(string("backend"), Optional.ofNullable(target), vdev, backend, format, string("script"),
                removable, readwrite, cdrom, directIoSafe, discard, specification, colo, string("colo-host"), coloPort,
                string("colo-export"), string("active-disk"), string("hidden-disk"), trusted, grantUsage);
    }

    private Optional<String> string(String what) {
        return Optional.ofNullable(strings.get(what));
    }
}
