package org.jxen.vmm.acpi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.jxen.testkit.HostAssume;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs Debian's {@code iasl} (acpica-tools) on tables written to a directory. */
final class Iasl {
    /** Any diagnostic iasl or ACPICA prints: "Error 6126 -", "ACPI Error:", "Firmware Warning (ACPI):", "Remark". */
    static final Pattern DIAGNOSTIC = Pattern.compile("(?i)error|warning|remark");

    record Result(int exitCode, String output) {
        /** Fails unless iasl exited 0 and printed no error, warning or remark. */
        Result clean() {
            assertThat(exitCode).as("iasl exit code; output:%n%s", output).isZero();
            List<String> diagnostics = output.lines().filter(l -> DIAGNOSTIC.matcher(l).find())
                    .filter(l -> !l.startsWith("Compilation successful. 0 Errors, 0 Warnings, 0 Remarks")).toList();
            assertThat(diagnostics).as("iasl diagnostics; output:%n%s", output).isEmpty();
            return this;
        }
    }

    private Iasl() {}

    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(HostAssume.tool("iasl").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("iasl " + String.join(" ", args) + " did not finish in 60 s:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    /** Writes {@code table} as {@code name}.dat, disassembles it cleanly and returns the .dsl text. */
    static String disassemble(Path dir, String name, byte[] table) throws IOException, InterruptedException {
        Files.write(dir.resolve(name + ".dat"), table);
        run(dir, "-d", name + ".dat").clean();
        String dsl = Files.readString(dir.resolve(name + ".dsl"));
        assertThat(dsl).as("disassembly of %s", name).doesNotContain("Incorrect", "**** ");
        return dsl;
    }
}
