package org.jxen.cli.run;

/**
 * Text from the command line, a file name or a guest made safe for a terminal: an error line
 * that echoes an escape sequence would let input clear the screen, retitle the window or hide
 * the message. Any thread.
 */
public final class Printable {
    private Printable() {}

    /**
     * {@code text} with each control character (C0, DEL and C1, Unicode category Cc) written
     * as {@code \xNN}, so "evil\u001b[2J" prints as {@code evil\x1b[2J}.
     */
    public static String escape(CharSequence text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                b.append(String.format("\\x%02x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text.toString() : b.toString();
    }

    /** Whether {@code text} has a control character that {@link #escape} would rewrite. */
    static boolean hasControl(CharSequence text) {
        return text.chars().anyMatch(Character::isISOControl);
    }

    /**
     * A number of seconds as a person writes it: 0.0001, 3, 1.5, where Double.toString says
     * 1.0E-4 and 3.0. Values outside [1e-9, 1e15), which would print as long runs of zeros,
     * keep the exponent.
     */
    public static String seconds(double s) {
        double a = Math.abs(s);
        if (s != 0 && !(a >= 1e-9 && a < 1e15)) {
            return Double.toString(s);
        }
        return java.math.BigDecimal.valueOf(s).stripTrailingZeros().toPlainString();
    }
}
