package org.jxen.cli.provision;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.jxen.provision.image.BuildLog;
import org.jxen.provision.image.HostApt;

import picocli.CommandLine;

/** What the provisioning commands share: running picocli with xen-tools' exit statuses, and host facts. */
final class Main {
    private Main() {}

    static int run(String name, Object command, String[] args) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, c, r) -> {
            System.err.println(name + ": " + ex.getMessage());
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println(name + ": " + ex.getMessage());
            System.err.println("Try '" + name + " --help' for more information.");
            return 1;
        });
        int status = cl.execute(args);
        System.out.flush();
        return status;
    }

    static int fail(String name, String message) {
        System.out.flush();
        System.err.println(name + ": " + message);
        return 1;
    }

    /** xen-tools' settings: /etc/xen-tools/xen-tools.conf, then {@code config} (null: none) over it. */
    static java.util.Map<String, String> settings(Path config) throws IOException {
        java.util.Map<String, String> s = new java.util.LinkedHashMap<>(
                org.jxen.provision.image.XenToolsConf.read(org.jxen.provision.image.XenToolsConf.DEFAULT, false, Main::backquote));
        if (config != null) {
            s.putAll(org.jxen.provision.image.XenToolsConf.read(config, true, Main::backquote));
        }
        return s;
    }

    static Path logDir() {
        String d = System.getenv("JXEN_XEN_TOOLS_LOGDIR");
        return d == null || d.isEmpty() ? BuildLog.DEFAULT_DIR : Path.of(d);
    }

    /** dpkg's name for this machine's architecture. */
    static String hostArch() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            case "x86", "i386" -> "i386";
            default -> System.getProperty("os.arch");
        };
    }

    /**
     * A backquoted value in xen-tools.conf: xt-guess-suite-and-mirror's answers and uname -r are
     * given here; anything else is run with sh -c, as xen-tools runs it.
     */
    static String backquote(String command) {
        try {
            HostApt host = new HostApt(Path.of("/"));
            if (command.matches("(\\S*/)?xt-guess-suite-and-mirror\\s+--suite")) {
                return host.suite().orElse("");
            }
            if (command.matches("(\\S*/)?xt-guess-suite-and-mirror\\s+--mirror")) {
                return host.mirror(host.suite().orElse(""));
            }
            if (command.equals("uname -r")) {
                return System.getProperty("os.version");
            }
            Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalArgumentException("`" + command + "` in the config failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("`" + command + "` in the config cannot be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted");
        }
    }
}
