package org.jxen.cli.run;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StderrLoggerFinderTest {
    private final StderrLoggerFinder finder = new StderrLoggerFinder();

    @AfterEach
    void quiet() {
        StderrLoggerFinder.configure("jxen-run", false);
    }

    @Test
    void verboseLogsJxensDebugButNotTheJdks() {
        StderrLoggerFinder.configure("jxen-run", true);
        // Runtime.exit asks for this logger from java.base and logs a stack trace at DEBUG.
        System.Logger runtime = finder.getLogger("java.lang.Runtime", Object.class.getModule());
        assertThat(runtime.isLoggable(System.Logger.Level.DEBUG)).isFalse();
        assertThat(runtime.isLoggable(System.Logger.Level.WARNING)).isTrue();
        System.Logger jxen = finder.getLogger("org.jxen.vmm.vcpu", StderrLoggerFinder.class.getModule());
        assertThat(jxen.isLoggable(System.Logger.Level.DEBUG)).isTrue();
    }

    @Test
    void withoutVerboseOnlyWarningsAndErrors() {
        System.Logger jxen = finder.getLogger("org.jxen.vmm.vcpu", StderrLoggerFinder.class.getModule());
        assertThat(jxen.isLoggable(System.Logger.Level.INFO)).isFalse();
        assertThat(jxen.isLoggable(System.Logger.Level.WARNING)).isTrue();
    }
}
