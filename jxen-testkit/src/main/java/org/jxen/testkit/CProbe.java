package org.jxen.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles a small C program with gcc against the installed headers, runs it and returns what
 * it printed: the way jxen checks its ABI constants and struct layouts against the real
 * headers instead of copying numbers by hand.
 */
public final class CProbe {
    private CProbe() {}

    /** Compiles and runs {@code source}; returns its standard output lines. */
    public static List<String> run(String source) throws IOException, InterruptedException {
        HostAssume.tool("gcc");
        Path dir = Files.createTempDirectory("jxen-cprobe");
        try {
            Path c = dir.resolve("probe.c");
            Path exe = dir.resolve("probe");
            Files.writeString(c, source);
            Process cc = new ProcessBuilder("gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O0", "-o", exe.toString(), c.toString())
                    .redirectErrorStream(true).start();
            String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!cc.waitFor(120, TimeUnit.SECONDS) || cc.exitValue() != 0) {
                throw new IOException("gcc failed on the probe:\n" + ccOut + "\n--- source ---\n" + source);
            }
            Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("probe failed:\n" + out);
            }
            return out.lines().toList();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /**
     * Evaluates each C expression (as {@code long long}) with the given includes (header names,
     * or whole directive lines starting with {@code #}); returns
     * expression → value, in order.
     */
    public static Map<String, Long> values(List<String> includes, List<String> expressions)
            throws IOException, InterruptedException {
        StringBuilder src = new StringBuilder();
        src.append("#include <stdio.h>\n#include <stddef.h>\n");
        for (String inc : includes) {
            // A line that starts with '#' is a directive of its own (a #define before the headers).
            src.append(inc.startsWith("#") ? inc : "#include <" + inc + ">").append('\n');
        }
        src.append("int main(void) {\n");
        for (String e : expressions) {
            src.append("  printf(\"%lld\\n\", (long long)(").append(e).append("));\n");
        }
        src.append("  return 0;\n}\n");
        List<String> lines = run(src.toString());
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < expressions.size(); i++) {
            out.put(expressions.get(i), Long.parseLong(lines.get(i).trim()));
        }
        return out;
    }
}
