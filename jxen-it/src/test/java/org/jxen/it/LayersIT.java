package org.jxen.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.jxen.testkit.Checkout;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layer rules of DESIGN.md and CONVENTIONS.md that Maven modules cannot enforce: which
 * packages inside a module may import which, and that restricted FFM calls stay in jxen-sys.
 */
class LayersIT {
    /** Package → packages it must never import (prefix match). */
    static final Map<String, List<String>> NEVER = Map.of(
            "org.jxen.vmm.memory", List.of("org.jxen.vmm.bus", "org.jxen.vmm.device", "org.jxen.vmm.vcpu",
                    "org.jxen.vmm.machine", "org.jxen.vmm.boot", "org.jxen.vmm.acpi"),
            "org.jxen.vmm.bus", List.of("org.jxen.vmm.device", "org.jxen.vmm.vcpu", "org.jxen.vmm.machine", "org.jxen.kvm"),
            "org.jxen.vmm.device", List.of("org.jxen.vmm.vcpu", "org.jxen.vmm.machine", "org.jxen.vmm.boot", "org.jxen.kvm",
                    "org.jxen.sys"),
            "org.jxen.vmm.acpi", List.of("org.jxen.vmm.device", "org.jxen.vmm.vcpu", "org.jxen.vmm.machine", "org.jxen.kvm",
                    "org.jxen.sys", "org.jxen.vmm.memory"),
            "org.jxen.vmm.boot", List.of("org.jxen.vmm.device", "org.jxen.vmm.vcpu", "org.jxen.vmm.machine", "org.jxen.kvm",
                    "org.jxen.vmm.bus"),
            "org.jxen.vmm.vcpu", List.of("org.jxen.vmm.machine", "org.jxen.vmm.device", "org.jxen.vmm.acpi"),
            "org.jxen.kvm", List.of("org.jxen.vmm"),
            "org.jxen.sys", List.of("org.jxen.kvm", "org.jxen.vmm"));

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
}
