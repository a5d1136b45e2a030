package org.jxen.provision.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the programs an image build needs (debootstrap, mke2fs, chroot ...), each line of their
 * output to the build's log and to an optional watcher (for progress), with a time limit. A
 * failure is an {@link IOException} naming the program and its last lines of output.
 */
public final class Exec {
    private final BuildLog log;

    public Exec(BuildLog log) {
        this.log = log;
    }

    /** Runs {@code cmd}, feeding it {@code stdin} when not null; throws unless it exits 0. */
    public void run(List<String> cmd, Map<String, String> env, String stdin, long timeoutMinutes, Consumer<String> lines)
            throws IOException {
        log.line("$ " + String.join(" ", cmd));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(cmd.get(0) + " cannot be run: " + e.getMessage()
                    + (cmd.get(0).contains("debootstrap") ? " (Debian: apt-get install debootstrap)" : ""), e);
        }
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            p.getOutputStream().close();
        }
        List<String> tail = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.line(line);
                if (tail.size() == 5) {
                    tail.remove(0);
                }
                tail.add(line);
                if (lines != null) {
                    lines.accept(line);
                }
            }
        }
        try {
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException(cmd.get(0) + " did not finish within " + timeoutMinutes + " minutes");
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + cmd.get(0) + " ran", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd.get(0) + " failed (status " + p.exitValue() + ")"
                    + (tail.isEmpty() ? "" : ": " + String.join(" | ", tail)));
        }
    }

    public void run(List<String> cmd) throws IOException {
        run(cmd, Map.of(), null, 10, null);
    }
}
