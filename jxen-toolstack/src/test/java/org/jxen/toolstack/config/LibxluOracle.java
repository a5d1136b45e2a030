package org.jxen.toolstack.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jxen.testkit.HostAssume;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Xen's own libxlu, for differential tests: {@code libxlu-oracle.c} (beside this class) compiled
 * against Debian's libxen-dev (the header and {@code libxlutil.so} of Xen 4.17) and kept running,
 * answering one request a line. Skips the test when gcc or libxen-dev is missing, or fails it
 * under {@code JXEN_REQUIRE_TOOLS=1}, as {@link HostAssume#tool} does.
 *
 * <p>Threads: one process per JVM, used under this class's lock.
 */
final class LibxluOracle {
    /** What libxlu said: its return code, its answer lines, and the lines it reported. */
    record Answer(int rc, List<String> lines, List<String> report) {
        boolean ok() {
            return rc == 0;
        }
    }

    private static Process process;
    private static BufferedReader out;
    private static OutputStream in;

    private LibxluOracle() {}

    private static synchronized void start() {
        if (process != null) {
            return;
        }
        HostAssume.tool("gcc");
        if (!Files.exists(Path.of("/usr/include/libxlutil.h"))) {
            String why = "libxen-dev is not installed (./jxen test installs it): no libxlu to compare with";
            if ("1".equals(System.getenv("JXEN_REQUIRE_TOOLS"))) {
                fail("JXEN_REQUIRE_TOOLS=1 but " + why);
            }
            Assumptions.abort("skipped: " + why);
        }
        try {
            Path dir = Files.createTempDirectory("jxen-libxlu-oracle");
            dir.toFile().deleteOnExit();
            Path c = dir.resolve("oracle.c");
            Path exe = dir.resolve("oracle");
            try (InputStream src = LibxluOracle.class.getResourceAsStream("libxlu-oracle.c")) {
                Files.write(c, src.readAllBytes());
            }
            c.toFile().deleteOnExit();
            exe.toFile().deleteOnExit();
            Process cc = new ProcessBuilder("gcc", "-std=gnu11", "-O1", "-Wall", "-Werror", "-o", exe.toString(),
                    c.toString(), "-lxlutil", "-lxenlight").redirectErrorStream(true).start();
            String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!cc.waitFor(120, TimeUnit.SECONDS) || cc.exitValue() != 0) {
                fail("gcc failed on the libxlu oracle (libxen-dev is installed, so this is a bug):\n" + ccOut);
            }
            process = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.ISO_8859_1));
            in = process.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return b.length == 0 ? "-" : HexFormat.of().formatHex(b);
    }

    private static String hex(String s) {
        return hex(s.getBytes(StandardCharsets.UTF_8));
    }

    private static synchronized Answer ask(String request) {
        start();
        try {
            in.write((request + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
            int rc = -1;
            List<String> lines = new ArrayList<>();
            List<String> report = new ArrayList<>();
            for (String line; (line = out.readLine()) != null && !line.equals("END");) {
                if (line.startsWith("rc=")) {
                    rc = Integer.parseInt(line.substring(3));
                } else if (line.startsWith("R: ")) {
                    report.add(line.substring(3));
                } else {
                    lines.add(line);
                }
            }
            if (rc < 0) {
                fail("the libxlu oracle ended without an answer to: " + request);
            }
            return new Answer(rc, lines, report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code data} as config file {@code t.cfg}; for each key, its value and strtol reading. */
    static Answer cfg(byte[] data, List<String> keys) {
        return ask("cfg " + hex(data) + (keys.isEmpty() ? "" : " " + String.join(" ", keys)));
    }

    /** {@code xlu_disk_parse} of {@code specs}; the answer line is libxl's JSON, newlines as blanks. */
    static Answer disk(List<String> specs) {
        StringBuilder r = new StringBuilder("disk");
        for (String s : specs) {
            r.append(' ').append(hex(s));
        }
        return ask(r.toString());
    }

    /** {@code xlu_vif_parse_rate}; the answer line is {@code bytes=N usecs=N}. */
    static Answer rate(String rate) {
        return ask("rate " + hex(rate));
    }
}
