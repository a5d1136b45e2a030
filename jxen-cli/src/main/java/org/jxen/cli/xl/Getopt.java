package org.jxen.cli.xl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * POSIX getopt as xl uses it ({@code SWITCH_FOREACH_OPT}): short options, clustered ({@code -pc}),
 * a value after the letter or as the next argument ({@code -n1}, {@code -n 1}), {@code --}
 * ending the options, options stopping at the first operand; {@code -h} and {@code --help}
 * always mean help. xl's options are this shape, which a general parser would not keep.
 */
public final class Getopt {
    private Getopt() {}

    /** What a command line held: the options seen (letter → value, "" for flags) and the operands. */
    public record Parsed(Map<Character, String> options, List<String> operands, boolean help) {
        public boolean has(char c) {
            return options.containsKey(c);
        }

        public String value(char c) {
            return options.get(c);
        }
    }

    /** A bad option or a missing value: the message xl's getopt would print. */
    public static final class UsageError extends Exception {
        public UsageError(String message) {
            super(message);
        }
    }

    public static Parsed parse(List<String> args, String spec) throws UsageError {
        Map<Character, String> opts = new LinkedHashMap<>();
        List<String> operands = new ArrayList<>();
        boolean help = false;
        int i = 0;
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.equals("--help")) {
                help = true;
                continue;
            }
            if (a.startsWith("--")) {
                throw new UsageError("unrecognized option '" + a + "'");
            }
            if (!a.startsWith("-") || a.length() == 1) {
                break;
            }
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                if (c == 'h') {
                    help = true;
                    continue;
                }
                int at = spec.indexOf(c);
                if (at < 0 || c == ':') {
                    throw new UsageError("invalid option -- '" + c + "'");
                }
                boolean takesValue = at + 1 < spec.length() && spec.charAt(at + 1) == ':';
                if (!takesValue) {
                    opts.put(c, "");
                    continue;
                }
                if (j + 1 < a.length()) {
                    opts.put(c, a.substring(j + 1));
                } else if (i + 1 < args.size()) {
                    opts.put(c, args.get(++i));
                } else {
                    throw new UsageError("option requires an argument -- '" + c + "'");
                }
                break;
            }
        }
        for (; i < args.size(); i++) {
            operands.add(args.get(i));
        }
        return new Parsed(opts, operands, help);
    }
}
