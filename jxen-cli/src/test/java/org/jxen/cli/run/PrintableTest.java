package org.jxen.cli.run;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrintableTest {
    @Test
    void escapesC0DelAndC1ControlsAsHex() {
        assertThat(Printable.escape("evil\u001b[2J\u0007\n\u007f\u009b")).isEqualTo("evil\\x1b[2J\\x07\\x0a\\x7f\\x9b");
    }

    @Test
    void leavesPrintableTextAloneIncludingNonAscii() {
        String s = "kernel /tmp/größe \u00e9 \u4e2d";
        assertThat(Printable.escape(s)).isSameAs(s);
        assertThat(Printable.hasControl(s)).isFalse();
        assertThat(Printable.hasControl("a\u0000b")).isTrue();
    }
}
