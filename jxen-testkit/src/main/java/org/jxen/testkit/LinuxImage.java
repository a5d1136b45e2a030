package org.jxen.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * jxen's default Linux guest, as {@code bin/jxen-linux-image} prepares it (Debian's cloud
 * kernel and a busybox-static initramfs, cached under the state directory): the kernel, the
 * initramfs, the recommended command line and the kernel version. Prepared once per JVM.
 *
 * <p>The cache goes where {@code JXEN_STATE_DIR} says; when that is unset and
 * {@code /var/lib/jxen} cannot be written, under {@code ~/.cache/jxen}.
 */
public record LinuxImage(Path kernel, Path initrd, String cmdline, String version) {
    private static LinuxImage prepared;

    /** Runs {@code bin/jxen-linux-image} (the first time), failing with its messages if it fails. */
    public static synchronized LinuxImage prepare() throws IOException, InterruptedException {
        if (prepared == null) {
            prepared = run();
        }
        return prepared;
    }

    /** The state directory the image script is given. */
    public static Path stateDir() {
        String env = System.getenv("JXEN_STATE_DIR");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        Path system = Path.of("/var/lib/jxen");
        Path parent = system.getParent();
        if (Files.isDirectory(system) ? Files.isWritable(system) : Files.isWritable(parent)) {
            return system;
        }
        return Path.of(System.getProperty("user.home"), ".cache", "jxen");
    }

    private static LinuxImage run() throws IOException, InterruptedException {
        Path script = Checkout.bin("jxen-linux-image");
        Path log = Files.createTempFile("jxen-linux-image", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(script.toString())
                    .directory(Checkout.root().toFile())
                    .redirectError(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().put("JXEN_STATE_DIR", stateDir().toString());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(script + " did not finish within 20 minutes:\n" + Files.readString(log));
            }
            String stdout = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(script + " failed (exit status " + p.exitValue() + "):\n" + Files.readString(log)
                        + stdout);
            }
            Map<String, String> kv = new HashMap<>();
            for (String line : stdout.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            for (String key : new String[] {"kernel", "initrd", "cmdline", "version"}) {
                if (!kv.containsKey(key)) {
                    throw new AssertionError(script + " printed no " + key + "= line:\n" + stdout + Files.readString(log));
                }
            }
            LinuxImage image = new LinuxImage(Path.of(kv.get("kernel")), Path.of(kv.get("initrd")), kv.get("cmdline"),
                    kv.get("version"));
            if (!Files.isRegularFile(image.kernel()) || !Files.isRegularFile(image.initrd())) {
                throw new AssertionError(script + " printed paths that are not files: " + image);
            }
            return image;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
