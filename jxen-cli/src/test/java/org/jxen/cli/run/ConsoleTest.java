package org.jxen.cli.run;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.jxen.vmm.device.legacy.Uart8250;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Console's own lines against the guest's output. In the tests both streams are separate
 * buffers; on a terminal they are one screen, so a message must not continue a guest line.
 */
class ConsoleTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Console console(boolean interactive) {
        return new Console(interactive, out, new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static void guestPrints(Uart8250.Sink sink, String text) {
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            sink.write(b & 0xff);
        }
    }

    @Test
    void messageAfterAnUnfinishedGuestLineStartsOnANewLine() {
        try (Console c = console(false)) {
            guestPrints(c.sink(), "abc");
            c.message("jxen-run: domain 'x' shut down");
        }
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("abc");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("\njxen-run: domain 'x' shut down\n");
    }

    @Test
    void messageAfterAFinishedGuestLineOrNoOutputAddsNoBlankLine() {
        try (Console c = console(false)) {
            c.message("first");
            guestPrints(c.sink(), "abc\r\n");
            c.message("second");
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("first\nsecond\n");
    }

    @Test
    void inRawModeLinesEndInCarriageReturnLineFeed() {
        try (Console c = console(true)) {
            guestPrints(c.sink(), "login: ");
            c.message("destroyed");
            guestPrints(c.sink(), "ok\r\n");
            c.message("again");
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("\r\ndestroyed\r\n\ragain\r\n");
    }

    @Test
    void consecutiveMessagesAfterAnUnfinishedLineAddOnlyOneNewLine() {
        try (Console c = console(false)) {
            guestPrints(c.sink(), "abc");
            c.message("one");
            c.message("two");
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("\none\ntwo\n");
    }

    @Test
    void guestOutputThatCannotBeWrittenIsReportedOnce() {
        java.io.OutputStream full = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }
        };
        try (Console c = new Console(false, full, new PrintStream(err, true, StandardCharsets.UTF_8))) {
            guestPrints(c.sink(), "abc\n");
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("jxen-run: warning: cannot write the console to "
                + "standard output: No space left on device; the guest's output is lost\n");
    }
}
