package org.jxen.it;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.Checkout;
import org.jxen.testkit.GuestProcess;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The serial console end to end: text typed into jxen-run reaches the guest's 8250 by
 * interrupt, with the guest's own line editing and Ctrl-C; on a terminal, jxen-run uses raw
 * mode, Ctrl-] leaves, and the terminal is restored.
 */
class ConsoleIT {
    static final Duration WAIT = Duration.ofSeconds(60);

    @BeforeAll
    static void requireKvm() {
        HostAssume.kvm();
        TestGuests.ensureBuilt();
    }

    private static GuestProcess echo(String expect) throws Exception {
        return GuestProcess.start("jxen-run", List.of("--kernel", TestGuests.pvh("echo").toString(), "--timeout", "60",
                "--cmdline", "expect=" + expect), Map.of());
    }

    @Test
    void typedLineReachesTheGuestByInterruptWithLineEditing() throws Exception {
        try (GuestProcess p = echo("hello_world")) {
            p.awaitOutput("^echo: ready", WAIT);
            // "hellx", backspace (DEL), "o world", Enter.
            p.type("hellx\u007fo world\r");
            p.awaitOutput("^echo: got hello world\r?$", WAIT);
            assertThat(p.awaitExit(WAIT)).as(p.describe()).isZero();
            assertThat(p.stdout()).contains("ok 2 - line matches expect").contains("ok 3 - input arrived by interrupt");
            assertThat(p.stdout()).doesNotContain("not ok");
        }
    }

    @Test
    void ctrlCReachesTheGuest() throws Exception {
        try (GuestProcess p = echo("x")) {
            p.awaitOutput("^echo: ready", WAIT);
            p.type("abc\u0003");
            p.awaitOutput("^echo: got \\^C", WAIT);
            p.awaitExit(WAIT);
        }
    }

    @Test
    void onATerminalCtrlRightBracketLeavesAndTheTerminalIsRestored() throws Exception {
        HostAssume.tool("script");
        String cmd = Checkout.bin("jxen-run") + " --kernel " + TestGuests.pvh("shutdown") + " --timeout 60 --cmdline action=halt;"
                + " echo jxen-run-status=$?; stty -a";
        // script(1) gives jxen-run a pseudo-terminal, as a user's shell would.
        try (GuestProcess p = GuestProcess.startRaw(List.of("script", "-qec", cmd, "/dev/null"), Map.of())) {
            p.awaitOutput("jxen-guest shutdown end", WAIT);
            p.type("\u001d");
            p.awaitOutput("jxen-run-status=\\d+", WAIT);
            p.awaitExit(WAIT);
            assertThat(p.stdout()).contains("destroyed: the console was left with Ctrl-]").contains("jxen-run-status=5");
            // After jxen-run: canonical mode and echo are back on.
            String stty = p.stdout().substring(p.stdout().indexOf("jxen-run-status="));
            assertThat(stty).containsPattern("(?<!-)icanon").containsPattern("(?<![-a-z])echo ");
        }
    }
}
