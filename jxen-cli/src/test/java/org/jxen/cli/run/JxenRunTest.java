package org.jxen.cli.run;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JxenRunTest {
    @Test
    void deadlineIsNowPlusTheTimeout() {
        assertThat(JxenRun.deadline(1_000, 1e-4)).isEqualTo(101_000);
        assertThat(JxenRun.deadline(-5_000_000_000L, 2.5)).isEqualTo(-2_500_000_000L);
    }

    @Test
    void noTimeoutOrOneBeyondTheClocksRangeNeverRunsOut() {
        assertThat(JxenRun.deadline(1_000, null)).isEqualTo(Long.MAX_VALUE);
        assertThat(JxenRun.deadline(1_000, 1e12)).isEqualTo(Long.MAX_VALUE);
        assertThat(JxenRun.deadline(Long.MAX_VALUE - 10, 1.0)).isEqualTo(Long.MAX_VALUE);
        assertThat(JxenRun.deadline(1_000, Double.POSITIVE_INFINITY)).isEqualTo(Long.MAX_VALUE);
    }
}
