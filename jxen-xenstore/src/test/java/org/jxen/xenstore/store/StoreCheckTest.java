package org.jxen.xenstore.store;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CONTROL check's findings and repairs, on stores and watch indexes broken through the
 * {@link Corrupt} hooks: each test checks the report and the repaired tables, and that a second
 * check finds nothing more.
 */
class StoreCheckTest {
    static final Caller DOM5 = Caller.domain(5);

    final Store store = new Store(Quota.XEN_DEFAULTS, c -> {});
    final Watches watches = new Watches();

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void build() throws XsException {
        store.mkdir(store, Caller.DOM0, "/local/domain/5");
        store.setPerms(store, Caller.DOM0, "/local/domain/5", Perms.of(5, Access.NONE));
        store.write(store, DOM5, "/local/domain/5/a/b", b("1"));
        store.write(store, DOM5, "/local/domain/5/c", b("2"));
        store.write(store, Caller.DOM0, "/vm/x", b("3"));
    }

    List<String> checkTree() {
        return messages(new StoreCheck().tree(store));
    }

    static List<String> messages(StoreCheck c) {
        return c.findings().stream().map(StoreCheck.Finding::toString).toList();
    }

    /** The store is whole again: another check finds nothing. */
    void assertWhole() {
        assertThat(checkTree()).as("findings of a second check").isEmpty();
    }

    @Test
    void aStoreChangedOnlyThroughItsOperationsHasNothingToReport() throws XsException {
        Transaction t = store.begin("t");
        store.write(t, DOM5, "/local/domain/5/t", b(""));
        store.rm(store, Caller.DOM0, "/vm/x");
        store.commit(t);
        StoreCheck c = new StoreCheck().tree(store);
        assertThat(c.findings()).isEmpty();
        assertThat(c.summary()).isEqualTo(store.size() + " nodes, 0 watches, 0 transactions checked: no problem found");
    }

    @Test
    void aChildEntryWithoutItsNodeIsRemovedFromTheParent() throws XsException {
        long before = store.get("/vm").generation();
        Corrupt.addDanglingChild(store, "/vm", "ghost");
        assertThat(checkTree()).containsExactly("node /vm/ghost not found: removed its entry from /vm");
        assertThat(store.directory(store, Caller.DOM0, "/vm")).containsExactly("x");
        assertThat(store.get("/vm").generation()).as("the repair is a change").isGreaterThan(before);
        assertWhole();
    }

    @Test
    void aChildEntryThatIsNoValidNodeNameIsRemoved() throws XsException {
        // "x/y" would name /vm/x/y, a node /vm/x lists (or not) on its own: a second way to it.
        Corrupt.addDanglingChild(store, "/vm", "x/y");
        Corrupt.addDanglingChild(store, "/vm", "");
        Corrupt.addDanglingChild(store, "/vm", "a\nb");
        assertThat(checkTree()).containsExactlyInAnyOrder(
                "/vm lists a child \"\" that is no valid node name: removed the entry",
                "/vm lists a child \"a\\x0ab\" that is no valid node name: removed the entry",
                "/vm lists a child \"x/y\" that is no valid node name: removed the entry");
        assertThat(store.directory(store, Caller.DOM0, "/vm")).containsExactly("x");
        assertWhole();
    }

    @Test
    void aSubtreeItsParentNoLongerListsIsRemovedAndUncounted() {
        assertThat(store.ownedBy(5)).isEqualTo(4);
        Corrupt.dropChildEntry(store, "/local/domain/5/a");
        int size = store.size();
        assertThat(checkTree()).containsExactly(
                "node /local/domain/5/a is orphaned (not reachable from /): removed it and the 1 node(s) below it");
        assertThat(store.size()).isEqualTo(size - 2);
        assertThat(store.get("/local/domain/5/a/b")).isNull();
        assertThat(store.ownedBy(5)).as("its home and c").isEqualTo(2);
        assertWhole();
    }

    @Test
    void aNodeWithoutParentIsRemoved() {
        Corrupt.addOrphan(store, "/nowhere/lost", Perms.of(5, Access.NONE));
        assertThat(checkTree()).containsExactly("node /nowhere/lost is orphaned (not reachable from /): removed it");
        assertThat(store.ownedBy(5)).isEqualTo(4);
        assertWhole();
    }

    @Test
    void nodeCountsThatDisagreeWithTheStoreAreCorrected() throws XsException {
        Corrupt.skewNodeCount(store, 5, 3);
        Corrupt.skewNodeCount(store, 9, 2);
        assertThat(checkTree()).containsExactly("domain 5 was counted 7 nodes but owns 4: corrected",
                "domain 9 was counted 2 nodes but owns 0: corrected");
        assertThat(store.ownedBy(5)).isEqualTo(4);
        assertThat(store.ownedBy(9)).isZero();
        // The node quota counts from the corrected figure: with a quota of 5, one more node fits.
        Store s = store;
        s.quota(Quota.XEN_DEFAULTS.with("nodes", 5));
        s.write(s, DOM5, "/local/domain/5/d", b(""));
        assertThatThrownBy(() -> s.write(s, DOM5, "/local/domain/5/e", b("")))
                .isInstanceOfSatisfying(XsException.class, e -> assertThat(e.error()).isEqualTo(XsError.ENOSPC));
        assertWhole();
    }

    @Test
    void malformedPermissionEntriesAreDroppedAndABadOwnerBecomesDom0() {
        Corrupt.setPerms(store, "/vm/x", new Perms(List.of(new Perms.Entry(0, Access.READ),
                new Perms.Entry(70000, Access.READ), new Perms.Entry(6, null), new Perms.Entry(7, Access.WRITE))));
        Corrupt.setPerms(store, "/local/domain/5/c", new Perms(List.of(new Perms.Entry(-1, Access.BOTH))));
        assertThat(checkTree()).containsExactlyInAnyOrder(
                "/vm/x has a malformed permission entry (domain 70000, access READ): dropped it",
                "/vm/x has a malformed permission entry (domain 6, access null): dropped it",
                "/local/domain/5/c has a malformed owner entry (domain -1, access BOTH): gave it to domain 0, "
                        + "no access for others");
        assertThat(store.get("/vm/x").perms().strings()).containsExactly("r0", "w7");
        assertThat(store.get("/local/domain/5/c").perms().strings()).containsExactly("n0");
        assertThat(store.ownedBy(5)).as("c is no longer domain 5's").isEqualTo(3);
        assertWhole();
    }

    @Test
    void morePermissionEntriesThanTheQuotaAreReportedOnADomainsNodeOnly() throws XsException {
        Perms six = Perms.parse(List.of("n5", "r1", "r2", "r3", "r4", "r6"));
        store.setPerms(store, Caller.DOM0, "/local/domain/5/c", six);
        store.setPerms(store, Caller.DOM0, "/vm/x", six.withOwner(0));
        StoreCheck c = new StoreCheck().tree(store);
        assertThat(c.findings()).containsExactly(new StoreCheck.Finding(
                "/local/domain/5/c has 6 permission entries, over the quota of 5 for a node domain 5 owns", false));
        assertThat(c.summary()).endsWith("1 problem(s) found, 0 repaired");
        assertThat(store.get("/local/domain/5/c").perms()).as("left as Dom0 set it").isEqualTo(six);
    }

    @Test
    void aGenerationAheadOfTheCounterMovesTheCounterOn() {
        Corrupt.generationAhead(store, "/vm/x", 100);
        long ahead = store.get("/vm/x").generation();
        assertThat(checkTree()).containsExactly("a node has generation " + ahead + ", ahead of the store's counter "
                + (ahead - 100) + ": moved the counter on");
        assertThat(store.nextGeneration()).isGreaterThan(ahead);
        assertWhole();
    }

    @Test
    void anOpenTransactionThatReadARepairedNodeCannotCommitOverTheRepair() throws XsException {
        Corrupt.addDanglingChild(store, "/vm", "ghost");
        Transaction t = store.begin("t");
        assertThat(store.directory(t, Caller.DOM0, "/vm")).containsExactly("ghost", "x");
        store.write(t, Caller.DOM0, "/vm/y", b(""));
        checkTree();
        assertThatThrownBy(() -> store.commit(t))
                .isInstanceOfSatisfying(XsException.class, e -> assertThat(e.error()).isEqualTo(XsError.EAGAIN));
        assertThat(store.directory(store, Caller.DOM0, "/vm")).containsExactly("x");
    }

    // --- watches ---

    final Object conn = "conn";
    final Object gone = "gone";

    Watches.Watch watch(Object owner, String path, String token) {
        return new Watches.Watch(owner, path, token, null, Caller.DOM0);
    }

    List<String> checkWatches() {
        return messages(new StoreCheck().watches(watches, o -> o != gone));
    }

    List<String> fire(String path) {
        return watches.fire(new Change(path, false, List.of(Perms.of(0, Access.NONE))), store).stream()
                .map(e -> e.path() + " " + e.token()).toList();
    }

    @Test
    void aWatchIndexThatAgreesWithItselfHasNothingToReport() {
        watches.add(watch(conn, "/a", "t"));
        watches.add(watch(conn, "/a", "u"));
        watches.add(watch(conn, "@releaseDomain", "r"));
        StoreCheck c = new StoreCheck().watches(watches, o -> true);
        assertThat(c.findings()).isEmpty();
        assertThat(c.summary()).startsWith("0 nodes, 3 watches, 0 transactions checked");
    }

    @Test
    void anEmptyWatchIndexEntryIsRemoved() {
        watches.add(watch(conn, "/a", "t"));
        Corrupt.staleWatchIndexEntry(watches, "/stale");
        assertThat(checkWatches()).containsExactly("the watch index has an empty entry for /stale: removed it");
        assertThat(watches.index()).containsOnlyKeys("/a");
        assertThat(checkWatches()).isEmpty();
    }

    @Test
    void aMisfiledWatchIsFiledUnderItsPathAndFiresThereAgain() {
        watches.add(watch(conn, "/a", "t"));
        Corrupt.misfileWatches(watches, "/a", "/b");
        assertThat(fire("/a")).isEmpty();
        assertThat(checkWatches()).containsExactly("watch /a (token \"t\") of conn was filed under /b: moved it");
        assertThat(fire("/a")).containsExactly("/a t");
        assertThat(fire("/b")).isEmpty();
        assertThat(checkWatches()).isEmpty();
    }

    @Test
    void watchesOfAConnectionThatIsGoneAreRemovedAndUncounted() {
        watches.add(watch(gone, "/a", "t"));
        watches.add(watch(conn, "/a", "u"));
        assertThat(checkWatches()).containsExactly("watch /a (token \"t\") of gone belongs to a connection that is gone: "
                + "removed it");
        assertThat(watches.count(gone)).isZero();
        assertThat(watches.size()).isEqualTo(1);
        assertThat(fire("/a")).containsExactly("/a u");
    }

    @Test
    void aDuplicateWatchAndSkewedCountsAreRepaired() {
        watches.add(watch(conn, "/a", "t"));
        watches.add(watch(conn, "/a", "t"));
        Corrupt.skewWatchCount(watches, conn, 5);
        assertThat(checkWatches()).containsExactly("watch /a (token \"t\") of conn is registered twice: removed the second",
                "conn was counted 6 watches but holds 1: corrected");
        assertThat(watches.count(conn)).isEqualTo(1);
        assertThat(fire("/a")).containsExactly("/a t");
        assertThat(checkWatches()).isEmpty();
    }

    // --- transactions ---

    @Test
    void transactionTablesAreRepaired() {
        Transaction mine = store.begin(conn);
        Transaction theirs = store.begin("other");
        Map<Integer, Transaction> table = new HashMap<>(Map.of(mine.id(), mine, theirs.id(), theirs, 777, store.begin(conn)));
        StoreCheck c = new StoreCheck().transactions(conn, true, table);
        assertThat(messages(c)).containsExactlyInAnyOrder(
                "transaction " + theirs.id() + " of other is in the table of conn: removed it from there",
                "transaction " + (theirs.id() + 1) + " of conn was filed under id 777: ended it");
        assertThat(table).containsExactly(Map.entry(mine.id(), mine));
        assertThat(c.summary()).startsWith("0 nodes, 0 watches, 1 transactions checked");

        StoreCheck closed = new StoreCheck().transactions(conn, false, table);
        assertThat(messages(closed)).containsExactly("conn is closed but holds 1 open transaction(s): ended them");
        assertThat(table).isEmpty();
    }
}
