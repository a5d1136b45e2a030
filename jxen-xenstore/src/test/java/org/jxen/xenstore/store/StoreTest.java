package org.jxen.xenstore.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store's operations through its public API: node creation, removal, directories, the
 * XenBus permission rules for unprivileged callers and target domains, and the quotas.
 */
class StoreTest {
    static final Caller DOM0 = Caller.DOM0;
    static final Caller DOM5 = Caller.domain(5);
    static final Caller DOM6 = Caller.domain(6);

    final List<Change> changes = new ArrayList<>();
    Store store = new Store(Quota.XEN_DEFAULTS, changes::add);

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static void assertError(XsError expected, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(XsException.class, e -> assertThat(e.error()).isEqualTo(expected));
    }

    /** Gives domain {@code domid} its home, owned by it, as the toolstack does. */
    void home(int domid) throws XsException {
        String h = Paths.domainPath(domid);
        store.mkdir(store, DOM0, h);
        store.setPerms(store, DOM0, h, Perms.of(domid, Access.NONE));
    }

    void perms(String path, String... perms) throws XsException {
        store.setPerms(store, DOM0, path, Perms.parse(List.of(perms)));
    }

    @BeforeEach
    void setUp() throws XsException {
        home(5);
        home(6);
        changes.clear();
    }

    @Test
    void startsWithTheRootAndXenstoredsTopLevelNodes() throws Exception {
        Store fresh = new Store(Quota.XEN_DEFAULTS, c -> {});
        assertThat(fresh.directory(fresh, DOM0, "/")).containsExactly("local", "tool");
        assertThat(fresh.directory(fresh, DOM0, "/local")).containsExactly("domain");
        assertThat(fresh.directory(fresh, DOM0, "/tool")).containsExactly("xenstored");
        assertThat(fresh.getPerms(fresh, DOM0, "/").strings()).containsExactly("n0");
        assertThat(fresh.size()).isEqualTo(5);
    }

    @Test
    void writeCreatesMissingParentsWithEmptyValues() throws Exception {
        store.write(store, DOM0, "/a/b/c", b("v"));
        assertThat(s(store.read(store, DOM0, "/a/b/c"))).isEqualTo("v");
        assertThat(store.read(store, DOM0, "/a")).isEmpty();
        assertThat(store.read(store, DOM0, "/a/b")).isEmpty();
        assertThat(store.directory(store, DOM0, "/a")).containsExactly("b");
        assertThat(store.directory(store, DOM0, "/a/b/c")).isEmpty();
    }

    @Test
    void writeReplacesTheValueAndKeepsChildren() throws Exception {
        store.write(store, DOM0, "/a/b", b("x"));
        store.write(store, DOM0, "/a", b("1"));
        store.write(store, DOM0, "/a", b(""));
        store.write(store, DOM0, "/a", new byte[] {0, 1, (byte) 0xff});
        assertThat(store.read(store, DOM0, "/a")).containsExactly(0, 1, 0xff);
        assertThat(store.directory(store, DOM0, "/a")).containsExactly("b");
    }

    @Test
    void newNodesInheritTheParentsPermissionsAndAPrivilegedCreatorKeepsTheOwner() throws Exception {
        store.mkdir(store, DOM0, "/a");
        perms("/a", "n6", "r5");
        store.write(store, DOM0, "/a/x/y", b("v"));
        assertThat(store.getPerms(store, DOM0, "/a/x").strings()).containsExactly("n6", "r5");
        assertThat(store.getPerms(store, DOM0, "/a/x/y").strings()).containsExactly("n6", "r5");
    }

    @Test
    void anUnprivilegedCreatorOwnsWhatItCreatesWithTheParentsOtherEntries() throws Exception {
        perms("/local/domain/5", "r5", "b7");
        store.write(store, DOM5, "/local/domain/5/x/y", b("v"));
        assertThat(store.getPerms(store, DOM0, "/local/domain/5/x").strings()).containsExactly("r5", "b7");
        store.mkdir(store, DOM0, "/shared");
        perms("/shared", "n0", "w5");
        store.mkdir(store, DOM5, "/shared/five");
        assertThat(store.getPerms(store, DOM0, "/shared/five").strings()).containsExactly("n5", "w5");
        assertThat(store.ownedBy(5)).isEqualTo(4);
    }

    @Test
    void mkdirIsIdempotentAndLeavesAValueAlone() throws Exception {
        store.write(store, DOM0, "/m", b("keep"));
        changes.clear();
        store.mkdir(store, DOM0, "/m");
        store.mkdir(store, DOM0, "/m");
        assertThat(s(store.read(store, DOM0, "/m"))).isEqualTo("keep");
        assertThat(changes).as("nothing changed, nothing fires").isEmpty();
        store.mkdir(store, DOM0, "/n/o");
        assertThat(store.read(store, DOM0, "/n/o")).isEmpty();
        assertThat(changes).extracting(Change::path).containsExactly("/n/o");
        store.mkdir(store, DOM0, "/");
    }

    @Test
    void rmRemovesTheWholeSubtree() throws Exception {
        store.write(store, DOM0, "/r/a/b", b("1"));
        store.write(store, DOM0, "/r/c", b("2"));
        int before = store.size();
        changes.clear();
        store.rm(store, DOM0, "/r");
        assertThat(store.size()).isEqualTo(before - 4);
        assertError(XsError.ENOENT, () -> store.read(store, DOM0, "/r"));
        assertError(XsError.ENOENT, () -> store.read(store, DOM0, "/r/a/b"));
        assertThat(store.directory(store, DOM0, "/")).doesNotContain("r");
        // Each node below fires on its own path, exactly, deepest first; "/r" itself last.
        List<String> fired = changes.stream().map(c -> c.path() + (c.exact() ? " exact" : "")).toList();
        assertThat(fired).containsExactlyInAnyOrder("/r/a/b exact", "/r/a exact", "/r/c exact", "/r");
        assertThat(fired.getLast()).isEqualTo("/r");
        assertThat(fired.indexOf("/r/a/b exact")).isLessThan(fired.indexOf("/r/a exact"));
    }

    @Test
    void rmOfAMissingNodeIsFineIfItsParentExists() throws Exception {
        changes.clear();
        store.rm(store, DOM0, "/local/nothing");
        assertThat(changes).isEmpty();
        assertError(XsError.ENOENT, () -> store.rm(store, DOM0, "/nothing/either"));
    }

    @Test
    void theRootCannotBeRemoved() {
        assertError(XsError.EINVAL, () -> store.rm(store, DOM0, "/"));
    }

    @Test
    void directoryListsLeafNamesSorted() throws Exception {
        for (String n : List.of("b", "a", "c10", "c2", "A")) {
            store.mkdir(store, DOM0, "/d/" + n);
        }
        store.mkdir(store, DOM0, "/d/a/deeper");
        assertThat(store.directory(store, DOM0, "/d")).containsExactly("A", "a", "b", "c10", "c2");
    }

    @Test
    void missingNodesAreEnoent() {
        assertError(XsError.ENOENT, () -> store.read(store, DOM0, "/no"));
        assertError(XsError.ENOENT, () -> store.directory(store, DOM0, "/no"));
        assertError(XsError.ENOENT, () -> store.getPerms(store, DOM0, "/no"));
        assertError(XsError.ENOENT, () -> store.setPerms(store, DOM0, "/no", Perms.of(0, Access.NONE)));
        assertError(XsError.ENOENT, () -> store.read(store, DOM5, "/local/domain/5/no"));
    }

    // --- permissions ---

    /**
     * What domain 5 may do with /p (owned by domain 0, or by 5) given its permissions: read,
     * write the value, create a child, remove it, change its permissions.
     */
    @ParameterizedTest(name = "{0}: read {1}, write {2}, create {3}, rm {4}, setperms {5}")
    @CsvSource({
        "n0,       EACCES, EACCES, EACCES, EACCES, EACCES",
        "r0,       OK,     EACCES, EACCES, EACCES, EACCES",
        "w0,       EACCES, OK,     OK,     OK,     EACCES",
        "b0,       OK,     OK,     OK,     OK,     EACCES",
        "n0 r5,    OK,     EACCES, EACCES, EACCES, EACCES",
        "n0 w5,    EACCES, OK,     OK,     OK,     EACCES",
        "b0 n5,    EACCES, EACCES, EACCES, EACCES, EACCES",
        "n0 r6,    EACCES, EACCES, EACCES, EACCES, EACCES",
        "n0 r5 b5, OK,     EACCES, EACCES, EACCES, EACCES",
        "n5,       OK,     OK,     OK,     OK,     OK",
        "n5 n5,    OK,     OK,     OK,     OK,     OK",
    })
    void permissionMatrixForAnUnprivilegedDomain(String perms, String read, String write, String create, String rm,
            String setPerms) throws Throwable {
        store.write(store, DOM0, "/p", b("v"));
        perms("/p", perms.split(" "));
        assertOutcome(read, () -> {
            assertThat(s(store.read(store, DOM5, "/p"))).isEqualTo("v");
            assertThat(store.directory(store, DOM5, "/p")).isEmpty();
            assertThat(store.getPerms(store, DOM5, "/p").strings()).containsExactly(perms.split(" "));
        });
        if (read.equals("EACCES")) {
            assertError(XsError.EACCES, () -> store.directory(store, DOM5, "/p"));
            assertError(XsError.EACCES, () -> store.getPerms(store, DOM5, "/p"));
            assertError(XsError.EACCES, () -> store.node(store, DOM5, "/p"));
        }
        assertOutcome(write, () -> store.write(store, DOM5, "/p", b("w")));
        assertThat(s(store.read(store, DOM0, "/p"))).isEqualTo(write.equals("OK") ? "w" : "v");
        assertOutcome(create, () -> store.write(store, DOM5, "/p/c/d", b("c")));
        assertOutcome(create, () -> store.mkdir(store, DOM5, "/p/m"));
        assertThat(store.directory(store, DOM0, "/p")).hasSize(create.equals("OK") ? 2 : 0);
        assertOutcome(setPerms, () -> store.setPerms(store, DOM5, "/p", store.getPerms(store, DOM0, "/p")));
        assertOutcome(rm, () -> store.rm(store, DOM5, "/p"));
        assertThat(store.get("/p") == null).isEqualTo(rm.equals("OK"));
    }

    private static void assertOutcome(String expected, ThrowingCallable call) throws Throwable {
        if (expected.equals("OK")) {
            call.call();
        } else {
            assertError(XsError.valueOf(expected), call);
        }
    }

    @Test
    void aDeniedCreateLeavesNoIntermediateNodes() throws Exception {
        store.mkdir(store, DOM0, "/closed");
        assertError(XsError.EACCES, () -> store.write(store, DOM5, "/closed/a/b/c", b("x")));
        assertThat(store.directory(store, DOM0, "/closed")).isEmpty();
    }

    @Test
    void onlyAPrivilegedDomainMayGiveANodeAway() throws Exception {
        store.write(store, DOM5, "/local/domain/5/mine", b("v"));
        assertError(XsError.EPERM, () -> store.setPerms(store, DOM5, "/local/domain/5/mine", Perms.of(6, Access.BOTH)));
        store.setPerms(store, DOM5, "/local/domain/5/mine", Perms.parse(List.of("r5", "b6")));
        assertThat(s(store.read(store, DOM6, "/local/domain/5/mine"))).isEqualTo("v");
        store.write(store, DOM6, "/local/domain/5/mine", b("six"));
        assertError(XsError.EACCES, () -> store.setPerms(store, DOM6, "/local/domain/5/mine", Perms.of(5, Access.BOTH)));
        store.setPerms(store, DOM0, "/local/domain/5/mine", Perms.of(6, Access.NONE));
        assertThat(store.getPerms(store, DOM6, "/local/domain/5/mine").owner()).isEqualTo(6);
        assertError(XsError.EACCES, () -> store.read(store, DOM5, "/local/domain/5/mine"));
    }

    @Test
    void oneDomainCannotTouchAnothersHome() {
        assertError(XsError.EACCES, () -> store.read(store, DOM5, "/local/domain/6"));
        assertError(XsError.EACCES, () -> store.write(store, DOM5, "/local/domain/6/x", b("x")));
        assertError(XsError.EACCES, () -> store.write(store, DOM5, "/local/domain/6", b("x")));
        assertError(XsError.EACCES, () -> store.rm(store, DOM5, "/local/domain/6"));
        assertError(XsError.EACCES, () -> store.directory(store, DOM5, "/local/domain"));
        assertError(XsError.EACCES, () -> store.write(store, DOM5, "/tool/x", b("x")));
    }

    @Test
    void aPrivilegedCallerIgnoresPermissions() throws Exception {
        store.write(store, DOM5, "/local/domain/5/x", b("v"));
        perms("/local/domain/5/x", "n5");
        assertThat(s(store.read(store, DOM0, "/local/domain/5/x"))).isEqualTo("v");
        store.write(store, DOM0, "/local/domain/5/x", b("w"));
        Caller sockets = new Caller(0, true, -1);
        store.rm(store, sockets, "/local/domain/5/x");
        store.setPerms(store, new Caller(3, true, -1), "/local/domain/5", Perms.of(6, Access.NONE));
        assertThat(store.getPerms(store, DOM0, "/local/domain/5").owner()).isEqualTo(6);
    }

    @Test
    void aTargetDomainInheritsItsTargetsPermissions() throws Exception {
        // SET_TARGET 7 -> 5: a device model acting for domain 5.
        Caller dm = new Caller(7, false, 5);
        store.write(store, DOM5, "/local/domain/5/owned", b("o"));
        assertThat(s(store.read(store, dm, "/local/domain/5/owned"))).as("full access to nodes owned by 5").isEqualTo("o");
        store.write(store, dm, "/local/domain/5/owned", b("dm"));
        store.write(store, dm, "/local/domain/5/new", b("n"));
        assertThat(store.getPerms(store, DOM0, "/local/domain/5/new").owner()).as("the creator owns").isEqualTo(7);
        store.setPerms(store, dm, "/local/domain/5/owned", Perms.parse(List.of("n5", "r9")));
        assertError(XsError.EPERM, () -> store.setPerms(store, dm, "/local/domain/5/owned", Perms.of(7, Access.NONE)));

        store.write(store, DOM0, "/granted", b("g"));
        perms("/granted", "n0", "r5");
        assertThat(s(store.read(store, dm, "/granted"))).as("entries granted to 5").isEqualTo("g");
        assertError(XsError.EACCES, () -> store.write(store, dm, "/granted", b("x")));
        // The first entry for the domain or its target decides (xenstored's perm_for_conn), not
        // the two together: r5 comes first, so 7's write is not added.
        perms("/granted", "n0", "r5", "w7");
        assertError(XsError.EACCES, () -> store.write(store, dm, "/granted", b("x")));
        perms("/granted", "n0", "w7", "r5");
        store.write(store, dm, "/granted", b("w7"));
        assertError(XsError.EACCES, () -> store.read(store, dm, "/granted"));
        assertError(XsError.EACCES, () -> store.read(store, new Caller(7, false, -1), "/granted"));
        assertError(XsError.EACCES, () -> store.read(store, dm, "/local/domain/6"));
    }

    @Test
    void canReadDecidesForWatchEvents() throws Exception {
        store.write(store, DOM0, "/w", b("v"));
        perms("/w", "n0", "r5");
        Node n = store.get("/w");
        assertThat(store.canRead(DOM5, n)).isTrue();
        assertThat(store.canRead(DOM6, n)).isFalse();
        assertThat(store.canRead(DOM0, n)).isTrue();
    }

    // --- quotas ---

    @Test
    void xenDefaults() {
        Quota q = Quota.XEN_DEFAULTS;
        assertThat(q.nodes()).isEqualTo(1000);
        assertThat(q.watches()).isEqualTo(128);
        assertThat(q.transactions()).isEqualTo(10);
        assertThat(q.nodeSize()).isEqualTo(2048);
        assertThat(q.permissions()).isEqualTo(5);
        assertThat(q.asMap()).containsKeys("nodes", "watches", "transactions", "node-size", "permissions");
        assertThat(q.with("nodes", 7).nodes()).isEqualTo(7);
        assertThat(q.with("node-size", 9).nodeSize()).isEqualTo(9);
        assertThat(q.with("bogus", 1)).isNull();
        assertThatThrownBy(() -> q.with("watches", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nodeQuotaCountsNodesOwnedAndIsFreedByRm() throws Exception {
        store.quota(Quota.XEN_DEFAULTS.with("nodes", 4));
        assertThat(store.ownedBy(5)).isEqualTo(1);
        store.write(store, DOM5, "/local/domain/5/a", b("1"));
        store.mkdir(store, DOM5, "/local/domain/5/b");
        assertThat(store.ownedBy(5)).isEqualTo(3);
        assertError(XsError.ENOSPC, () -> store.write(store, DOM5, "/local/domain/5/c/d", b("2")));
        assertThat(store.directory(store, DOM0, "/local/domain/5")).as("nothing half-created").containsExactly("a", "b");
        store.write(store, DOM5, "/local/domain/5/c", b("3"));
        assertError(XsError.ENOSPC, () -> store.mkdir(store, DOM5, "/local/domain/5/d"));
        store.write(store, DOM5, "/local/domain/5/c", b("rewrite is no new node"));
        store.rm(store, DOM5, "/local/domain/5/a");
        store.mkdir(store, DOM5, "/local/domain/5/d");
        assertThat(store.ownedBy(5)).isEqualTo(4);
        assertThat(store.ownedBy(6)).as("per domain").isEqualTo(1);
        for (int i = 0; i < 20; i++) {
            store.write(store, DOM0, "/local/domain/5/dom0-" + i, b("x"));
        }
    }

    @Test
    void dom0IsCountedForEveryNodeAFreshStoreHolds() {
        // /, /local, /local/domain, /tool, /tool/xenstored (xenstored's setup_structure counts
        // its "/", "/tool" and "/tool/xenstored" for Dom0 as well: domain_entry_fix(dom0, 3)).
        Store fresh = new Store(Quota.XEN_DEFAULTS, c -> {});
        assertThat(fresh.ownedBy(0)).isEqualTo(fresh.size()).isEqualTo(5);
    }

    @Test
    void nodeQuotaCountsNodesGivenToADomain() throws Exception {
        store.quota(Quota.XEN_DEFAULTS.with("nodes", 2));
        store.write(store, DOM0, "/local/domain/5/given", b(""));
        perms("/local/domain/5/given", "n5");
        assertThat(store.ownedBy(5)).isEqualTo(2);
        assertError(XsError.ENOSPC, () -> store.write(store, DOM5, "/local/domain/5/more", b("")));
    }

    @Test
    void nodeSizeQuotaLimitsValuesOfUnprivilegedDomains() throws Exception {
        // xenstored's record: 24-byte header + 8 per permission entry + value + child names.
        // One entry (n5): 2048 - 32 - 1 = 2015 bytes of value is the largest allowed.
        store.write(store, DOM5, "/local/domain/5/max", new byte[2015]);
        assertError(XsError.ENOSPC, () -> store.write(store, DOM5, "/local/domain/5/big", new byte[2016]));
        assertError(XsError.ENOENT, () -> store.read(store, DOM0, "/local/domain/5/big"));
        store.write(store, DOM0, "/local/domain/5/big", new byte[4000]);
        store.quota(Quota.XEN_DEFAULTS.with("node-size", 43));
        store.write(store, DOM5, "/local/domain/5/max", new byte[10]);
        assertError(XsError.ENOSPC, () -> store.write(store, DOM5, "/local/domain/5/max", new byte[11]));
    }

    @Test
    void nodeSizeQuotaCountsChildNamesAndPermissions() throws Exception {
        store.quota(Quota.XEN_DEFAULTS.with("node-size", 100));
        // /local/domain/5: 24 + 8 (n5) + names; each "cNN" adds 4 bytes.
        int made = 0;
        while (true) {
            try {
                store.write(store, DOM5, "/local/domain/5/c" + (10 + made), b(""));
                made++;
            } catch (XsException e) {
                assertThat(e.error()).isEqualTo(XsError.ENOSPC);
                break;
            }
        }
        assertThat(made).isEqualTo((100 - 32 - 1) / 4);
        store.write(store, DOM5, "/local/domain/5/c10", b("x"));
        assertError(XsError.ENOSPC, () -> store.setPerms(store, DOM5, "/local/domain/5/c10",
                Perms.parse(List.of("n5", "r1", "r2", "r3", "r4", "r6", "r7", "r8", "r9"))));
    }

    @Test
    void permissionQuotaLimitsEntriesSetByUnprivilegedDomains() throws Exception {
        store.write(store, DOM5, "/local/domain/5/p", b(""));
        store.setPerms(store, DOM5, "/local/domain/5/p", Perms.parse(List.of("n5", "r1", "r2", "r3", "r4")));
        assertError(XsError.ENOSPC, () -> store.setPerms(store, DOM5, "/local/domain/5/p",
                Perms.parse(List.of("n5", "r1", "r2", "r3", "r4", "r6"))));
        store.setPerms(store, DOM0, "/local/domain/5/p", Perms.parse(List.of("n5", "r1", "r2", "r3", "r4", "r6", "r7")));
        store.quota(Quota.XEN_DEFAULTS.with("permissions", 1));
        assertError(XsError.ENOSPC, () -> store.setPerms(store, DOM5, "/local/domain/5/p", Perms.parse(List.of("n5", "r1"))));
        store.setPerms(store, DOM5, "/local/domain/5/p", Perms.parse(List.of("r5")));
    }

    @Test
    void changesCarryThePermissionsThatLetAWatcherHearOfThem() throws Exception {
        store.write(store, DOM0, "/c", b("v"));
        perms("/", "n0", "r7");
        changes.clear();
        store.write(store, DOM0, "/c", b("w"));
        // The node's own permissions, then its parent's (xenstored's watch_permitted).
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.path()).isEqualTo("/c");
            assertThat(c.exact()).isFalse();
            assertThat(c.readers()).extracting(Perms::strings).containsExactly(List.of("n0"), List.of("n0", "r7"));
        });
        changes.clear();
        perms("/c", "n0", "r5");
        // SET_PERMS: the new permissions, the old ones, the parent's.
        assertThat(changes).singleElement().satisfies(c -> assertThat(c.readers()).extracting(Perms::strings)
                .containsExactly(List.of("n0", "r5"), List.of("n0"), List.of("n0", "r7")));
        changes.clear();
        store.rm(store, DOM0, "/c");
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.exact()).isFalse();
            assertThat(c.readers()).extracting(Perms::strings).containsExactly(List.of("n0", "r5"), List.of("n0", "r7"));
        });
    }

    @Test
    void everyChangeGivesTheNodeANewGeneration() throws Exception {
        store.write(store, DOM0, "/g", b("1"));
        long g1 = store.get("/g").generation();
        long root1 = store.get("/").generation();
        store.write(store, DOM0, "/g", b("1"));
        long g2 = store.get("/g").generation();
        assertThat(g2).isGreaterThan(g1);
        store.mkdir(store, DOM0, "/g/child");
        assertThat(store.get("/g").generation()).as("a new child changes the parent").isGreaterThan(g2);
        assertThat(store.get("/").generation()).isEqualTo(root1);
    }
}
