package org.jxen.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The jxen checkout the tests run in: from {@code -Djxen.root}, {@code JXEN_ROOT}, or the working directory upwards. */
public final class Checkout {
    private Checkout() {}

    public static Path root() {
        String p = System.getProperty("jxen.root");
        if (p == null || p.isEmpty()) {
            p = System.getenv("JXEN_ROOT");
        }
        if (p != null && !p.isEmpty() && Files.isDirectory(Path.of(p, "bin"))) {
            return Path.of(p).toAbsolutePath();
        }
        Path d = Path.of("").toAbsolutePath();
        while (d != null) {
            if (Files.isExecutable(d.resolve("jxen")) && Files.isDirectory(d.resolve("guests"))) {
                return d;
            }
            d = d.getParent();
        }
        throw new IllegalStateException("cannot find the jxen checkout (set -Djxen.root or JXEN_ROOT)");
    }

    /** A launcher in {@code bin/}. */
    public static Path bin(String command) {
        return root().resolve("bin").resolve(command);
    }
}
