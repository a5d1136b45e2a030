package org.jxen.toolstack.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class XlCfgKeysTest {
    private static final Pattern ITEM = Pattern.compile("^\\.IX Item \"([a-z_0-9-]+)=");

    /**
     * The top-level keys of Debian's xl.cfg(5) (fixture {@code debian/xl.cfg.5.gz}): the
     * {@code .IX Item "key=..."} entries of section OPTIONS that are not inside a nested list
     * ({@code .RS}/{@code .RE}), which hold values and sub-keys such as vnuma's {@code pnode=}.
     */
    static Set<String> manPageKeys() throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(XlCfgKeysTest.class.getResourceAsStream("debian/xl.cfg.5.gz")),
                StandardCharsets.UTF_8))) {
            boolean options = false;
            int depth = 0;
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith(".SH")) {
                    options = line.equals(".SH \"OPTIONS\"");
                } else if (line.startsWith(".RS")) {
                    depth++;
                } else if (line.startsWith(".RE")) {
                    depth--;
                } else if (options && depth == 0) {
                    Matcher m = ITEM.matcher(line);
                    if (m.find()) {
                        keys.add(m.group(1));
                    }
                }
            }
        }
        return keys;
    }

    @Test
    void registryHasEveryKeyOfTheManPageInItsOrder() throws IOException {
        Set<String> man = manPageKeys();
        assertThat(man).hasSize(148).contains("name", "disk", "vif", "cpus", "on_watchdog", "msr_relaxed")
                .doesNotContain("pnode", "destroy", "backend", "tag");
        List<String> registered = new ArrayList<>();
        for (XlCfgKeys.Key k : XlCfgKeys.all()) {
            if (k.since().equals("4.17")) {
                registered.add(k.name());
            }
        }
        assertThat(registered).containsExactlyElementsOf(man);
    }

    /** The recognised keys by section, as docs/XL-CFG.md lists them. */
    static String recognisedKeysMarkdown() {
        Map<String, List<String>> bySection = new LinkedHashMap<>();
        for (XlCfgKeys.Key k : XlCfgKeys.all()) {
            if (!XlCfgKeys.implemented(k.name())) {
                bySection.computeIfAbsent(k.section(), s -> new ArrayList<>())
                        .add("`" + k.name() + "`" + (k.since().equals("4.17") ? "" : "†"));
            }
        }
        StringBuilder md = new StringBuilder();
        bySection.forEach((section, keys) -> md.append("- ").append(section).append(": ")
                .append(String.join(", ", keys)).append('\n'));
        return md.toString();
    }

    @Test
    void docsListEveryRecognisedKey() throws IOException {
        Path doc = Path.of(System.getProperty("jxen.root", "..")).resolve("docs/XL-CFG.md");
        String text = Files.readString(doc);
        String begin = "<!-- recognised keys: begin -->\n";
        String listed = text.substring(text.indexOf(begin) + begin.length(), text.indexOf("<!-- recognised keys: end -->"));
        assertThat(listed).as("the list in %s; the table gives:%n%s", doc, recognisedKeysMarkdown())
                .isEqualTo(recognisedKeysMarkdown());
    }

    @Test
    void laterKeysAreMarkedAsSuch() {
        assertThat(XlCfgKeys.lookup("xenstore_quota")).hasValueSatisfying(k -> assertThat(k.since()).isEqualTo("after 4.17"));
        assertThat(XlCfgKeys.lookup("vnc")).hasValueSatisfying(k -> {
            assertThat(k.since()).isEqualTo("4.17");
            assertThat(k.section()).isEqualTo("Emulated VGA Graphics Device");
        });
        assertThat(XlCfgKeys.lookup("vncviewer")).as("read by xl but not documented").isEmpty();
        assertThat(XlCfgKeys.all()).hasSize(148 + 14);
    }
}
