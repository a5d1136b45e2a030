package org.jxen.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** QEMU's own image tools, as the reference the tests check jxen's images against. */
public final class Images {
    private Images() {}

    public record Run(int status, String output) {}

    public static Run run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), out);
    }

    public static void require(String tool) {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin", tool)), tool + " is not installed (Debian: qemu-utils)");
    }

    /** {@code qemu-img ARGS...}, which must succeed. */
    public static String qemuImg(String... args) throws Exception {
        require("qemu-img");
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Run r = run(cmd.toArray(String[]::new));
        assertThat(r.status()).as(String.join(" ", cmd) + ": " + r.output()).isZero();
        return r.output();
    }

    /** {@code qemu-img check} finds nothing wrong: no errors, no leaks. */
    public static void assertClean(Path image) throws Exception {
        require("qemu-img");
        Run r = run("qemu-img", "check", image.toString());
        assertThat(r.output()).as("qemu-img check " + image).contains("No errors were found");
        assertThat(r.status()).as("qemu-img check " + image + ": " + r.output()).isZero();
    }

    /** The disk's bytes, as QEMU reads the image. */
    public static byte[] asRaw(Path image, Path dir) throws Exception {
        Path raw = Files.createTempFile(dir, "raw", ".img");
        qemuImg("convert", "-O", "raw", image.toString(), raw.toString());
        return Files.readAllBytes(raw);
    }
}
