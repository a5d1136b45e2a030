package org.jxen.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jxen.testkit.Checkout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layer rules of DESIGN.md and CONVENTIONS.md that Maven modules cannot enforce: which
 * packages inside a module may import which, and that restricted FFM calls stay in jxen-sys —
 * in the sources, and in the module graph of the JVMs the launchers really start.
 */
class LayersIT {
    /** Package → packages it must never import (prefix match). */
    static final Map<String, List<String>> NEVER = Map.ofEntries(
            Map.entry("org.jxen.vmm.memory", List.of("org.jxen.vmm.bus", "org.jxen.vmm.device", "org.jxen.vmm.vcpu",
                    "org.jxen.vmm.machine", "org.jxen.vmm.boot", "org.jxen.vmm.acpi")),
            Map.entry("org.jxen.vmm.bus", List.of("org.jxen.vmm.device", "org.jxen.vmm.vcpu", "org.jxen.vmm.machine",
                    "org.jxen.kvm")),
            Map.entry("org.jxen.vmm.device", List.of("org.jxen.vmm.vcpu", "org.jxen.vmm.machine", "org.jxen.vmm.boot",
                    "org.jxen.kvm", "org.jxen.sys")),
            Map.entry("org.jxen.vmm.acpi", List.of("org.jxen.vmm.device", "org.jxen.vmm.vcpu", "org.jxen.vmm.machine",
                    "org.jxen.kvm", "org.jxen.sys", "org.jxen.vmm.memory")),
            Map.entry("org.jxen.vmm.boot", List.of("org.jxen.vmm.device", "org.jxen.vmm.vcpu", "org.jxen.vmm.machine",
                    "org.jxen.kvm", "org.jxen.vmm.bus")),
            Map.entry("org.jxen.vmm.vcpu", List.of("org.jxen.vmm.machine", "org.jxen.vmm.device", "org.jxen.vmm.acpi")),
            Map.entry("org.jxen.kvm", List.of("org.jxen.vmm")),
            Map.entry("org.jxen.sys", List.of("org.jxen.kvm", "org.jxen.vmm")),
            // Disk images serve virtio-blk, Xen's vbd backend and provisioning alike: no VMM inside.
            Map.entry("org.jxen.net", List.of("org.jxen.kvm", "org.jxen.vmm", "org.jxen.xenstore", "org.jxen.toolstack",
                    "org.jxen.cli", "org.jxen.block", "org.jxen.xen", "org.jxen.provision")),
            Map.entry("org.jxen.block", List.of("org.jxen.kvm", "org.jxen.vmm", "org.jxen.xenstore", "org.jxen.toolstack",
                    "org.jxen.cli", "org.jxen.xen", "org.jxen.provision")),
            // The Xen ABI: models over guest memory, no KVM calls, below the toolstack.
            Map.entry("org.jxen.xen", List.of("org.jxen.kvm", "org.jxen.sys", "org.jxen.vmm.machine", "org.jxen.vmm.vcpu",
                    "org.jxen.toolstack", "org.jxen.cli", "org.jxen.provision")),
            // Provisioning sits beside the CLI, above the toolstack: it builds images, it runs no VM.
            Map.entry("org.jxen.provision", List.of("org.jxen.kvm", "org.jxen.vmm", "org.jxen.cli", "org.jxen.xen")),
            // The toolstack reaches pygrub through its Bootloader seam, never the provisioning code.
            Map.entry("org.jxen.toolstack", List.of("org.jxen.provision")),
            // The xl.cfg language is pure: libxlu's job, no VMM, no store, nothing of the daemon.
            Map.entry("org.jxen.toolstack.config", List.of("org.jxen.sys", "org.jxen.kvm", "org.jxen.vmm", "org.jxen.xenstore",
                    "org.jxen.toolstack.domain", "org.jxen.toolstack.daemon", "org.jxen.toolstack.api")),
            // Domains know nothing of how they are reached (daemon, API) or of the xl commands.
            Map.entry("org.jxen.toolstack.domain", List.of("org.jxen.toolstack.daemon", "org.jxen.toolstack.api",
                    "org.jxen.cli")),
            Map.entry("org.jxen.toolstack.api", List.of("org.jxen.toolstack.daemon", "org.jxen.cli")),
            Map.entry("org.jxen.toolstack.daemon", List.of("org.jxen.cli")),
            Map.entry("org.jxen.cli.xl", List.of("org.jxen.cli.jxend", "org.jxen.cli.run")));

    static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);
    static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

    static List<Path> mainSources() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(Checkout.root())) {
            for (Path m : modules.filter(p -> Files.isDirectory(p.resolve("src/main/java"))).toList()) {
                try (Stream<Path> s = Files.walk(m.resolve("src/main/java"))) {
                    s.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
                }
            }
        }
        return out;
    }

    @Test
    void packagesImportOnlyDownwards() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path src : mainSources()) {
            String text = Files.readString(src);
            Matcher pm = PACKAGE.matcher(text);
            if (!pm.find()) {
                continue;
            }
            String pkg = pm.group(1);
            // Fully qualified uses count as much as imports.
            for (var rule : NEVER.entrySet()) {
                if (!pkg.startsWith(rule.getKey())) {
                    continue;
                }
                for (String banned : rule.getValue()) {
                    Matcher im = IMPORT.matcher(text);
                    while (im.find()) {
                        if (im.group(1).startsWith(banned + ".") || im.group(1).equals(banned)) {
                            violations.add(src.getFileName() + " (" + pkg + ") imports " + im.group(1));
                        }
                    }
                    String body = text.replaceAll("(?m)^import .*$", "");
                    if (body.matches("(?s).*\\b" + Pattern.quote(banned) + "\\.[a-z]+\\.[A-Z].*")) {
                        violations.add(src.getFileName() + " (" + pkg + ") names " + banned + " classes directly");
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void restrictedNativeCallsStayInJxenSys() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path src : mainSources()) {
            if (src.toString().contains("/jxen-sys/")) {
                continue;
            }
            String text = Files.readString(src);
            for (String restricted : List.of(".reinterpret(", "downcallHandle(", "upcallStub(", "SymbolLookup.libraryLookup",
                    "System.loadLibrary", "System.load(")) {
                if (text.contains(restricted)) {
                    violations.add(src + " calls " + restricted);
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    /**
     * The JVM that each launcher starts grants native access to org.jxen.sys alone, and any
     * other code's restricted call fails (--illegal-native-access=deny): checked inside that
     * JVM by a Java agent that records the boot layer and tries a restricted call, then halts
     * before the launcher's main runs. jxen-run is started the way users start it: from a
     * copy of the launchers and jars with an AOT cache trained as bench/make-aot-cache.sh
     * does, because the cached start is the default path.
     */
    @Test
    void launchersGrantNativeAccessToJxenSysOnly(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("jxen");
        Path lib = root.resolve("lib");
        Files.createDirectories(lib);
        Files.createDirectories(root.resolve("bin"));
        for (String launcher : List.of("jxen-env", "jxen-run", "jxen-xenstored", "jxend")) {
            Files.copy(Checkout.bin(launcher), root.resolve("bin").resolve(launcher), StandardCopyOption.COPY_ATTRIBUTES);
        }
        try (Stream<Path> jars = Files.list(Checkout.root().resolve("jxen-cli/target/lib"))) {
            for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, lib.resolve(jar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Path cache = lib.resolve("jxen-run.aot");
        Launched training = launch(root.resolve("bin/jxen-run"), Map.of("JXEN_JVM_OPTS", "-XX:AOTCacheOutput=" + cache), "--help");
        assertThat(training.status()).as("training run: " + training.output()).isZero();
        assertThat(cache).as("AOT cache written by the training run").isNotEmptyFile();

        Path agent = NativeAccessProbe.agentJar(tmp);
        for (Path launcher : List.of(root.resolve("bin/jxen-run"), root.resolve("bin/jxen-xenstored"), root.resolve("bin/jxend"))) {
            Path report = tmp.resolve(launcher.getFileName() + ".report");
            // --help runs the daemons in the foreground too, so every launcher execs the JVM directly.
            Launched probe = launch(launcher, Map.of("JXEN_JVM_OPTS", "-javaagent:" + agent + "=" + report), "--help");
            assertThat(report).as(launcher.getFileName() + " did not run the probe; output: " + probe.output()).exists();
            Map<String, String> r = NativeAccessProbe.read(report);
            assertThat(r.get("native-access"))
                    .as(launcher.getFileName() + ": modules of the module path with native access").isEqualTo("org.jxen.sys");
            assertThat(r.get("restricted-call"))
                    .as(launcher.getFileName() + ": a restricted call from code without native access").isEqualTo("denied");
        }
        Map<String, String> run = NativeAccessProbe.read(tmp.resolve("jxen-run.report"));
        assertThat(run.get("arguments")).as("jxen-run's JVM arguments").contains("-XX:AOTCache=" + cache);
    }

    record Launched(int status, String output) {}

    static Launched launch(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(launcher + " did not exit within 120 s; output: " + out);
        }
        return new Launched(p.exitValue(), out);
    }
}
