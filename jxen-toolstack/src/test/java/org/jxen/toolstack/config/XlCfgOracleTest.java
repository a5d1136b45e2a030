package org.jxen.toolstack.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * jxen's xl.cfg parser against Xen's libxlu itself ({@link LibxluOracle}), on generated configs:
 * both accept or both refuse; when both accept, every key has the same value and the same
 * number reading; when both refuse, the first error is on the same line, and where libxlu
 * suspects Python, so does jxen. The generator leaves out the documented differences (a comment
 * on a last line without newline, {@code \x} and octal escapes, NUL and non-UTF-8 in strings).
 */
class XlCfgOracleTest {
    static final List<String> KEYS = List.of("a", "b", "memory", "x.y", "k_1", "name");

    private static final List<String> ATOMS = List.of(
            "0", "12", "0x1f", "010", "09", "1e3", "0x", "99999999999999999999", "7fff", "3",
            "\"x\"", "'y'", "\"a\\tb\"", "\"q\\\"q\"", "'it\\'s'", "\"\"", "\" 7\"", "\"-5\"", "\"7 \"", "\"x y\"",
            "\"\\\\\"", "'\\a\\b\\f\\n\\r\\v'", "\"tab\there\"", "\"caf\u00e9\"");

    private static final List<String> JUNK = List.of(
            "+", "(", ")", ".", ":", "-", "import", "def f():", "A", "\r", "$", "\"unterminated", "\\q", "\"\\q\"",
            "= =", "[", "]", ",", ";", "\n", " # c\n", "0xFF", "1.5", "print x", "if a:");

    @Provide
    Arbitrary<String> configs() {
        Arbitrary<String> atom = Arbitraries.of(ATOMS);
        Arbitrary<String> value = Arbitraries.recursive(() -> atom, inner -> Arbitraries.oneOf(atom,
                Combinators.combine(inner.list().ofMaxSize(4), Arbitraries.of(", ", ",\n ", ",", "\n,"),
                        Arbitraries.of(" ", "\n", ""), Arbitraries.of("", ",", ",\n", "\n"))
                        .as((items, sep, open, close) -> "[" + open + String.join(sep, items)
                                + (items.isEmpty() ? "" : close) + "]")), 3);
        Arbitrary<String> statement = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(KEYS), Arbitraries.of(" = ", "=", " += ", "+="), value,
                        Arbitraries.of("\n", ";", " ; ", "\t# note\n", "\n\n")).as((k, op, v, end) -> k + op + v + end),
                Arbitraries.of(JUNK));
        return Arbitraries.frequencyOf(
                Tuple.of(4, statement.list().ofMaxSize(8).map(s -> String.join("", s))),
                Tuple.of(1, Arbitraries.of(JUNK).list().ofMaxSize(8).map(s -> String.join(" ", s))));
    }

    @Property(tries = 1000)
    void parsesAsLibxluDoes(@ForAll("configs") String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        LibxluOracle.Answer xen = LibxluOracle.cfg(data, KEYS);
        XlConfig ours = null;
        ConfigException error = null;
        try {
            ours = XlConfig.parse("t.cfg", data);
        } catch (ConfigException e) {
            error = e;
        }
        if (xen.ok() && error != null && error.report().size() == (error.likelyPython() ? 4 : 1) && isLastByte(data, error)) {
            // libxlu's scanner reaches end of file inside its error state and reports nothing;
            // jxen reports the bad last character (XL-CFG.md, "Where jxen differs").
            return;
        }
        if (xen.ok()) {
            assertThat(error).as("libxlu accepts %s", show(text)).isNull();
            List<String> mine = new ArrayList<>();
            for (String k : KEYS) {
                mine.add(k + ": " + describe(ours, k));
            }
            assertThat(mine).as("values of %s", show(text)).isEqualTo(xen.lines());
            return;
        }
        assertThat(error).as("libxlu refuses %s: %s", show(text), xen.report()).isNotNull();
        int xenLine = firstErrorLine(xen.report());
        if (xen.report().getFirst().endsWith(CANT_ADD)) {
            // libxlu places this at the token after the value; jxen where the value starts.
            assertThat(error.getMessage()).endsWith(CANT_ADD);
            assertThat(error.line()).as("value of the += in %s", show(text)).isBetween(1, xenLine);
        } else {
            assertThat(error.line()).as("first error line of %s (libxlu: %s; jxen: %s)", show(text), xen.report(),
                    error.report()).isEqualTo(xenLine);
        }
        if (xen.report().contains(ConfigException.PYTHON_HINT.getFirst())) {
            assertThat(error.likelyPython()).as("python hint for %s", show(text)).isTrue();
        }
    }

    /** Whether {@code e} is at the input's last byte. */
    static boolean isLastByte(byte[] data, ConfigException e) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < data.length - 1; i++) {
            if (data[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return e.line() == line && e.column() == data.length - lineStart;
    }

    private static final String CANT_ADD = "can't add [list] to \"string\" or vice versa";

    private static final Pattern ERROR_LINE = Pattern.compile("^t\\.cfg:(\\d+): config parsing error near (.*)");

    /**
     * The line of libxlu's first error. Its yyerror takes one off the line of an error at a
     * newline token (a newline, or a comment and its newline), which the lexer had already
     * counted back: {@code a =} then a newline is reported on line 0. jxen reports the line the
     * newline is on.
     */
    private static int firstErrorLine(List<String> report) {
        for (String line : report) {
            Matcher m = ERROR_LINE.matcher(line);
            if (m.find()) {
                int n = Integer.parseInt(m.group(1));
                boolean atNewline = m.group(2).startsWith("<newline>") || m.group(2).startsWith("`#");
                return atNewline ? n + 1 : n;
            }
        }
        throw new AssertionError("no error line in " + report);
    }

    /** A key as the oracle prints it: absent, a string with its strtol reading, or a list. */
    static String describe(XlConfig config, String key) {
        return config.setting(key).map(s -> switch (s.value()) {
            case ConfigValue.Str str -> quote(str.value()) + " " + reading(config, key);
            case ConfigValue.Items items -> render(items);
        }).orElse("absent");
    }

    private static String reading(XlConfig config, String key) {
        try {
            return "long=" + config.longValue(key).orElseThrow();
        } catch (ConfigException e) {
            return "longerr=" + (e.getMessage().contains("out of range") ? 34 : 22);
        }
    }

    private static String render(ConfigValue v) {
        return switch (v) {
            case ConfigValue.Str s -> quote(s.value());
            case ConfigValue.Items items -> "[" + String.join(",", items.items().stream().map(XlCfgOracleTest::render).toList()) + "]";
        };
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            sb.append(c >= 32 && c < 127 && c != '"' && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.append('"').toString();
    }

    private static String show(String text) {
        return "`" + text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'";
    }
}
