package org.jxen.xenstore.store;

import java.util.List;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code <perm-as-string>} (xenstore.txt, GET_PERMS/SET_PERMS) and the XenBus access rules. */
class PermsTest {
    @Test
    void parsesAndPrintsEveryLetter() throws Exception {
        Perms p = Perms.parse(List.of("n5", "r7", "w8", "b9", "r65535", "b0"));
        assertThat(p.entries()).containsExactly(new Perms.Entry(5, Access.NONE), new Perms.Entry(7, Access.READ),
                new Perms.Entry(8, Access.WRITE), new Perms.Entry(9, Access.BOTH), new Perms.Entry(65535, Access.READ),
                new Perms.Entry(0, Access.BOTH));
        assertThat(p.strings()).containsExactly("n5", "r7", "w8", "b9", "r65535", "b0");
        assertThat(p).hasToString("n5 r7 w8 b9 r65535 b0");
        assertThat(Perms.parse(p.strings())).isEqualTo(p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "n", "x5", "N5", "r-1", "r65536", "r1234567", "rabc", "r 5", "5", "rr5", "r5x", "r\u0663", "b\uff15"})
    void rejectsMalformedEntries(String s) {
        assertThatThrownBy(() -> Perms.parse(List.of("n0", s))).isInstanceOfSatisfying(XsException.class,
                e -> assertThat(e.error()).isEqualTo(XsError.EINVAL));
    }

    @Test
    void rejectsAnEmptyList() {
        assertThatThrownBy(() -> Perms.parse(List.of())).isInstanceOfSatisfying(XsException.class,
                e -> assertThat(e.error()).isEqualTo(XsError.EINVAL));
        assertThatThrownBy(() -> new Perms(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFirstEntryIsTheOwnerAndTheDefault() throws Exception {
        Perms p = Perms.parse(List.of("r5", "w7"));
        assertThat(p.owner()).isEqualTo(5);
        assertThat(p.others()).isEqualTo(Access.READ);
        assertThat(p.withOwner(9).strings()).containsExactly("r9", "w7");
        assertThat(Perms.of(3, Access.NONE).strings()).containsExactly("n3");
    }

    @Test
    void accessOfFollowsTheXenBusWorkedExample() throws Exception {
        // Perms's Javadoc: n5 r7 b9.
        Perms p = Perms.parse(List.of("n5", "r7", "b9"));
        assertThat(p.accessOf(5)).as("owner: full access despite n").isEqualTo(Access.BOTH);
        assertThat(p.accessOf(7)).isEqualTo(Access.READ);
        assertThat(p.accessOf(9)).isEqualTo(Access.BOTH);
        assertThat(p.accessOf(1)).as("unlisted: the default").isEqualTo(Access.NONE);
        assertThat(Perms.parse(List.of("w5", "n7")).accessOf(1)).isEqualTo(Access.WRITE);
        assertThat(Perms.parse(List.of("w5", "n7")).accessOf(7)).isEqualTo(Access.NONE);
    }

    @Test
    void theFirstEntryForADomainWinsAndTheOwnerAlwaysHasFullAccess() throws Exception {
        assertThat(Perms.parse(List.of("n1", "r2", "w2")).accessOf(2)).isEqualTo(Access.READ);
        assertThat(Perms.parse(List.of("n1", "n1")).accessOf(1)).isEqualTo(Access.BOTH);
    }

    @Test
    void accessLetters() {
        for (Access a : Access.values()) {
            assertThat(Access.of(a.letter())).isSameAs(a);
        }
        assertThat(Access.of('x')).isNull();
        assertThat(Access.READ.canRead()).isTrue();
        assertThat(Access.READ.canWrite()).isFalse();
        assertThat(Access.WRITE.canWrite()).isTrue();
        assertThat(Access.WRITE.canRead()).isFalse();
        assertThat(Access.BOTH.canRead() && Access.BOTH.canWrite()).isTrue();
        assertThat(Access.NONE.canRead() || Access.NONE.canWrite()).isFalse();
        assertThat(Access.READ.or(Access.WRITE)).isEqualTo(Access.BOTH);
        assertThat(Access.NONE.or(Access.READ)).isEqualTo(Access.READ);
        assertThat(Access.NONE.or(Access.NONE)).isEqualTo(Access.NONE);
    }
}
