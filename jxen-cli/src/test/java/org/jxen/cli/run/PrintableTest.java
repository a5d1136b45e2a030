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

    @Test
    void secondsAreWrittenWithoutAnExponentOrATrailingZero() {
        assertThat(Printable.seconds(1e-4)).isEqualTo("0.0001");
        assertThat(Printable.seconds(3.0)).isEqualTo("3");
        assertThat(Printable.seconds(1.5)).isEqualTo("1.5");
        assertThat(Printable.seconds(-1e-5)).isEqualTo("-0.00001");
        assertThat(Printable.seconds(0.0)).isEqualTo("0");
        assertThat(Printable.seconds(86400 * 365.0)).isEqualTo("31536000");
    }

    @Test
    void secondsOutsideAPlainRangeKeepTheirExponent() {
        assertThat(Printable.seconds(-1e300)).isEqualTo("-1.0E300");
        assertThat(Printable.seconds(1e-12)).isEqualTo("1.0E-12");
        assertThat(Printable.seconds(Double.NaN)).isEqualTo("NaN");
    }
}
