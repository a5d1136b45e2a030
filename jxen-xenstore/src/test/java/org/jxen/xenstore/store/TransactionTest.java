package org.jxen.xenstore.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Transactions: isolation, the conflict scenarios of {@link Transaction}'s Javadoc, commit and abort. */
class TransactionTest {
    static final Caller DOM0 = Caller.DOM0;

    final List<Change> changes = new ArrayList<>();
    final Store store = new Store(Quota.XEN_DEFAULTS, changes::add);

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    String live(String path) throws XsException {
        return new String(store.read(store, DOM0, path), StandardCharsets.UTF_8);
    }

    String in(Transaction t, String path) throws XsException {
        return new String(store.read(t, DOM0, path), StandardCharsets.UTF_8);
    }

    static void assertError(XsError expected, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(XsException.class, e -> assertThat(e.error()).isEqualTo(expected));
    }

    @BeforeEach
    void setUp() throws XsException {
        store.write(store, DOM0, "/a", b("a0"));
        store.write(store, DOM0, "/b", b("b0"));
        store.mkdir(store, DOM0, "/x");
        changes.clear();
    }

    @Test
    void idsAreNonZeroAndDistinct() {
        Transaction t1 = store.begin("c");
        Transaction t2 = store.begin("c");
        assertThat(t1.id()).isNotZero();
        assertThat(t2.id()).isNotEqualTo(t1.id());
        assertThat(t1.owner()).isEqualTo("c");
    }

    @Test
    void readsItsOwnWritesAndNobodyElseDoesUntilCommit() throws Exception {
        Transaction t = store.begin(this);
        store.write(t, DOM0, "/new/deep", b("n"));
        store.write(t, DOM0, "/a", b("a1"));
        assertThat(in(t, "/new/deep")).isEqualTo("n");
        assertThat(in(t, "/a")).isEqualTo("a1");
        assertThat(store.directory(t, DOM0, "/new")).containsExactly("deep");
        assertError(XsError.ENOENT, () -> live("/new"));
        assertThat(live("/a")).isEqualTo("a0");
        store.commit(t);
        assertThat(live("/new/deep")).isEqualTo("n");
        assertThat(live("/a")).isEqualTo("a1");
        assertThat(store.directory(store, DOM0, "/")).contains("new");
    }

    @Test
    void repeatedReadsSeeTheSameVersionWhateverHappensOutside() throws Exception {
        Transaction t = store.begin(this);
        assertThat(in(t, "/a")).isEqualTo("a0");
        assertThat(store.directory(t, DOM0, "/x")).isEmpty();
        store.write(store, DOM0, "/a", b("a1"));
        store.mkdir(store, DOM0, "/x/outside");
        store.rm(store, DOM0, "/a");
        assertThat(in(t, "/a")).isEqualTo("a0");
        assertThat(store.directory(t, DOM0, "/x")).isEmpty();
        assertError(XsError.EAGAIN, () -> store.commit(t));
    }

    @Test
    void scenario1UnrelatedTransactionsBothCommit() throws Exception {
        // T1 reads /a, T2 writes /b, both commit.
        Transaction t1 = store.begin("t1");
        Transaction t2 = store.begin("t2");
        assertThat(in(t1, "/a")).isEqualTo("a0");
        store.write(t2, DOM0, "/b", b("b2"));
        store.commit(t2);
        store.commit(t1);
        assertThat(live("/b")).isEqualTo("b2");
    }

    @Test
    void unrelatedWritingTransactionsBothCommitWhicheverOrder() throws Exception {
        Transaction t1 = store.begin("t1");
        Transaction t2 = store.begin("t2");
        store.write(t1, DOM0, "/a", b("a1"));
        store.write(t1, DOM0, "/x/one", b("1"));
        store.write(t2, DOM0, "/b", b("b2"));
        store.commit(t1);
        store.commit(t2);
        assertThat(live("/a")).isEqualTo("a1");
        assertThat(live("/x/one")).isEqualTo("1");
        assertThat(live("/b")).isEqualTo("b2");
    }

    @Test
    void scenario2AWriteOutsideToANodeItReadIsAConflict() throws Exception {
        Transaction t = store.begin(this);
        in(t, "/a");
        store.write(t, DOM0, "/b", b("b1"));
        store.write(store, DOM0, "/a", b("outside"));
        assertError(XsError.EAGAIN, () -> store.commit(t));
        assertThat(live("/b")).as("nothing of a failed commit is applied").isEqualTo("b0");
        assertThat(live("/a")).isEqualTo("outside");
    }

    @Test
    void scenario3ACreationOutsideInADirectoryItChangedIsAConflict() throws Exception {
        // T1 creates /x/y, another client creates /x/z.
        Transaction t = store.begin(this);
        store.write(t, DOM0, "/x/y", b("y"));
        store.write(store, DOM0, "/x/z", b("z"));
        assertError(XsError.EAGAIN, () -> store.commit(t));
        assertError(XsError.ENOENT, () -> live("/x/y"));
        assertThat(store.directory(store, DOM0, "/x")).containsExactly("z");
    }

    @Test
    void aNodeChangedOutsideBeforeItsFirstReadIsReadAsItIsAndCommits() throws Exception {
        // Xen 4.17's xenstored copies a node when the transaction first touches it (its
        // "accessed nodes"), so a change before that is no conflict; one after it is.
        Transaction t = store.begin(this);
        store.write(store, DOM0, "/a", b("a1"));
        assertThat(in(t, "/a")).as("a first read sees the live node").isEqualTo("a1");
        store.write(t, DOM0, "/b", b("from t"));
        store.commit(t);
        assertThat(new String(store.read(store, DOM0, "/b"), StandardCharsets.UTF_8)).isEqualTo("from t");
        Transaction u = store.begin(this);
        assertThat(in(u, "/a")).isEqualTo("a1");
        store.write(store, DOM0, "/a", b("a2"));
        assertError(XsError.EAGAIN, () -> store.commit(u));
    }

    @Test
    void anAbsentNodeCreatedOutsideIsAConflict() throws Exception {
        Transaction t = store.begin(this);
        assertError(XsError.ENOENT, () -> in(t, "/x/later"));
        store.write(store, DOM0, "/x/later", b(""));
        assertError(XsError.ENOENT, () -> in(t, "/x/later"));
        assertError(XsError.EAGAIN, () -> store.commit(t));
    }

    @Test
    void twoTransactionsWritingTheSameNodeTheSecondCommitConflicts() throws Exception {
        Transaction t1 = store.begin("t1");
        Transaction t2 = store.begin("t2");
        store.write(t1, DOM0, "/a", b("one"));
        store.write(t2, DOM0, "/a", b("two"));
        store.commit(t2);
        assertError(XsError.EAGAIN, () -> store.commit(t1));
        assertThat(live("/a")).isEqualTo("two");
    }

    @Test
    void removingANodeWhoseParentTheTransactionSawAbsentIsEagainNotACrash() throws Exception {
        // Found by StoreModelTest: the transaction saw /n absent, then /n/m was created outside;
        // the node is visible to the transaction but its parent is not.
        Transaction t = store.begin(this);
        store.rm(t, DOM0, "/n");
        store.write(store, DOM0, "/n/m", b("outside"));
        assertError(XsError.EAGAIN, () -> store.rm(t, DOM0, "/n/m"));
        assertError(XsError.EAGAIN, () -> store.commit(t));
        assertThat(live("/n/m")).isEqualTo("outside");
    }

    @Test
    void removalsInATransactionApplyAtCommit() throws Exception {
        store.write(store, DOM0, "/x/y/z", b("z"));
        Transaction t = store.begin(this);
        store.rm(t, DOM0, "/x/y");
        assertError(XsError.ENOENT, () -> in(t, "/x/y/z"));
        assertThat(live("/x/y/z")).isEqualTo("z");
        int before = store.size();
        store.commit(t);
        assertError(XsError.ENOENT, () -> live("/x/y"));
        assertThat(store.size()).isEqualTo(before - 2);
    }

    @Test
    void abortAppliesNothingAndFiresNothing() throws Exception {
        Transaction t = store.begin(this);
        store.write(t, DOM0, "/a", b("a1"));
        store.mkdir(t, DOM0, "/new");
        store.rm(t, DOM0, "/b");
        store.setPerms(t, DOM0, "/x", Perms.of(5, Access.BOTH));
        int size = store.size();
        // Abort is forgetting the transaction: the server drops it from the connection.
        assertThat(changes).isEmpty();
        assertThat(live("/a")).isEqualTo("a0");
        assertThat(live("/b")).isEqualTo("b0");
        assertError(XsError.ENOENT, () -> live("/new"));
        assertThat(store.getPerms(store, DOM0, "/x").owner()).isZero();
        assertThat(store.size()).isEqualTo(size);
        store.write(store, DOM0, "/a", b("later"));
        assertThat(live("/a")).isEqualTo("later");
    }

    @Test
    void watchesFireOnlyAtCommitWithTheTransactionsChanges() throws Exception {
        Transaction t = store.begin(this);
        store.write(t, DOM0, "/a", b("a1"));
        store.rm(t, DOM0, "/b");
        store.mkdir(t, DOM0, "/x/m");
        assertThat(changes).isEmpty();
        store.commit(t);
        assertThat(changes).extracting(Change::path).containsExactly("/a", "/b", "/x/m");
        assertThat(changes).extracting(Change::exact).containsExactly(false, false, false);
    }

    @Test
    void aFailedCommitFiresNothing() throws Exception {
        Transaction t = store.begin(this);
        store.write(t, DOM0, "/a", b("a1"));
        store.write(store, DOM0, "/a", b("outside"));
        changes.clear();
        assertError(XsError.EAGAIN, () -> store.commit(t));
        assertThat(changes).isEmpty();
    }

    @Test
    void committedNodesGetFreshGenerations() throws Exception {
        Transaction t = store.begin(this);
        store.write(t, DOM0, "/a", b("a1"));
        long before = store.get("/b").generation();
        store.commit(t);
        assertThat(store.get("/a").generation()).isGreaterThan(before);
        // A transaction started now sees /a as unchanged since its start.
        Transaction t2 = store.begin(this);
        in(t2, "/a");
        store.commit(t2);
    }

    @Test
    void permissionsAndQuotasApplyInsideATransaction() throws Exception {
        store.mkdir(store, DOM0, "/local/domain/5");
        store.setPerms(store, DOM0, "/local/domain/5", Perms.of(5, Access.NONE));
        store.quota(Quota.XEN_DEFAULTS.with("nodes", 3));
        Caller dom5 = Caller.domain(5);
        Transaction t = store.begin(this);
        assertError(XsError.EACCES, () -> store.read(t, dom5, "/a"));
        assertError(XsError.EACCES, () -> store.write(t, dom5, "/a", b("x")));
        store.write(t, dom5, "/local/domain/5/one", b("1"));
        store.write(t, dom5, "/local/domain/5/two", b("2"));
        assertError(XsError.ENOSPC, () -> store.write(t, dom5, "/local/domain/5/three", b("3")));
        store.rm(t, dom5, "/local/domain/5/one");
        store.write(t, dom5, "/local/domain/5/three", b("3"));
        store.commit(t);
        assertThat(store.ownedBy(5)).isEqualTo(3);
        assertThat(store.directory(store, DOM0, "/local/domain/5")).containsExactly("three", "two");
    }
}
