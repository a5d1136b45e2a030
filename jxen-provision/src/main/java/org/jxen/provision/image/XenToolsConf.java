package org.jxen.provision.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * xen-tools' configuration file ({@code /etc/xen-tools/xen-tools.conf}): {@code key = value}
 * lines, {@code #} comments (also after a value), keys in xen-tools' spelling
 * ({@code install-method}, {@code genpass_len}). A value in backquotes is a command whose
 * output is the value, as xen-tools evaluates it; {@code xt-guess-suite-and-mirror --suite}
 * and {@code --mirror} are answered by {@link HostApt} without running anything, and
 * {@code uname -r} by the running kernel, others are run with {@code sh -c}.
 */
public final class XenToolsConf {
    public static final Path DEFAULT = Path.of("/etc/xen-tools/xen-tools.conf");

    private XenToolsConf() {}

    /**
     * The settings of {@code file}; a missing default file is no settings (xen-tools' defaults
     * apply), a missing file that was named is an error.
     */
    public static Map<String, String> read(Path file, boolean named, Function<String, String> backquote) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (named) {
                throw new IOException("config file " + file + " does not exist");
            }
            return Map.of();
        }
        return parse(file.toString(), text, backquote);
    }

    static Map<String, String> parse(String source, String text, Function<String, String> backquote) {
        Map<String, String> out = new LinkedHashMap<>();
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw;
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(source + ":" + lineNo + ": expected key = value, found \"" + raw.strip() + "\"");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("`") && value.endsWith("`")) {
                value = backquote.apply(value.substring(1, value.length() - 1).strip());
            }
            out.put(key, value);
        }
        return out;
    }
}
