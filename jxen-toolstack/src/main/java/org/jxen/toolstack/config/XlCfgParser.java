package org.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jxen.toolstack.config.XlCfgLexer.Kind;
import org.jxen.toolstack.config.XlCfgLexer.Token;

/**
 * The grammar of libxlu's bison parser ({@code libxlu_cfg_y.y}), by recursive descent:
 *
 * <pre>
 *   file       := stmt* assignment?            (the last line needs no terminator)
 *   stmt       := assignment endstmt | endstmt
 *   endstmt    := NEWLINE | ';'
 *   assignment := IDENT ('=' | '+=') value      (the value starts on the key's line)
 *   value      := STRING | NUMBER | '[' nl* (value nl* (',' nl* value nl*)* (',' nl*)?)? ']'
 * </pre>
 *
 * A later {@code key = v} replaces an earlier one; {@code key += v} appends to the earlier value
 * of the same type (strings concatenate, lists join) as {@code xlu__cfg_set_store} does, and
 * stands alone when there is none. On a syntax error the rest of the line is skipped (bison's
 * {@code error NEWLINE}) and parsing goes on, so every bad line is reported; a line reports one
 * error, as libxlu reports none after a lexical error on the same line.
 */
final class XlCfgParser {
    /**
     * Deepest list nesting accepted. libxlu's bison stack gives up near 10000 states ("memory
     * exhausted"); no config nests more than two levels, and recursion here must stay well inside
     * a thread stack.
     */
    static final int MAX_NESTING = 100;

    /**
     * Statements xm's Python had and xl.cfg has not. libxlu guesses Python only from the
     * characters {@code + - . ( ) :}, so {@code import os} alone gets no hint there; here a line
     * starting with one of these words (not as a key) gets it too.
     */
    private static final Set<String> PYTHON_WORDS = Set.of(
            "import", "from", "def", "class", "if", "elif", "else", "for", "while", "try", "except", "with",
            "return", "print", "del", "global", "assert", "lambda");

    private final List<Token> tokens;
    private int at;
    private final List<ConfigException> errors = new ArrayList<>();
    private boolean pythonWords;
    private final Map<String, Setting> settings = new LinkedHashMap<>();

    private XlCfgParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** Parses {@code data} (the bytes of a file, or of {@code key=value} overrides) named {@code source}. */
    static XlConfig parse(String source, byte[] data) throws ConfigException {
        XlCfgLexer.Result scan = XlCfgLexer.scan(source, data);
        XlCfgParser parser = new XlCfgParser(scan.tokens());
        parser.file();
        List<ConfigException> all = new ArrayList<>(scan.errors());
        all.addAll(parser.errors);
        if (!all.isEmpty()) {
            all.sort(Comparator.comparingInt(ConfigException::line).thenComparingInt(ConfigException::column));
            List<ConfigException> onePerLine = new ArrayList<>();
            for (ConfigException e : all) {
                if (onePerLine.isEmpty() || onePerLine.getLast().line() != e.line()) {
                    onePerLine.add(e);
                }
            }
            throw ConfigException.of(onePerLine, scan.likelyPython() || parser.pythonWords);
        }
        return new XlConfig(source, parser.settings);
    }

    /** Thrown inside the parser to unwind to the statement loop; the error is already recorded. */
    private static final class Recover extends Exception {
        private static final long serialVersionUID = 1L;

        Recover() {
            super(null, null, false, false);
        }
    }

    private Token peek() {
        return tokens.get(at);
    }

    private Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Kind.END) {
            at++;
        }
        return t;
    }

    private void file() {
        while (peek().kind() != Kind.END) {
            Token t = peek();
            try {
                switch (t.kind()) {
                    case NEWLINE, SEMICOLON -> next();
                    case IDENT -> {
                        assignment();
                        Kind k = peek().kind();
                        if (k == Kind.NEWLINE || k == Kind.SEMICOLON) {
                            next();
                        } else if (k != Kind.END) {
                            throw syntax(null, "NEWLINE or ';' or end of file");
                        }
                    }
                    default -> throw syntax(null, "IDENT or NEWLINE or ';' or end of file");
                }
            } catch (Recover r) {
                while (peek().kind() != Kind.END && next().kind() != Kind.NEWLINE) {
                    // bison's "error NEWLINE": drop the rest of the line
                }
            }
        }
    }

    private void assignment() throws Recover {
        Token key = next();
        Token op = peek();
        if (op.kind() != Kind.EQUALS && op.kind() != Kind.ADD) {
            if (PYTHON_WORDS.contains(key.value())) {
                pythonWords = true;
            }
            throw syntax(key.value(), "'=' or '+='");
        }
        next();
        ConfigValue value = value(key.value(), 0);
        store(key, op.kind() == Kind.ADD, value);
    }

    private ConfigValue value(String key, int depth) throws Recover {
        Token t = peek();
        switch (t.kind()) {
            case STRING, NUMBER -> {
                next();
                return new ConfigValue.Str(t.value(), t.location());
            }
            case LBRACKET -> {
                if (depth >= MAX_NESTING) {
                    throw error(t, key, "lists nested deeper than " + MAX_NESTING + " levels");
                }
                next();
                List<ConfigValue> items = new ArrayList<>();
                skipNewlines();
                while (peek().kind() != Kind.RBRACKET) {
                    if (!isValueStart(peek().kind())) {
                        throw syntax(key, "STRING or NUMBER or '[' or ']'");
                    }
                    items.add(value(key, depth + 1));
                    skipNewlines();
                    if (peek().kind() == Kind.COMMA) {
                        next();
                        skipNewlines();
                    } else if (peek().kind() != Kind.RBRACKET) {
                        throw syntax(key, "',' or ']'");
                    }
                }
                next();
                return new ConfigValue.Items(items, t.location());
            }
            default -> throw syntax(key, "STRING or NUMBER or '['");
        }
    }

    private static boolean isValueStart(Kind k) {
        return k == Kind.STRING || k == Kind.NUMBER || k == Kind.LBRACKET;
    }

    private void skipNewlines() {
        while (peek().kind() == Kind.NEWLINE) {
            next();
        }
    }

    /** {@code xlu__cfg_set_store}: replace, or for {@code +=} join with the earlier value. */
    private void store(Token key, boolean add, ConfigValue value) {
        Setting previous = settings.get(key.value());
        ConfigValue result = value;
        if (add && previous != null) {
            result = switch (previous.value()) {
                case ConfigValue.Str p when value instanceof ConfigValue.Str s ->
                        new ConfigValue.Str(p.value() + s.value(), s.location());
                case ConfigValue.Items p when value instanceof ConfigValue.Items s -> {
                    List<ConfigValue> joined = new ArrayList<>(p.items());
                    joined.addAll(s.items());
                    yield new ConfigValue.Items(joined, s.location());
                }
                default -> {
                    error(value.location(), key.value(), "config parsing error in `" + key.value()
                            + "': can't add [list] to \"string\" or vice versa");
                    yield previous.value();
                }
            };
        }
        settings.remove(key.value());
        settings.put(key.value(), new Setting(key.value(), result, add, key.location()));
    }

    private Recover syntax(String key, String expected) {
        Token t = peek();
        String near = t.kind() == Kind.END ? "at end of file"
                : t.text().isEmpty() ? "near <newline>" : "near `" + t.text() + "'";
        String in = key == null ? "" : " in `" + key + "'";
        return error(t.location(), key, "config parsing error" + in + " " + near + ": syntax error, unexpected "
                + t.kind().display + ", expecting " + expected);
    }

    private Recover error(Token t, String key, String problem) {
        return error(t.location(), key, "config parsing error in `" + key + "' near `" + t.text() + "': " + problem);
    }

    private Recover error(Location where, String key, String message) {
        errors.add(new ConfigException(where, key, message));
        return new Recover();
    }
}
