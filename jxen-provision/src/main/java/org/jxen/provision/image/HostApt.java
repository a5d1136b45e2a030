package org.jxen.provision.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The host's own distribution and Debian mirror, as xen-tools' {@code xt-guess-suite-and-mirror}
 * guesses them: the suite is {@code VERSION_CODENAME} of {@code /etc/os-release}, the mirror
 * the first {@code deb} source of {@code /etc/apt/sources.list} and {@code sources.list.d}
 * (one-line and deb822 {@code .sources} files) that serves that suite and is not a security
 * archive.
 */
public final class HostApt {
    public static final String FALLBACK_MIRROR = "http://deb.debian.org/debian";

    private final Path root;

    /** The host's files under {@code root} ("/" for the host). */
    public HostApt(Path root) {
        this.root = root;
    }

    public Optional<String> suite() throws IOException {
        Path os = root.resolve("etc/os-release");
        if (!Files.isReadable(os)) {
            return Optional.empty();
        }
        for (String line : Files.readAllLines(os)) {
            if (line.startsWith("VERSION_CODENAME=")) {
                String v = line.substring("VERSION_CODENAME=".length()).replace("\"", "").strip();
                return v.isEmpty() ? Optional.empty() : Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** The mirror for {@code suite}, or {@link #FALLBACK_MIRROR} when the host's sources name none. */
    public String mirror(String suite) throws IOException {
        for (Source s : sources()) {
            if (s.suites().contains(suite) && !s.uri().contains("security")) {
                return s.uri().replaceAll("/+$", "");
            }
        }
        return FALLBACK_MIRROR;
    }

    record Source(String uri, List<String> suites) {}

    List<Source> sources() throws IOException {
        List<Source> out = new ArrayList<>();
        Path list = root.resolve("etc/apt/sources.list");
        if (Files.isReadable(list)) {
            oneLine(Files.readAllLines(list), out);
        }
        Path dir = root.resolve("etc/apt/sources.list.d");
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.sorted().toList();
            }
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (n.endsWith(".list")) {
                    oneLine(Files.readAllLines(f), out);
                } else if (n.endsWith(".sources")) {
                    deb822(Files.readAllLines(f), out);
                }
            }
        }
        return out;
    }

    private static void oneLine(List<String> lines, List<Source> out) {
        for (String raw : lines) {
            String line = raw.strip();
            if (!line.startsWith("deb ") && !line.startsWith("deb\t")) {
                continue;
            }
            line = line.substring(4).strip();
            if (line.startsWith("[")) {
                int close = line.indexOf(']');
                if (close < 0) {
                    continue;
                }
                line = line.substring(close + 1).strip();
            }
            String[] f = line.split("\\s+");
            if (f.length >= 2) {
                out.add(new Source(f[0], List.of(f[1])));
            }
        }
    }

    private static void deb822(List<String> lines, List<Source> out) {
        List<String> types = List.of();
        List<String> uris = List.of();
        List<String> suites = List.of();
        boolean enabled = true;
        List<String> all = new ArrayList<>(lines);
        all.add("");
        for (String raw : all) {
            if (raw.isBlank()) {
                if (types.contains("deb") && enabled) {
                    for (String u : uris) {
                        out.add(new Source(u, suites));
                    }
                }
                types = List.of();
                uris = List.of();
                suites = List.of();
                enabled = true;
                continue;
            }
            int colon = raw.indexOf(':');
            if (raw.startsWith("#") || colon < 0 || Character.isWhitespace(raw.charAt(0))) {
                continue;
            }
            String key = raw.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT);
            List<String> values = List.of(raw.substring(colon + 1).strip().split("\\s+"));
            switch (key) {
                case "types" -> types = values;
                case "uris" -> uris = values;
                case "suites" -> suites = values;
                case "enabled" -> enabled = !values.get(0).equalsIgnoreCase("no");
                default -> { }
            }
        }
    }
}
