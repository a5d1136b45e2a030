package org.jxen.xenstore.store;

/** One permission letter of xenstore.txt's {@code <perm-as-string>}: n, r, w or b. */
public enum Access {
    NONE('n'),
    READ('r'),
    WRITE('w'),
    BOTH('b');

    private final char letter;

    Access(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    public boolean canRead() {
        return this == READ || this == BOTH;
    }

    public boolean canWrite() {
        return this == WRITE || this == BOTH;
    }

    /** The union of two grants (a target domain inherits its target's permissions). */
    public Access or(Access o) {
        boolean r = canRead() || o.canRead();
        boolean w = canWrite() || o.canWrite();
        return r && w ? BOTH : r ? READ : w ? WRITE : NONE;
    }

    public static Access of(char c) {
        for (Access a : values()) {
            if (a.letter == c) {
                return a;
            }
        }
        return null;
    }
}
