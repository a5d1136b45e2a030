package org.jxen.toolstack.config;

/**
 * C's {@code strtol}/{@code strtoul} as glibc implements them, because libxlu and xl convert
 * config strings with them and a config means what they make of it: leading white space
 * ({@code isspace} in the C locale) and a sign are skipped, base 0 reads {@code 0x} as hex and a
 * leading {@code 0} as octal, conversion stops at the first character that is not a digit, and a
 * value out of range is clamped with {@code ERANGE}. Callers decide what trailing text means.
 */
final class CNumbers {
    private CNumbers() {}

    /**
     * @param value the value (clamped when {@code overflow}); for {@link #strtoul} the bits of an
     *     unsigned 64-bit number
     * @param end index of the first character not used; {@code from} when there were no digits
     * @param overflow whether C would have set {@code errno = ERANGE}
     */
    record Parsed(long value, int end, boolean overflow) {
        boolean consumedAll(CharSequence s) {
            return end == s.length();
        }
    }

    /** {@code strtol(s + from, &end, base)} for base 0, 8, 10 or 16. */
    static Parsed strtol(CharSequence s, int from, int base) {
        return convert(s, from, base, true);
    }

    /** {@code strtoul(s + from, &end, base)}: a minus sign negates modulo 2^64, as C does. */
    static Parsed strtoul(CharSequence s, int from, int base) {
        return convert(s, from, base, false);
    }

    static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    static int digit(char c, int base) {
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'z') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'Z') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        return d < base ? d : -1;
    }

    private static Parsed convert(CharSequence s, int from, int base, boolean signed) {
        int n = s.length();
        int i = from;
        while (i < n && isSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int b = base;
        // "0x" counts as a prefix only when a hex digit follows; otherwise the "0" is the number.
        if ((b == 0 || b == 16) && i + 2 < n && s.charAt(i) == '0' && (s.charAt(i + 1) | 0x20) == 'x'
                && digit(s.charAt(i + 2), 16) >= 0) {
            i += 2;
            b = 16;
        } else if (b == 0) {
            b = i < n && s.charAt(i) == '0' ? 8 : 10;
        }
        int firstDigit = i;
        long magnitude = 0;
        boolean overflow = false;
        for (; i < n; i++) {
            int d = digit(s.charAt(i), b);
            if (d < 0) {
                break;
            }
            if (!overflow) {
                long low = magnitude * b;
                long sum = low + d;
                if (Math.unsignedMultiplyHigh(magnitude, b) != 0 || Long.compareUnsigned(sum, low) < 0) {
                    overflow = true;
                } else {
                    magnitude = sum;
                }
            }
        }
        if (i == firstDigit) {
            return new Parsed(0, from, false);
        }
        if (!signed) {
            return overflow ? new Parsed(-1L, i, true) : new Parsed(negative ? -magnitude : magnitude, i, false);
        }
        if (negative) {
            if (overflow || Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
                return new Parsed(Long.MIN_VALUE, i, true);
            }
            return new Parsed(-magnitude, i, false);
        }
        if (overflow || Long.compareUnsigned(magnitude, Long.MAX_VALUE) > 0) {
            return new Parsed(Long.MAX_VALUE, i, true);
        }
        return new Parsed(magnitude, i, false);
    }
}
