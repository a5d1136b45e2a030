package org.jxen.xenstore.store;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The path rules of xenstore.txt ("Paths are /-separated ..."). */
class PathsTest {
    private static void assertEinval(String path, int domid, String why) {
        assertThatThrownBy(() -> Paths.canonical(path, domid)).as(why).isInstanceOfSatisfying(XsException.class,
                e -> assertThat(e.error()).isEqualTo(XsError.EINVAL));
    }

    @Test
    void absolutePathsAreKeptAsGiven() throws Exception {
        assertThat(Paths.canonical("/", 3)).isEqualTo("/");
        assertThat(Paths.canonical("/local/domain/7/device/vif/0", 3)).isEqualTo("/local/domain/7/device/vif/0");
    }

    @Test
    void relativePathsAreUnderTheCallersDomainPath() throws Exception {
        // xenstore.txt: "x/y" sent by domain 3 means /local/domain/3/x/y.
        assertThat(Paths.canonical("x/y", 3)).isEqualTo("/local/domain/3/x/y");
        assertThat(Paths.canonical("x", 0)).isEqualTo("/local/domain/0/x");
        assertThat(Paths.domainPath(65535)).isEqualTo("/local/domain/65535");
    }

    @Test
    void acceptsAlphanumericsAndTheFourPunctuationCharacters() throws Exception {
        assertThat(Paths.canonical("/Az09-_@/x", 1)).isEqualTo("/Az09-_@/x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a b", "/a.b", "/a\\b", "/a:b", "/a+b", "/caf\u00e9", "/a\u0000b", "/a\tb", "/a*", "/~", "/a%20"})
    void rejectsInvalidCharacters(String path) {
        assertEinval(path, 1, "invalid character");
    }

    @Test
    void rejectsEmptyDoubledAndTrailingSlashes() {
        assertEinval("", 1, "empty path");
        assertEinval("//", 1, "doubled slash at the root");
        assertEinval("/a//b", 1, "doubled slash");
        assertEinval("/a/", 1, "trailing slash");
        assertEinval("a/", 1, "relative trailing slash");
        assertEinval("a//b", 1, "relative doubled slash");
    }

    @Test
    void absolutePathsAreLimitedAsXenstoredLimitsThem() throws Exception {
        // is_valid_nodename: 2048 bytes, or 2048 after "/local/domain/N/".
        String max = "/" + "a".repeat(2047);
        assertThat(Paths.canonical(max, 1)).hasSize(2048);
        assertEinval(max + "b", 1, "2049 bytes");
        String local = "/local/domain/12345/" + "a".repeat(2048);
        assertThat(Paths.canonical(local, 1)).isEqualTo(local);
        assertEinval(local + "b", 1, "2049 bytes after the domain's prefix");
        assertEinval("/local/domain/123456/" + "a".repeat(2030), 1, "six digits are not a domid prefix");
        assertThat(Paths.localPrefix("/local/domain/5/x")).isEqualTo("/local/domain/5/".length());
        assertThat(Paths.localPrefix("/local/domain/5")).isZero();
        assertThat(Paths.localPrefix("/local/domain/x/y")).isZero();
    }

    @Test
    void relativePathsAreLimitedTo2048Bytes() throws Exception {
        String max = "a".repeat(2048);
        assertThat(Paths.canonical(max, 65535)).isEqualTo("/local/domain/65535/" + max);
        assertEinval(max + "b", 1, "2049 bytes");
    }

    @Test
    void specialPathsStartWithAt() {
        assertThat(Paths.isSpecial("@introduceDomain")).isTrue();
        assertThat(Paths.isSpecial("@releaseDomain")).isTrue();
        assertThat(Paths.isSpecial("/@x")).isFalse();
        assertThat(Paths.isSpecial("")).isFalse();
    }

    @Test
    void parentNameAndChild() {
        assertThat(Paths.parent("/a/b/c")).isEqualTo("/a/b");
        assertThat(Paths.parent("/a")).isEqualTo("/");
        assertThat(Paths.parent("/")).isEqualTo("/");
        assertThat(Paths.name("/a/b/c")).isEqualTo("c");
        assertThat(Paths.child("/", "a")).isEqualTo("/a");
        assertThat(Paths.child("/a", "b")).isEqualTo("/a/b");
    }

    @Test
    void isChildFollowsXenstoreTxt() {
        // "identical, or if <parent> is /, or if <parent>/ is an initial substring of <child>".
        assertThat(Paths.isChild("/a", "/a")).isTrue();
        assertThat(Paths.isChild("/", "/")).isTrue();
        assertThat(Paths.isChild("/a", "/")).isTrue();
        assertThat(Paths.isChild("/a/b/c", "/")).isTrue();
        assertThat(Paths.isChild("/a/b", "/a")).isTrue();
        assertThat(Paths.isChild("/a/b/c", "/a")).isTrue();
        assertThat(Paths.isChild("/ab", "/a")).as("a sibling sharing a prefix").isFalse();
        assertThat(Paths.isChild("/a", "/a/b")).as("a parent is not its child's child").isFalse();
        assertThat(Paths.isChild("/", "/a")).isFalse();
        assertThat(Paths.isChild("/b", "/a")).isFalse();
    }
}
