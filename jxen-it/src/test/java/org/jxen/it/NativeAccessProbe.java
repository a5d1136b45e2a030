package org.jxen.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import javax.tools.ToolProvider;

/**
 * A Java agent, compiled by the test, that reports what native access the JVM it is loaded
 * into grants: which modules outside the JDK have it, whether a restricted call from code
 * without it is refused, and the JVM's arguments. It writes {@code key=value} lines to the
 * file named by its argument and halts the JVM before the application's main runs.
 */
final class NativeAccessProbe {
    private NativeAccessProbe() {}

    static final String SOURCE = """
            import java.lang.foreign.MemorySegment;
            import java.lang.module.ModuleFinder;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.List;
            import java.util.stream.Collectors;

            public final class Probe {
                public static void premain(String report) throws Exception {
                    ModuleFinder jdk = ModuleFinder.ofSystem();
                    String granted = ModuleLayer.boot().modules().stream()
                            .filter(m -> jdk.find(m.getName()).isEmpty())
                            .filter(Module::isNativeAccessEnabled)
                            .map(Module::getName).sorted().collect(Collectors.joining(","));
                    String call;
                    try {
                        MemorySegment.NULL.reinterpret(1);
                        call = "allowed";
                    } catch (IllegalCallerException e) {
                        call = "denied";
                    }
                    String args = String.join(" ", ProcessHandle.current().info().arguments().orElse(new String[0]));
                    Files.write(Path.of(report), List.of("native-access=" + granted, "restricted-call=" + call,
                            "arguments=" + args));
                    Runtime.getRuntime().halt(0);
                }
            }
            """;

    /** Compiles the agent into {@code dir/probe.jar}. */
    static Path agentJar(Path dir) throws IOException {
        Path src = dir.resolve("probe-src/Probe.java");
        Path classes = dir.resolve("probe-classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, SOURCE);
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-nowarn", "-d", classes.toString(), src.toString());
        if (rc != 0) {
            throw new IllegalStateException("javac failed on the native-access probe (" + rc + ")");
        }
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Premain-Class", "Probe");
        Path jar = dir.resolve("probe.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf)) {
            out.putNextEntry(new JarEntry("Probe.class"));
            out.write(Files.readAllBytes(classes.resolve("Probe.class")));
            out.closeEntry();
        }
        return jar;
    }

    static Map<String, String> read(Path report) throws IOException {
        List<String> lines = Files.readAllLines(report);
        return lines.stream().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }
}
