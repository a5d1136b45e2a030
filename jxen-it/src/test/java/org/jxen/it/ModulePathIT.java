package org.jxen.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.jxen.testkit.Checkout;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launchers' module path as the build leaves it: no class file older than version 50, which
 * JDK 25's AOT cache refuses to keep ("Old class has been linked"), so start-up would pay for
 * loading and verifying it on every run. picocli ships version 49; the build raises it
 * (tools/UpgradeClassFiles.java), and CliIT runs the result.
 */
class ModulePathIT {
    @Test
    void everyClassOnTheModulePathCanGoIntoTheAotCache() throws IOException {
        Path lib = Checkout.root().resolve("jxen-cli/target/lib");
        List<Path> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        assertThat(jars).extracting(p -> p.getFileName().toString()).contains("picocli.jar", "jxen-sys.jar");
        List<String> old = new ArrayList<>();
        int classes = 0;
        for (Path jar : jars) {
            try (ZipFile z = new ZipFile(jar.toFile())) {
                for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements();) {
                    ZipEntry e = en.nextElement();
                    if (!e.getName().endsWith(".class")) {
                        continue;
                    }
                    try (InputStream in = z.getInputStream(e)) {
                        byte[] head = in.readNBytes(8);
                        // ClassFile: u4 magic, u2 minor_version, u2 major_version (JVMS 4.1).
                        int major = (head[6] & 0xff) << 8 | (head[7] & 0xff);
                        if (major < 50) {
                            old.add(jar.getFileName() + "!" + e.getName() + " (version " + major + ")");
                        }
                        classes++;
                    }
                }
            }
        }
        assertThat(classes).isGreaterThan(300);
        assertThat(old).as("class files the AOT cache cannot keep").isEmpty();
    }
}
