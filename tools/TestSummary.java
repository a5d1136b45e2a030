import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads every Surefire and Failsafe report under a checkout and prints passed, failed and
 * skipped counts per module and in total, with each failure and the reason for each skip.
 * Exit status 1 when anything failed or no test ran. Run by {@code ./jxen test} as
 * {@code java tools/TestSummary.java ROOT}.
 */
public class TestSummary {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        List<Path> reports;
        try (Stream<Path> s = Files.walk(root, 5)) {
            reports = s.filter(p -> p.getFileName().toString().startsWith("TEST-") && p.toString().endsWith(".xml")
                    && (p.toString().contains("surefire-reports") || p.toString().contains("failsafe-reports"))).sorted().toList();
        }
        Map<String, int[]> perModule = new TreeMap<>();
        Map<String, List<String>> skipReasons = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        var db = DocumentBuilderFactory.newInstance().newDocumentBuilder();
        for (Path r : reports) {
            String module = root.toAbsolutePath().normalize().relativize(r.toAbsolutePath().normalize()).getName(0).toString();
            int[] c = perModule.computeIfAbsent(module, k -> new int[3]);
            NodeList cases = db.parse(r.toFile()).getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element tc = (Element) cases.item(i);
                String name = tc.getAttribute("classname").replaceAll(".*\\.", "") + "." + tc.getAttribute("name");
                Element failure = first(tc, "failure");
                if (failure == null) {
                    failure = first(tc, "error");
                }
                Element skipped = first(tc, "skipped");
                if (failure != null) {
                    c[1]++;
                    String msg = failure.getAttribute("message");
                    failures.add(module + ": " + name + ": " + firstLine(msg.isEmpty() ? failure.getTextContent() : msg));
                } else if (skipped != null) {
                    c[2]++;
                    String why = skipped.getAttribute("message");
                    if (why.isEmpty()) {
                        // JUnit's aborted tests carry the reason in the element's text, after the exception name.
                        why = firstLine(skipped.getTextContent()).replaceFirst("^[\\w.$]+(Exception|Error): ", "");
                    }
                    skipReasons.computeIfAbsent(firstLine(why.isEmpty() ? "(no reason given)" : why), k -> new ArrayList<>()).add(name);
                } else {
                    c[0]++;
                }
            }
        }
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        System.out.println();
        System.out.println("Test summary");
        System.out.printf("  %-16s %8s %8s %8s%n", "module", "passed", "failed", "skipped");
        for (var e : perModule.entrySet()) {
            int[] c = e.getValue();
            System.out.printf("  %-16s %8d %8d %8d%n", e.getKey(), c[0], c[1], c[2]);
            passed += c[0];
            failed += c[1];
            skipped += c[2];
        }
        System.out.printf("  %-16s %8d %8d %8d%n", "total", passed, failed, skipped);
        if (!skipReasons.isEmpty()) {
            System.out.println();
            System.out.println("Skipped, and why:");
            skipReasons.forEach((why, names) -> {
                System.out.printf("  %3d x %s%n", names.size(), why);
                printNames(names);
            });
        }
        if (!failures.isEmpty()) {
            System.out.println();
            System.out.println("Failed:");
            failures.forEach(f -> System.out.println("  " + f));
        }
        int withoutKvm = skipReasons.entrySet().stream().filter(e -> e.getKey().contains("/dev/kvm"))
                .mapToInt(e -> e.getValue().size()).sum();
        if (withoutKvm > 0) {
            System.out.println();
            System.out.printf("WARNING: %d test(s) that need KVM did not run on this host (named above).%n", withoutKvm);
        }
        System.out.println();
        // The plain closing line that CI tooling reads, whatever the test runner.
        System.out.printf("tests: %d passed, %d failed, %d skipped%n", passed, failed, skipped);
        System.out.println(failed == 0 && passed > 0 ? "RESULT: PASS" : "RESULT: FAIL");
        System.exit(failed == 0 && passed > 0 ? 0 : 1);
    }

    /** The skipped tests by name, several to a line, so a skip is never only a count. */
    static void printNames(List<String> names) {
        StringBuilder line = new StringBuilder("        ");
        for (String n : names) {
            if (line.length() > 8 && line.length() + n.length() + 2 > 110) {
                System.out.println(line.toString().stripTrailing());
                line = new StringBuilder("        ");
            }
            line.append(n).append("  ");
        }
        System.out.println(line.toString().stripTrailing());
    }

    static Element first(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? null : (Element) l.item(0);
    }

    static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        String line = nl < 0 ? t : t.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
