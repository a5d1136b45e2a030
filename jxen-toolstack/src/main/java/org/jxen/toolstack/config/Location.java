package org.jxen.toolstack.config;

/**
 * Where something stands in a config source: the source's name as the user gave it (a path,
 * {@code "command line"}), a line from 1 and a column from 1, counted in bytes. Line 0 means the
 * source as a whole (a key that is missing has no place).
 */
public record Location(String source, int line, int column) {
    public Location {
        if (source == null || line < 0 || column < 0) {
            throw new IllegalArgumentException("bad location " + source + ":" + line + ":" + column);
        }
    }

    /** The source as a whole. */
    public static Location of(String source) {
        return new Location(source, 0, 0);
    }

    /** {@code file:line:column}, or just {@code file} for the whole source: the prefix of every message. */
    @Override
    public String toString() {
        return line == 0 ? source : source + ":" + line + ":" + column;
    }
}
