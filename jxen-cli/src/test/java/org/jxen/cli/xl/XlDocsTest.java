package org.jxen.cli.xl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.jxen.toolstack.config.XlCfgKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The man pages and the completion come from the tables: every command and key is in them. */
class XlDocsTest {
    @Test
    void theManPageHasEveryCommandAndItsOptions() {
        String man = XlDocs.manPage();
        for (XlCommand c : Xl.COMMANDS) {
            assertThat(man).contains("*" + c.name() + "* ").contains(c.description());
            c.options().forEach(o -> assertThat(man).contains(o.description().replace("_", "\\_")));
        }
    }

    @Test
    void theCfgManPageListsEveryKnownKeyOnce() {
        String man = XlDocs.cfgManPage();
        for (XlCfgKeys.Key k : XlCfgKeys.all()) {
            assertThat(man).contains(XlCfgKeys.implemented(k.name()) ? "*" + k.name() + "*::" : "`" + k.name() + "`");
        }
    }

    @Test
    void bashCompletesCommandsOptionsAndConfigFiles(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("xl-completion");
        Files.writeString(script, XlDocs.bashCompletion());
        Files.writeString(dir.resolve("web.cfg"), "");
        Files.writeString(dir.resolve("notes.txt"), "");
        String probe = "source " + script + "\n"
                + "COMP_WORDS=(xl cr); COMP_CWORD=1; _xl; echo \"1:${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(xl create -); COMP_CWORD=2; _xl; echo \"2:${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(xl create w); COMP_CWORD=2; _xl; echo \"3:${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(xl help vcpu-); COMP_CWORD=2; _xl; echo \"4:${COMPREPLY[*]}\"\n";
        Process p = new ProcessBuilder("bash", "-c", probe).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("1:create\n").contains("3:web.cfg\n").contains("4:vcpu-list vcpu-pin vcpu-set\n");
        assertThat(out.lines().filter(l -> l.startsWith("2:")).findFirst().orElseThrow()).contains("-p").contains("-c")
                .contains("-n").contains("-h");
    }
}
