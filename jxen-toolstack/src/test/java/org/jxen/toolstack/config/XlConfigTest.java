package org.jxen.toolstack.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The xl.cfg language, construct by construct (xl.cfg(5) "SYNTAX"; libxlu's scanner and grammar). */
class XlConfigTest {
    private static XlConfig parse(String text) throws ConfigException {
        return XlConfig.parse("t.cfg", text);
    }

    private static ConfigException error(String text) {
        try {
            parse(text);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("parsed: " + text);
    }

    private static String str(XlConfig c, String key) throws ConfigException {
        return c.string(key).orElseThrow();
    }

    /** xl.cfg(5): "Pairs may be separated either by a newline or a semicolon. Both of the following are valid". */
    @Test
    void manPageSyntaxExamples() throws ConfigException {
        XlConfig lines = parse("name=\"h0\"\ntype=\"hvm\"\n");
        XlConfig semicolons = parse("name=\"h0\"; type=\"hvm\"\n");
        for (XlConfig c : List.of(lines, semicolons)) {
            assertThat(str(c, "name")).isEqualTo("h0");
            assertThat(str(c, "type")).isEqualTo("hvm");
        }
    }

    @Test
    void lastLineNeedsNoNewline() throws ConfigException {
        assertThat(str(parse("a = 1\nb = 'x'"), "b")).isEqualTo("x");
    }

    @Test
    void emptyFilesAndBlankStatementsAreFine() throws ConfigException {
        assertThat(parse("").settings()).isEmpty();
        assertThat(parse("\n;;\n # only a comment\n\t\n").settings()).isEmpty();
    }

    @Test
    void commentsRunToTheEndOfTheLine() throws ConfigException {
        XlConfig c = parse("# header\nmemory = 512 # MiB, \"not a string\"\n#last");
        assertThat(c.longValue("memory")).hasValue(512);
        assertThat(c.settings()).containsOnlyKeys("memory");
    }

    @Test
    void bothQuotesAndTheEscapesLibxluTakes() throws ConfigException {
        XlConfig c = parse("a = 'single \"inner\"'\nb = \"double 'inner'\"\n"
                + "c = \"\\\"\\'\\\\\\a\\b\\f\\n\\r\\t\\v\"\n");
        assertThat(str(c, "a")).isEqualTo("single \"inner\"");
        assertThat(str(c, "b")).isEqualTo("double 'inner'");
        assertThat(str(c, "c")).isEqualTo("\"'\\\u0007\b\f\n\r\t\u000b");
    }

    /** libxlu refuses every \x and drops octal escapes; jxen decodes them as C does (XL-CFG.md). */
    @Test
    void hexAndOctalEscapesAreDecodedAsInC() throws ConfigException {
        XlConfig c = parse("a = \"\\x41\\101\\0101\\12\"\nb = \"caf\\xc3\\xa9\"\n");
        assertThat(str(c, "a")).as("\\010 then 1: octal takes at most three digits").isEqualTo("AA\b1\n");
        assertThat(str(c, "b")).isEqualTo("café");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a = \"\\q\"| invalid character after backslash in quoted string",
            "a = \"\\x4\"| \\x takes two hex digits",
            "a = \"\\400\"| octal character escape above \\377",
            "a = \"\\0\"| NUL character in quoted string",
            "a = \"\\xff\"| not valid UTF-8",
            "a = \"open| unterminated string"})
    void badStringsAreLexicalErrors(String text, String why) {
        ConfigException e = error(text);
        assertThat(e.getMessage()).startsWith("t.cfg:1:5: config parsing error near `").contains(why);
    }

    @Test
    void numbersStayTextUntilConverted() throws ConfigException {
        XlConfig c = parse("dec = 42\nhex = 0x2a\noct = 052\nquoted = \"42\"\nsigned = \"-42\"\nblank = \" 42\"\n");
        for (String k : List.of("dec", "hex", "oct", "quoted", "blank")) {
            assertThat(c.longValue(k)).as(k).hasValue(42);
        }
        assertThat(c.longValue("signed")).hasValue(-42);
        assertThat(str(c, "hex")).isEqualTo("0x2a");
        assertThat(str(c, "oct")).isEqualTo("052");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "n = 09| parameter `n' is not a valid number",
            "n = 1e3| parameter `n' is not a valid number",
            "n = \"42 \"| parameter `n' is not a valid number",
            "n = \"\"| parameter `n' is not a valid number",
            "n = \"yes\"| parameter `n' is not a valid number",
            "n = 99999999999999999999| parameter `n' could not be parsed as a number: Numerical result out of range",
            "n = [1]| parameter `n' is a list but should be a single value"})
    void numberErrorsUseXlWordsAndTheValueLocation(String text, String message) throws ConfigException {
        XlConfig c = parse(text);
        assertThatThrownBy(() -> c.longValue("n")).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("t.cfg:1:5: " + message);
            assertThat(e.key()).isEqualTo("n");
        });
    }

    @Test
    void boundsAreChecked() throws ConfigException {
        XlConfig c = parse("n = 5\n");
        assertThat(c.boundedLong("n", 0, 5)).hasValue(5);
        assertThatThrownBy(() -> c.boundedLong("n", 6, 9))
                .hasMessage("t.cfg:1:5: parameter `n': value `5' is smaller than minimum bound '6'");
        assertThatThrownBy(() -> c.boundedLong("n", 0, 4))
                .hasMessage("t.cfg:1:5: parameter `n': value `5' is greater than maximum bound '4'");
    }

    @Test
    void booleansAreNumbers() throws ConfigException {
        XlConfig c = parse("t = 1\nf = 0\nx = 0x10\ny = \"true\"\n");
        assertThat(c.bool("t")).contains(true);
        assertThat(c.bool("f")).contains(false);
        assertThat(c.bool("x")).contains(true);
        assertThatThrownBy(() -> c.bool("y")).hasMessageEndingWith("parameter `y' is not a valid number");
        assertThat(c.bool("absent")).isEmpty();
    }

    @Test
    void listsSpanLinesNestAndTakeATrailingComma() throws ConfigException {
        XlConfig c = parse("disk = [\n  'a',\n  \"b\" ,\n  [ 1, [ 2 ] ],\n]\nempty = [ ]\nblank = [\n\n]\n");
        ConfigValue.Items disk = c.list("disk").orElseThrow();
        assertThat(disk.items()).hasSize(3);
        assertThat(disk.toString()).isEqualTo("[a, b, [1, [2]]]");
        assertThat(disk.location()).isEqualTo(new Location("t.cfg", 1, 8));
        assertThat(disk.items().get(1).location()).isEqualTo(new Location("t.cfg", 3, 3));
        assertThat(c.list("empty").orElseThrow().items()).isEmpty();
        assertThat(c.list("blank").orElseThrow().items()).isEmpty();
        assertThatThrownBy(() -> c.stringList("disk"))
                .hasMessage("t.cfg:4:3: element 2 of `disk' is a list but should be a string");
        assertThatThrownBy(() -> parse("s = 'x'\n").list("s"))
                .hasMessage("t.cfg:1:5: parameter `s' is a single value but should be a list");
    }

    @Test
    void laterAssignmentWins() throws ConfigException {
        XlConfig c = parse("memory = 256\nname = 'a'\nmemory = 512\n");
        assertThat(c.longValue("memory")).hasValue(512);
        assertThat(c.settings().keySet()).containsExactly("name", "memory");
        assertThat(c.setting("memory").orElseThrow().keyLocation()).isEqualTo(new Location("t.cfg", 3, 1));
    }

    @Test
    void plusEqualsAppendsToStringsAndLists() throws ConfigException {
        XlConfig c = parse("extra = 'console=hvc0'\nextra += ' quiet'\ndisk = ['a']\ndisk += ['b', 'c']\nnew += ['x']\n");
        assertThat(str(c, "extra")).isEqualTo("console=hvc0 quiet");
        assertThat(c.stringList("disk")).contains(List.of("a", "b", "c"));
        assertThat(c.stringList("new")).contains(List.of("x"));
    }

    @Test
    void plusEqualsRefusesMixedTypesAndNumbers() throws ConfigException {
        assertThat(error("a = 'x'\na += ['y']\n").getMessage())
                .isEqualTo("t.cfg:2:6: config parsing error in `a': can't add [list] to \"string\" or vice versa");
        XlConfig c = parse("memory = 5\nmemory += 12\n");
        assertThat(str(c, "memory")).isEqualTo("512");
        assertThatThrownBy(() -> c.longValue("memory"))
                .hasMessage("t.cfg:2:11: can't use += with numbers for parameter `memory'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "memory 512| t.cfg:1:8: config parsing error in `memory' near `512': syntax error, unexpected NUMBER, expecting '=' or '+='",
            "a =| t.cfg:1:4: config parsing error in `a' near <newline>: syntax error, unexpected NEWLINE, expecting STRING or NUMBER or '['",
            "a = 1 2| t.cfg:1:7: config parsing error near `2': syntax error, unexpected NUMBER, expecting NEWLINE or ';' or end of file",
            "a = [1 2]| t.cfg:1:8: config parsing error in `a' near `2': syntax error, unexpected NUMBER, expecting ',' or ']'",
            "a = [1,,2]| t.cfg:1:8: config parsing error in `a' near `,': syntax error, unexpected ',', expecting STRING or NUMBER or '[' or ']'",
            "= 1| t.cfg:1:1: config parsing error near `=': syntax error, unexpected '=', expecting IDENT or NEWLINE or ';' or end of file",
            "a = [1| t.cfg:2:1: config parsing error in `a' at end of file: syntax error, unexpected end of file, expecting ',' or ']'",
            "Name = 'x'| t.cfg:1:1: config parsing error near `Name': lexical error",
            "a = 0xFF| t.cfg:1:7: config parsing error near `FF': lexical error"})
    void syntaxErrorsNameFileLineColumnKeyAndToken(String text, String message) {
        ConfigException e = error(text + "\n");
        assertThat(e.getMessage()).isEqualTo(message);
        assertThat(e.report()).containsExactly(message);
        assertThat(e.likelyPython()).isFalse();
    }

    @Test
    void stringsEndOnTheirLine() {
        assertThat(error("a = 'new\nline'\n").getMessage())
                .isEqualTo("t.cfg:1:5: config parsing error near `'new': lexical error: unterminated string");
    }

    @Test
    void dosLineEndingsAreNamed() {
        assertThat(error("a = 1\r\n").getMessage()).isEqualTo(
                "t.cfg:1:6: config parsing error near `\\x0d': lexical error: carriage return (the file has DOS line endings)");
    }

    @Test
    void everyBadLineIsReportedOnce() {
        ConfigException e = error("a = 1\nB = 2 C\nc = [\nd = 4\ne = 5 5\n");
        assertThat(e.report()).extracting(l -> l.substring(0, l.indexOf(": ")))
                .containsExactly("t.cfg:2:1", "t.cfg:4:1", "t.cfg:5:7");
        assertThat(e.line()).isEqualTo(2);
    }

    /** The example of the issue and xl's "likely Python" heuristic, with Xen's words. */
    @Test
    void pythonGetsXensHint() {
        ConfigException e = error("import os\nkernel = \"/boot/\" + os.uname()[2]\n");
        assertThat(e.likelyPython()).isTrue();
        assertThat(e.report()).containsExactly(
                "t.cfg:1:8: config parsing error in `import' near `os': syntax error, unexpected IDENT, expecting '=' or '+='",
                "t.cfg:2:19: config parsing error near `+': lexical error",
                "warning: Config file looks like it contains Python code.",
                "warning:  Arbitrary Python is no longer supported.",
                "warning:  See https://wiki.xen.org/wiki/PythonInXlConfig");
    }

    @ParameterizedTest
    @ValueSource(strings = {"import os\n", "def f():\n  return 1\n", "if x:\n  name = 'a'\n", "vcpus = 1 + 1\n",
            "kernel = \"/boot/vmlinuz-\" + version\n"})
    void xmStylePythonIsRecognised(String text) {
        assertThat(error(text).likelyPython()).as(text).isTrue();
    }

    @Test
    void bytesOutsideStringsAreLexicalErrorsShownEscaped() {
        ConfigException e = error("name = 'x' \u00e9t\u00e9\n");
        assertThat(e.getMessage()).isEqualTo("t.cfg:1:12: config parsing error near `\\xc3\\xa9t\\xc3\\xa9': lexical error");
    }

    @Test
    void nestingIsBounded() {
        String deep = "a = " + "[".repeat(XlCfgParser.MAX_NESTING + 1) + "]".repeat(XlCfgParser.MAX_NESTING + 1) + "\n";
        assertThat(error(deep).getMessage()).endsWith("lists nested deeper than 100 levels");
        String ok = "a = " + "[".repeat(XlCfgParser.MAX_NESTING) + "]".repeat(XlCfgParser.MAX_NESTING) + "\n";
        assertThat(error(deep).line()).isEqualTo(1);
        try {
            assertThat(parse(ok).list("a")).isPresent();
        } catch (ConfigException e) {
            throw new AssertionError("100 levels are allowed", e);
        }
    }

    @Test
    void readsFilesAndRefusesHugeOnes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("web.cfg");
        Files.writeString(f, "name = 'web'\n");
        assertThat(XlConfig.read(f).string("name")).contains("web");
        assertThatThrownBy(() -> XlConfig.read(dir.resolve("missing.cfg")))
                .hasMessage(dir.resolve("missing.cfg") + ": Failed to read config file: No such file or directory");
        Files.write(f, new byte[XlConfig.MAX_FILE_BYTES + 1]);
        assertThatThrownBy(() -> XlConfig.read(f)).hasMessageContaining("jxen reads at most 1048576");
    }
}
