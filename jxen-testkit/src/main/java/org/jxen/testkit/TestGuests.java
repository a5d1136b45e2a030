package org.jxen.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * jxen's own test guests ({@code guests/}, C), built with gcc by {@code make} the first time a
 * test asks for one in this JVM (make is incremental, so this is quick when they are current).
 */
public final class TestGuests {
    private static boolean built;

    private TestGuests() {}

    /** The PVH flavour of guest {@code name}: {@code guests/build/<name>.elf}. */
    public static Path pvh(String name) {
        return path(name + ".elf");
    }

    /** The Multiboot flavour: {@code guests/build/<name>.mb.elf}. */
    public static Path multiboot(String name) {
        return path(name + ".mb.elf");
    }

    /** Any file the guest build makes, such as {@code bzstub.bzImage}. */
    public static Path path(String file) {
        ensureBuilt();
        Path p = Checkout.root().resolve("guests/build").resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("no test guest " + p + " after make");
        }
        return p;
    }

    /** Runs {@code make -C guests} once per JVM. */
    public static synchronized void ensureBuilt() {
        if (built) {
            return;
        }
        HostAssume.tool("gcc");
        HostAssume.tool("make");
        try {
            Process p = new ProcessBuilder("make", "-s", "-C", Checkout.root().resolve("guests").toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("building the test guests failed:\n" + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run make for the test guests: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the test guests", e);
        }
        built = true;
    }
}
