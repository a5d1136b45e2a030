package org.jxen.toolstack.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test table inside one of Xen's {@code check-xl-*-parse} scripts (fixtures beside this
 * class): each {@code one RC ARGS...} line is a case, expecting exit status RC and, on standard
 * output, the text of the {@code expected} here-document before it (nothing after
 * {@code expected </dev/null}). Only the little shell those scripts use is understood: words,
 * double quotes, {@code $e} for the error status.
 */
final class XenCheckScript {
    /** One case: xl's arguments after the command, its exit status and its expected output. */
    record Case(int status, List<String> args, String expected) {
        @Override
        public String toString() {
            return "one " + status + " " + String.join(" ", args.stream().map(a -> a.contains(" ") ? '"' + a + '"' : a).toList());
        }
    }

    /** What an xl command does with a case's arguments: its output, or a ConfigException (exit 1). */
    interface Command {
        String run(List<String> args) throws ConfigException;
    }

    private XenCheckScript() {}

    /**
     * One test per case of {@code resource} (which must hold {@code count} cases): running
     * {@code command} gives the expected output and status 0, or a ConfigException where xl
     * exits with 1 and prints nothing on standard output.
     */
    static Stream<DynamicTest> tests(String resource, int count, Command command) {
        List<Case> cases = load(resource);
        assertThat(cases).hasSize(count);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            Case actual;
            try {
                actual = new Case(0, c.args(), command.run(c.args()));
            } catch (ConfigException e) {
                actual = new Case(1, c.args(), "");
            }
            assertThat(actual).isEqualTo(c);
        }));
    }

    static List<Case> load(String resource) {
        String text;
        try (InputStream in = XenCheckScript.class.getResourceAsStream(resource)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> cases = new ArrayList<>();
        String expected = null;
        String[] lines = text.split("\n", -1);
        int errorStatus = -1;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.matches("e=\\d+")) {
                errorStatus = Integer.parseInt(line.substring(2));
            } else if (line.equals("expected </dev/null")) {
                expected = "";
            } else if (line.startsWith("expected <<")) {
                String end = line.substring("expected <<".length());
                StringBuilder sb = new StringBuilder();
                while (!lines[++i].equals(end)) {
                    sb.append(lines[i]).append('\n');
                }
                expected = sb.toString();
            } else if (line.matches("one (\\$e|\\d+)( .*)?")) {
                List<String> words = words(line.substring(4));
                String rc = words.removeFirst();
                int status = rc.equals("$e") ? errorStatus : Integer.parseInt(rc);
                if (status < 0 || expected == null) {
                    throw new IllegalStateException("case before its status or expectation: " + line);
                }
                cases.add(new Case(status, List.copyOf(words), expected));
            }
        }
        return cases;
    }

    /** Shell words: blanks separate, double quotes group. */
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder word = null;
        boolean quoted = false;
        for (char c : s.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                if (word == null) {
                    word = new StringBuilder();
                }
            } else if (c == ' ' && !quoted) {
                if (word != null) {
                    out.add(word.toString());
                    word = null;
                }
            } else {
                if (word == null) {
                    word = new StringBuilder();
                }
                word.append(c);
            }
        }
        if (word != null) {
            out.add(word.toString());
        }
        return out;
    }
}
