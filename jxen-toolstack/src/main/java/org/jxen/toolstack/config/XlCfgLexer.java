package org.jxen.toolstack.config;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of an xl config, as libxlu's flex scanner ({@code libxlu_cfg_l.l}) cuts them:
 *
 * <pre>
 *   IDENT   [a-z][._0-9a-z]*        (so keys are lower case: "Name = 1" is a lexical error)
 *   NUMBER  [0-9][0-9a-fx]*         (kept as text: "0x1f", "010"; "1.5" is NUMBER then an error)
 *   STRING  "..." or '...' on one line, with backslash escapes
 *   NEWLINE \n, or a # comment with its \n
 *   , [ ] = += ;                    and blanks and tabs between tokens
 * </pre>
 *
 * Anything else starts a lexical error that runs to the next blank ({@code <lexerr>} state); a
 * {@code + - . ( ) :} there marks the file as likely Python, which Xen reports with its hint if
 * the parse fails. Errors do not stop the scan, so one run reports every bad line.
 *
 * <p>Where jxen differs from libxlu 4.17 (each is a bug there, and no file that libxlu accepts
 * changes meaning except through the escapes, which libxlu cannot have meant):
 * <ul>
 *   <li>a {@code #} comment on the last line without a newline is a comment (libxlu: lexical
 *       error);</li>
 *   <li>{@code \xHH} (two hex digits) and {@code \ooo} (one to three octal digits) are decoded as
 *       in C (libxlu rejects every {@code \x} and drops octal escapes from the string);</li>
 *   <li>a string must be UTF-8 and hold no NUL (libxlu passes the bytes on and cuts at NUL);</li>
 *   <li>errors say more than "lexical error" where the cause is clear (DOS line ends, an
 *       unterminated string).</li>
 * </ul>
 */
final class XlCfgLexer {
    enum Kind {
        IDENT("IDENT"), NUMBER("NUMBER"), STRING("STRING"), NEWLINE("NEWLINE"), COMMA("','"), LBRACKET("'['"),
        RBRACKET("']'"), EQUALS("'='"), ADD("'+='"), SEMICOLON("';'"), END("end of file");

        /** The name a syntax error uses, in bison's style. */
        final String display;

        Kind(String display) {
            this.display = display;
        }
    }

    /**
     * @param text the token as written (for "near" in messages)
     * @param value IDENT and NUMBER: the text; STRING: the unescaped string; else null
     */
    record Token(Kind kind, String text, String value, Location location) {}

    /** What the scan found: tokens (lexical errors left out, as flex returns none for them). */
    record Result(List<Token> tokens, List<ConfigException> errors, boolean likelyPython) {}

    private final String source;
    private final byte[] in;
    private int pos;
    private int line = 1;
    private int lineStart;
    private final List<Token> tokens = new ArrayList<>();
    private final List<ConfigException> errors = new ArrayList<>();
    private boolean likelyPython;

    private XlCfgLexer(String source, byte[] in) {
        this.source = source;
        this.in = in;
    }

    static Result scan(String source, byte[] data) {
        XlCfgLexer lexer = new XlCfgLexer(source, data);
        lexer.run();
        return new Result(List.copyOf(lexer.tokens), List.copyOf(lexer.errors), lexer.likelyPython);
    }

    private Location here() {
        return new Location(source, line, pos - lineStart + 1);
    }

    private void run() {
        while (pos < in.length) {
            int c = in[pos] & 0xff;
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c >= 'a' && c <= 'z') {
                word(Kind.IDENT);
            } else if (c >= '0' && c <= '9') {
                word(Kind.NUMBER);
            } else if (c == '\n') {
                newline(pos + 1);
            } else if (c == '#') {
                int end = pos;
                while (end < in.length && in[end] != '\n') {
                    end++;
                }
                newline(Math.min(end + 1, in.length));
            } else if (c == '"' || c == '\'') {
                string();
            } else if (c == '+' && pos + 1 < in.length && in[pos + 1] == '=') {
                single(Kind.ADD, 2);
            } else if (c == ',') {
                single(Kind.COMMA, 1);
            } else if (c == '[') {
                single(Kind.LBRACKET, 1);
            } else if (c == ']') {
                single(Kind.RBRACKET, 1);
            } else if (c == '=') {
                single(Kind.EQUALS, 1);
            } else if (c == ';') {
                single(Kind.SEMICOLON, 1);
            } else {
                // libxlu's rule [+-.():] (a flex range: + , - .; the comma is matched before it).
                if ("+-.():".indexOf(c) >= 0) {
                    likelyPython = true;
                }
                lexicalError(c == '\r' ? "lexical error: carriage return (the file has DOS line endings)"
                        : "lexical error");
            }
        }
        tokens.add(new Token(Kind.END, "", null, here()));
    }

    private void single(Kind kind, int length) {
        tokens.add(new Token(kind, ascii(pos, pos + length), null, here()));
        pos += length;
    }

    private void word(Kind kind) {
        int end = pos + 1;
        while (end < in.length && (kind == Kind.IDENT ? isIdentTail(in[end]) : isNumberTail(in[end]))) {
            end++;
        }
        String text = ascii(pos, end);
        tokens.add(new Token(kind, text, text, here()));
        pos = end;
    }

    private static boolean isIdentTail(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '.' || b == '_';
    }

    private static boolean isNumberTail(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || b == 'x';
    }

    /**
     * A NEWLINE token for the text up to {@code end} (a newline, or a comment and its newline);
     * its text, for messages, is the comment if there is one.
     */
    private void newline(int end) {
        String text = in[pos] == '#' ? display(pos, in[end - 1] == '\n' ? end - 1 : end) : "";
        tokens.add(new Token(Kind.NEWLINE, text, null, here()));
        for (int i = pos; i < end; i++) {
            if (in[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        pos = end;
    }

    /** A quoted string: no newline inside, a backslash takes the next character with it. */
    private void string() {
        byte quote = in[pos];
        int end = pos + 1;
        while (end < in.length && in[end] != quote && in[end] != '\n') {
            end += in[end] == '\\' && end + 1 < in.length && in[end + 1] != '\n' ? 2 : 1;
        }
        if (end >= in.length || in[end] != quote) {
            lexicalError("lexical error: unterminated string");
            return;
        }
        Location at = here();
        String raw = display(pos, end + 1);
        String problem = null;
        String value = null;
        try {
            value = unescape(pos + 1, end);
        } catch (BadString e) {
            problem = e.getMessage();
        }
        if (problem != null) {
            errors.add(new ConfigException(at, null, "config parsing error near `" + raw + "': " + problem));
        } else {
            tokens.add(new Token(Kind.STRING, raw, value, at));
        }
        pos = end + 1;
    }

    private static final class BadString extends Exception {
        private static final long serialVersionUID = 1L;

        BadString(String message) {
            super(message, null, false, false);
        }
    }

    /** The C escapes of {@code xlu__cfgl_dequote}, with \x and octal as C means them. */
    private String unescape(int from, int to) throws BadString {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        int i = from;
        while (i < to) {
            int c = in[i++] & 0xff;
            if (c != '\\') {
                out.write(c);
                continue;
            }
            int e = in[i++] & 0xff;
            switch (e) {
                case '"', '\'', '\\' -> out.write(e);
                case 'a' -> out.write(0x07);
                case 'b' -> out.write(0x08);
                case 'f' -> out.write(0x0c);
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(0x0b);
                case 'x' -> {
                    if (i + 2 > to || CNumbers.digit((char) in[i], 16) < 0 || CNumbers.digit((char) in[i + 1], 16) < 0) {
                        throw new BadString("invalid digit after backslash in hex numerical character escape"
                                + " in quoted string (\\x takes two hex digits)");
                    }
                    out.write(CNumbers.digit((char) in[i], 16) * 16 + CNumbers.digit((char) in[i + 1], 16));
                    i += 2;
                }
                default -> {
                    if (e < '0' || e > '7') {
                        throw new BadString("invalid character after backslash in quoted string");
                    }
                    int v = e - '0';
                    for (int k = 0; k < 2 && i < to && in[i] >= '0' && in[i] <= '7'; k++) {
                        v = v * 8 + (in[i++] - '0');
                    }
                    if (v > 0xff) {
                        throw new BadString("octal character escape above \\377 in quoted string");
                    }
                    out.write(v);
                }
            }
        }
        byte[] bytes = out.toByteArray();
        for (byte b : bytes) {
            if (b == 0) {
                throw new BadString("NUL character in quoted string");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadString("quoted string is not valid UTF-8");
        }
    }

    /** libxlu's {@code <lexerr>} state: the bad character and the rest of its word are one error. */
    private void lexicalError(String problem) {
        int end = pos + 1;
        while (end < in.length && in[end] != ' ' && in[end] != '\t' && in[end] != '\n') {
            end++;
        }
        errors.add(new ConfigException(here(), null, "config parsing error near `" + display(pos, end) + "': " + problem));
        pos = end;
    }

    private String ascii(int from, int to) {
        return new String(in, from, to - from, StandardCharsets.US_ASCII);
    }

    /** Bytes for a message: printable ASCII as is, anything else as \xNN, so a message stays one line. */
    private String display(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            int b = in[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b));
            }
        }
        return sb.toString();
    }
}
