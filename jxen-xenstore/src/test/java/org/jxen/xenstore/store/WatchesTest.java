package org.jxen.xenstore.store;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The matching rules of xenstore.txt, WATCH and WATCH_EVENT. */
class WatchesTest {
    final Store store = new Store(Quota.XEN_DEFAULTS, c -> {});
    final Watches watches = new Watches();
    final Object conn = "conn";
    final Node readable = Node.empty(Perms.of(0, Access.READ), 1);
    final Node secret = Node.empty(Perms.of(0, Access.NONE), 1);

    Watches.Watch watch(String path, String token) {
        return new Watches.Watch(conn, path, token, null, Caller.DOM0);
    }

    List<String> fire(String path, boolean exact, Node node) {
        return fire(path, exact, node.perms());
    }

    List<String> fire(String path, boolean exact, Perms... readers) {
        return watches.fire(new Change(path, exact, List.of(readers)), store).stream().map(e -> e.path() + " " + e.token())
                .toList();
    }

    @Test
    void aChangeFiresWatchesOnThePathAndItsAncestorsWithTheChangedPath() {
        watches.add(watch("/", "root"));
        watches.add(watch("/a", "a"));
        watches.add(watch("/a/b", "ab"));
        watches.add(watch("/a/b/c", "abc"));
        watches.add(watch("/ab", "sibling"));
        assertThat(fire("/a/b", false, readable)).containsExactly("/a/b root", "/a/b a", "/a/b ab");
    }

    @Test
    void anExactChangeFiresOnlyTheWatchesOnItsPath() {
        // Each node below a removed one fires this way (xenstored's delnode_sub).
        watches.add(watch("/a", "a"));
        watches.add(watch("/a/b/c", "abc"));
        watches.add(watch("/a/b/c/d", "abcd"));
        assertThat(fire("/a/b/c", true, readable)).containsExactly("/a/b/c abc");
        assertThat(fire("/a/b/c", false, readable)).containsExactly("/a/b/c a", "/a/b/c abc");
    }

    @Test
    void aWatcherHearsOfANodeItCannotReadWhenItCanReadAnyOfTheChangesPermissions() throws Exception {
        // xenstored's watch_permitted: the node's, its parent's, or (SET_PERMS) its old ones.
        watches.add(new Watches.Watch(conn, "/p", "five", null, Caller.domain(5)));
        Perms secret5 = Perms.of(0, Access.NONE);
        Perms readable5 = Perms.parse(List.of("n0", "r5"));
        assertThat(fire("/p/x", false, secret5)).isEmpty();
        assertThat(fire("/p/x", false, secret5, readable5)).containsExactly("/p/x five");
    }

    @Test
    void relativeWatchesGetRelativeEventPaths() {
        watches.add(new Watches.Watch(conn, "/local/domain/5/dev", "t", "/local/domain/5", Caller.domain(5)));
        assertThat(fire("/local/domain/5/dev/x", false, Node.empty(Perms.of(5, Access.NONE), 1))).containsExactly("dev/x t");
        assertThat(fire("/local/domain/5/dev", true, Node.empty(Perms.of(5, Access.NONE), 1))).containsExactly("dev t");
    }

    @Test
    void unprivilegedWatchersOnlyHearOfNodesTheyMayRead() {
        watches.add(new Watches.Watch(conn, "/", "five", null, Caller.domain(5)));
        watches.add(new Watches.Watch(conn, "/", "dom0", null, Caller.DOM0));
        assertThat(fire("/s", false, secret)).containsExactly("/s dom0");
        assertThat(fire("/r", false, readable)).containsExactly("/r five", "/r dom0");
    }

    @Test
    void specialWatchesFireOnTheirEventForPrivilegedWatchersAndThoseTheSpecialNodeLetsRead() throws Exception {
        watches.add(watch("@introduceDomain", "i"));
        watches.add(watch("@releaseDomain", "r"));
        watches.add(new Watches.Watch(conn, "@releaseDomain", "unpriv", null, Caller.domain(5)));
        assertThat(fire("/", false, readable)).isEmpty();
        Perms dom0Only = Perms.of(0, Access.NONE);
        assertThat(watches.fireSpecial("@releaseDomain", dom0Only)).extracting(Watches.Event::token).containsExactly("r");
        assertThat(watches.fireSpecial("@introduceDomain", dom0Only)).extracting(Watches.Event::path)
                .containsExactly("@introduceDomain");
        Perms fiveReads = Perms.parse(java.util.List.of("n0", "r5"));
        assertThat(watches.fireSpecial("@releaseDomain", fiveReads)).extracting(Watches.Event::token)
                .containsExactlyInAnyOrder("r", "unpriv");
    }

    @Test
    void bookkeeping() {
        Object other = "other";
        watches.add(watch("/a", "t"));
        watches.add(watch("/a", "u"));
        watches.add(new Watches.Watch(other, "/a", "t", null, Caller.DOM0));
        assertThat(watches.has(conn, "/a", "t")).isTrue();
        assertThat(watches.has(conn, "/a", "v")).isFalse();
        assertThat(watches.count(conn)).isEqualTo(2);
        assertThat(watches.remove(conn, "/a", "t")).isTrue();
        assertThat(watches.remove(conn, "/a", "t")).isFalse();
        assertThat(watches.removeAll(conn)).isEqualTo(1);
        assertThat(watches.size()).isEqualTo(1);
    }

    /** A short path over a small alphabet, so that watches and changes often share ancestors. */
    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.of("a", "b", "ab", "a0", "a.", "-");
        return segment.list().ofMinSize(0).ofMaxSize(4).map(l -> l.isEmpty() ? "/" : "/" + String.join("/", l));
    }

    /**
     * The path index gives exactly the events of the rule itself, checked against every watch
     * in registration order: P or an ancestor watched fires with P, or only P for an exact
     * change. Watches are added and removed at random first.
     */
    @Property(tries = 300)
    void theIndexFiresWhatScanningEveryWatchFires(@ForAll @Size(max = 12) List<@From("paths") String> watched,
            @ForAll @Size(max = 6) List<@From("paths") String> unwatch,
            @ForAll("paths") String changed, @ForAll boolean exact) {
        Watches w = new Watches();
        List<Watches.Watch> model = new ArrayList<>();
        for (int i = 0; i < watched.size(); i++) {
            Watches.Watch x = new Watches.Watch(i % 2 == 0 ? conn : "other", watched.get(i), "t" + i, null, Caller.DOM0);
            w.add(x);
            model.add(x);
        }
        for (String u : unwatch) {
            model.stream().filter(x -> x.path().equals(u)).findFirst().ifPresent(x -> {
                assertThat(w.remove(x.owner(), x.path(), x.token())).isTrue();
                model.remove(x);
            });
        }
        List<String> expected = new ArrayList<>();
        for (Watches.Watch x : model) {
            if (exact ? changed.equals(x.path()) : Paths.isChild(changed, x.path())) {
                expected.add(changed + " " + x.token());
            }
        }
        assertThat(w.fire(new Change(changed, exact, List.of(readable.perms())), store).stream()
                .map(e -> e.path() + " " + e.token())).containsExactlyElementsOf(expected);
        assertThat(w.size()).isEqualTo(model.size());
        assertThat(w.count(conn)).isEqualTo((int) model.stream().filter(x -> x.owner() == conn).count());
    }
}
