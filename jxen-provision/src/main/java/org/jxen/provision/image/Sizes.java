package org.jxen.provision.image;

import java.util.Locale;

/** Sizes as xen-tools writes them: a number with a suffix k, M, G or T (powers of 1024; "4G", "512M", "128Mb"). */
public final class Sizes {
    private Sizes() {}

    /**
     * Bytes of {@code text}; a bare number is taken in {@code bareUnit} ("M" for memory, as
     * xen-tools takes maxmem), or refused when {@code bareUnit} is null.
     *
     * @throws IllegalArgumentException naming the option and the value
     */
    public static long bytes(String option, String text, String bareUnit) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.endsWith("b") && lower.length() > 1 && !Character.isDigit(lower.charAt(lower.length() - 2))) {
            lower = lower.substring(0, lower.length() - 1); // "128Mb" → "128m"
        }
        if (lower.isEmpty()) {
            throw new IllegalArgumentException(option + ": empty size");
        }
        char last = lower.charAt(lower.length() - 1);
        String digits = Character.isDigit(last) ? lower : lower.substring(0, lower.length() - 1);
        String unit = Character.isDigit(last) ? bareUnit == null ? null : bareUnit.toLowerCase(Locale.ROOT) : String.valueOf(last);
        if (!digits.matches("-?\\d+")) {
            throw new IllegalArgumentException(option + "=" + text + " is not a size (a whole number and k, M, G or T)");
        }
        if (unit == null) {
            throw new IllegalArgumentException(option + "=" + text + ": a size needs a suffix (k, M, G or T), e.g. 4G");
        }
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> throw new IllegalArgumentException(option + "=" + text + ": unknown size suffix '" + unit
                    + "' (k, M, G or T)");
        };
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + "=" + text + " is not a size (a whole number and k, M, G or T)");
        }
        if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(option + "=" + text + " is out of range");
        }
        return n << shift;
    }

    /** Whole MiB of {@code text} (a bare number is MiB). */
    public static long mib(String option, String text) {
        long b = bytes(option, text, "M");
        if (b < (1 << 20)) {
            throw new IllegalArgumentException(option + "=" + text + " is less than 1 MiB");
        }
        return b >> 20;
    }

    /** Bytes as xen-tools prints them: "4G", "512M", or bytes. */
    public static String human(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        return bytes + "";
    }
}
