package org.jxen.toolstack.config;

import java.util.Optional;

/**
 * One JSON object the way libxl writes its types ({@code libxl_<type>_gen_json} through yajl with
 * beautify on): one field a line, four spaces in, fields at their default left out, a
 * {@code libxl_defbool} as {@code "True"}/{@code "False"}. Control characters are escaped as yajl
 * does ({@code \t}, or {@code \u001F} with upper-case hex); {@code /} and non-ASCII are not.
 */
final class LibxlJson {
    private final StringBuilder out = new StringBuilder("{\n");
    private boolean first = true;

    private void name(String name) {
        if (!first) {
            out.append(",\n");
        }
        first = false;
        out.append("    ");
        quote(name);
        out.append(": ");
    }

    void string(String name, Optional<String> value) {
        if (value.isPresent()) {
            name(name);
            quote(value.get());
        }
    }

    /** An enumeration's name; null is the default. */
    void enumeration(String name, String value) {
        string(name, Optional.ofNullable(value));
    }

    /** An integer, left out when 0 (libxl's default for every integer field written here). */
    void integer(String name, long value) {
        if (value != 0) {
            name(name);
            out.append(value);
        }
    }

    void bool(String name, boolean value) {
        if (value) {
            name(name);
            out.append("true");
        }
    }

    void defbool(String name, Optional<Boolean> value) {
        if (value.isPresent()) {
            name(name);
            out.append(value.get() ? "\"True\"" : "\"False\"");
        }
    }

    String close() {
        return out.append(first ? "}" : "\n}").toString();
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
