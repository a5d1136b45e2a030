package org.jxen.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The result protocol of jxen's test guests (guests/README.md), parsed from console output:
 * <pre>
 * jxen-guest NAME start
 * ok N - WHAT
 * not ok N - WHAT: WHY
 * # information
 * jxen-guest NAME end passed=P failed=F
 * </pre>
 * When the output holds several boots (the guest rebooted), the checks are the last boot's.
 */
public record GuestResults(String name, boolean started, List<Check> checks, Integer endPassed, Integer endFailed,
                           List<String> lines) {
    /** One {@code ok}/{@code not ok} line. */
    public record Check(int number, boolean ok, String what, String why) {
        @Override
        public String toString() {
            return (ok ? "ok " : "not ok ") + number + " - " + what + (why == null ? "" : ": " + why);
        }
    }

    private static final Pattern START = Pattern.compile("^jxen-guest (\\S+) start$");
    private static final Pattern END = Pattern.compile("^jxen-guest (\\S+) end passed=(\\d+) failed=(\\d+)$");
    private static final Pattern OK = Pattern.compile("^ok (\\d+) - (.*)$");
    private static final Pattern NOT_OK = Pattern.compile("^not ok (\\d+) - (.*?)(?::\\s(.*))?$");

    public static GuestResults parse(String output) {
        String name = null;
        boolean started = false;
        Integer passed = null;
        Integer failed = null;
        List<Check> checks = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String raw : output.split("\n")) {
            String line = raw.replace("\r", "");
            lines.add(line);
            Matcher m;
            if ((m = START.matcher(line)).matches()) {
                // A reboot starts the guest again: the results are those of the last boot.
                name = m.group(1);
                started = true;
                checks.clear();
                passed = null;
                failed = null;
            } else if ((m = END.matcher(line)).matches()) {
                passed = Integer.parseInt(m.group(2));
                failed = Integer.parseInt(m.group(3));
            } else if ((m = OK.matcher(line)).matches()) {
                checks.add(new Check(Integer.parseInt(m.group(1)), true, m.group(2), null));
            } else if ((m = NOT_OK.matcher(line)).matches()) {
                checks.add(new Check(Integer.parseInt(m.group(1)), false, m.group(2), m.group(3)));
            }
        }
        return new GuestResults(name, started, List.copyOf(checks), passed, failed, List.copyOf(lines));
    }

    /** Whether the closing line came and agrees with the checks seen. */
    public boolean complete() {
        return started && endPassed != null
                && endPassed == checks.stream().filter(Check::ok).count()
                && endFailed == checks.stream().filter(c -> !c.ok()).count();
    }

    /** The value of the first line starting with {@code prefix}, with the prefix removed; null if none. */
    public String valueAfter(String prefix) {
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                return l.substring(prefix.length()).trim();
            }
        }
        return null;
    }
}
