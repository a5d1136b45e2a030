package org.jxen.xenstore.server;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.jxen.xenstore.store.Corrupt;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.store.Transaction;
import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jxen.xenstore.server.WireClient.bytes;
import static org.jxen.xenstore.server.WireClient.text;

/**
 * Every op of xs_wire.h through {@link XenstoreServer#handle}: the reply payloads of
 * xenstore.txt, the errors of xsd_errors, watches, transactions, and domain connections
 * (relative paths, permissions and quotas checked as domain N).
 */
class XenstoreServerTest {
    XenstoreServer server;
    WireClient dom0;
    WireClient dom5;
    WireClient dom6;

    @BeforeEach
    void setUp() {
        server = new XenstoreServer(Quota.XEN_DEFAULTS);
        dom0 = new WireClient(server, 0, true);
        for (int d : new int[] {5, 6}) {
            dom0.ok(XsOp.MKDIR, "/local/domain/" + d);
            dom0.ok(XsOp.SET_PERMS, "/local/domain/" + d, "n" + d);
        }
        dom5 = new WireClient(server, 5, false);
        dom6 = new WireClient(server, 6, false);
    }

    @Test
    void everyOpOfTheHeaderHasAHandlerButTheTwoRepliesOnlyTypes() {
        assertThat(server.supportedOps()).containsExactlyInAnyOrder(java.util.Arrays.stream(XsOp.values())
                .filter(op -> op != XsOp.WATCH_EVENT && op != XsOp.ERROR).toArray(XsOp[]::new));
    }

    /** One request of the fuzz property: from dom0 or domain 5, any type, a tx id, a payload of tokens. */
    record Fuzz(boolean privileged, int type, int txChoice, byte[] payload) {
        @Override
        public String toString() {
            XsOp op = XsOp.of(type);
            return (privileged ? "dom0 " : "dom5 ") + (op == null ? "type " + type : op) + " tx#" + txChoice + " "
                    + text(payload).replace("\0", "|");
        }
    }

    @Provide
    Arbitrary<List<Fuzz>> fuzz() {
        Arbitrary<Integer> type = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, Arbitraries.integers().between(0, XsOp.XS_TYPE_COUNT)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
        Arbitrary<String> token = Arbitraries.of("a", "a/b", "/a", "/a/b", "/local/domain/5/a", "/local/domain/5", "/",
                "@introduceDomain", "@releaseDomain", "T", "F", "0", "5", "7", "65536", "n5", "b0", "r7", "x", "", "//",
                "quota", "nodes", "help", "memreport", "log", "on", "\u00e9", "9999999999");
        // CONTROL memreport FILE writes FILE: the fuzz's reports go to /dev/null, not into the
        // working directory.
        Arbitrary<List<String>> words = token.list().ofMaxSize(4)
                .map(l -> l.size() > 1 && l.getFirst().equals("memreport")
                        ? List.of("memreport", "/dev/null") : l);
        Arbitrary<byte[]> payload = words.flatMap(tokens -> Arbitraries.of(true, true, false).map(terminated -> {
            String joined = String.join("\0", tokens) + (terminated && !tokens.isEmpty() ? "\0" : "");
            return bytes(joined);
        }));
        return Combinators.combine(Arbitraries.of(true, false), type, Arbitraries.integers().between(0, 3), payload)
                .as(Fuzz::new).list().ofMaxSize(40);
    }

    /**
     * Whatever a client sends, {@link XenstoreServer#handle} answers: one reply with the request's
     * ids, of the request's type or an ERROR naming an xsd_errors entry, never over 4096 bytes,
     * and never an exception.
     */
    @Property(tries = 300)
    void anySequenceOfRequestsIsAnsweredWithoutAnException(@ForAll("fuzz") List<Fuzz> requests) {
        XenstoreServer s = new XenstoreServer(Quota.XEN_DEFAULTS.with("nodes", 20));
        WireClient root = new WireClient(s, 0, true);
        root.ok(XsOp.MKDIR, "/local/domain/5");
        root.ok(XsOp.SET_PERMS, "/local/domain/5", "n5");
        WireClient five = new WireClient(s, 5, false);
        List<Integer> txs = new ArrayList<>(List.of(0));
        for (Fuzz f : requests) {
            WireClient c = f.privileged() ? root : five;
            int tx = f.txChoice() == 3 ? 0x7fff0000 : txs.get(Math.min(f.txChoice(), txs.size() - 1));
            XsPacket reply = c.call(f.type(), tx, f.payload());
            assertThat(reply.payload().length).isLessThanOrEqualTo(XsPacket.PAYLOAD_MAX);
            if (reply.op() == XsOp.ERROR) {
                WireClient.error(reply);
            } else if (reply.op() == XsOp.TRANSACTION_START) {
                txs.add(Integer.parseUnsignedInt(text(reply.payload()).replace("\0", "")));
            }
            c.takeEvents();
        }
        assertThat(root.ok(XsOp.CONTROL, "check")).isEqualTo("OK\0");
        // Nothing a client sends leaves the store, its transactions or its watches inconsistent.
        assertThat(s.check()).as("findings of CONTROL check").isEmpty();
    }

    @Test
    void aDomainWhoseRepliesAreNotSentIsNotServedPastTheOutstandingQuota() {
        server = new XenstoreServer(Quota.XEN_DEFAULTS.with("outstanding", 3));
        List<XsPacket> ring = new ArrayList<>();
        DomainConnection slow = new DomainConnection(server, 9, false, ring::add);
        DomainConnection privileged = new DomainConnection(server, 0, true, p -> {});
        XsPacket read = XsPacket.of(XsOp.GET_DOMAIN_PATH, 1, 0, XsPacket.nulTerminated("9"));
        for (int i = 0; i < 3; i++) {
            assertThat(slow.canAccept()).isTrue();
            slow.request(read);
        }
        assertThat(slow.outstanding()).isEqualTo(3);
        assertThat(slow.canAccept()).isFalse();
        assertThatThrownBy(() -> slow.request(read)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("3 replies outstanding (quota 3)");
        assertThat(ring).hasSize(3);
        // Watch events reported sent do not count; one reply sent lets one more request in.
        slow.sent(XsPacket.of(XsOp.WATCH_EVENT, 0, 0, XsPacket.nulTerminated("a", "t")));
        assertThat(slow.canAccept()).isFalse();
        slow.sent(ring.getFirst());
        assertThat(slow.canAccept()).isTrue();
        slow.request(read);
        assertThat(slow.canAccept()).isFalse();
        // A privileged connection is never held back.
        for (int i = 0; i < 10; i++) {
            privileged.request(read);
        }
        assertThat(privileged.canAccept()).isTrue();
    }

    @Test
    void requestsStillQueuedFromAClosedConnectionLeaveNoState() {
        // A socket reader may hold requests read before its connection was cut off (its event
        // queue overflowed): they are answered EIO and add no watch or transaction.
        DomainConnection gone = new DomainConnection(server, 0, true, p -> {});
        gone.close();
        List<XsPacket> out = new ArrayList<>();
        server.handle(gone, XsPacket.of(XsOp.WATCH, 1, 0, XsPacket.nulTerminated("/", "t")), out::add);
        server.handle(gone, XsPacket.of(XsOp.TRANSACTION_START, 2, 0, XsPacket.nulTerminated("")), out::add);
        assertThat(out).extracting(p -> WireClient.error(p)).containsExactly(XsError.EIO, XsError.EIO);
        assertThat(server.watchCount()).isZero();
        assertThat(gone.transactions).isEmpty();
    }

    @Test
    void aTransactionThatChangesANodeTwiceFiresItsWatchOnce() {
        dom0.ok(XsOp.WATCH, "/twice", "t");
        assertThat(dom0.takeEvents()).hasSize(1);
        int tx = dom0.start();
        dom0.write(tx, "/twice", "1");
        dom0.write(tx, "/twice", "2");
        assertThat(dom0.takeEvents()).isEmpty();
        dom0.ok(XsOp.TRANSACTION_END, tx, "T");
        assertThat(dom0.takeEvents()).containsExactly("/twice t");
    }

    @Test
    void aMissingNodeIsEaccesWhereTheNearestExistingAncestorIsHidden() {
        // xenstored's errno_from_parents: ENOENT would tell domain 5 what is not in /local/domain/6.
        assertThat(dom5.err(XsOp.READ, "/local/domain/6/nothing")).isEqualTo(XsError.EACCES);
        assertThat(dom5.err(XsOp.READ, "/local/domain/6/a/b/c")).isEqualTo(XsError.EACCES);
        assertThat(dom5.err(XsOp.RM, "/local/domain/6/nothing")).isEqualTo(XsError.EACCES);
        assertThat(dom5.err(XsOp.GET_PERMS, "/local/domain/6/nothing")).isEqualTo(XsError.EACCES);
        assertThat(dom5.err(XsOp.SET_PERMS, "/local/domain/6/nothing", "n5")).isEqualTo(XsError.EACCES);
        // In its own home, or where it may read, a missing node is just missing.
        assertThat(dom5.err(XsOp.READ, "nothing")).isEqualTo(XsError.ENOENT);
        assertThat(dom5.ok(XsOp.RM, "nothing")).isEqualTo("OK\0");
        dom0.write("/public/x", "");
        dom0.ok(XsOp.SET_PERMS, "/public", "n0", "r5");
        assertThat(dom5.err(XsOp.READ, "/public/nothing")).isEqualTo(XsError.ENOENT);
        assertThat(dom5.err(XsOp.RM, "/public/nothing")).as("readable, not writable").isEqualTo(XsError.EACCES);
        assertThat(dom0.err(XsOp.READ, "/local/domain/6/nothing")).isEqualTo(XsError.ENOENT);
    }

    @Test
    void aDomainCannotCrashTheServerWithAStaleTransactionView() {
        // The transaction sees "gone" absent; the domain then creates gone/child outside it and
        // removes the child inside it (found by StoreModelTest: once a NullPointerException).
        int tx = dom5.start();
        dom5.ok(XsOp.RM, tx, "gone");
        dom5.write("gone/child", "v");
        assertThat(dom5.err(XsOp.RM, tx, "gone/child")).isEqualTo(XsError.EAGAIN);
        assertThat(dom5.err(XsOp.TRANSACTION_END, tx, "T")).isEqualTo(XsError.EAGAIN);
        assertThat(dom5.read("gone/child")).isEqualTo("v");
    }

    @Nested
    class Replies {
        @Test
        void readAnswersTheValueAsIsWithoutATerminator() {
            dom0.write("/a", "hello");
            assertThat(dom0.read("/a")).isEqualTo("hello");
            dom0.writeRaw(0, "/bin", new byte[] {0, 1, 0});
            assertThat(dom0.call(XsOp.READ, 0, XsPacket.nulTerminated("/bin")).payload()).containsExactly(0, 1, 0);
            dom0.writeRaw(0, "/empty", new byte[0]);
            assertThat(dom0.read("/empty")).isEmpty();
            assertThat(dom0.err(XsOp.READ, "/missing")).isEqualTo(XsError.ENOENT);
        }

        @Test
        void writeMkdirAndRmAnswerOk() {
            dom0.write("/w/x", "v");
            assertThat(dom0.ok(XsOp.MKDIR, "/m")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.MKDIR, "/m")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.RM, "/w")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.RM, "/w")).as("a missing node whose parent exists").isEqualTo("OK\0");
            assertThat(dom0.err(XsOp.RM, "/w/x")).as("its parent is gone too").isEqualTo(XsError.ENOENT);
            assertThat(dom0.err(XsOp.RM, "/")).isEqualTo(XsError.EINVAL);
        }

        @Test
        void directoryAnswersTheLeafNames() {
            dom0.write("/d/b", "");
            dom0.write("/d/a/deep", "");
            assertThat(dom0.ok(XsOp.DIRECTORY, "/d")).isEqualTo("a\0b\0");
            assertThat(dom0.ok(XsOp.DIRECTORY, "/d/b")).isEmpty();
            assertThat(dom0.err(XsOp.DIRECTORY, "/nope")).isEqualTo(XsError.ENOENT);
        }

        static final String LONG_NAME = "child-with-a-rather-long-name-";

        List<String> bigDirectory(int n) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                names.add(LONG_NAME + String.format("%03d", i));
            }
            for (String name : names) {
                dom0.ok(XsOp.MKDIR, "/big/" + name);
            }
            return names;
        }

        /** Xen's libxenstore, xs_directory_part(): fetch from byte offsets, restart if the generation changes. */
        List<String> directoryPart(WireClient c, String path, List<byte[]> chunks) {
            String gen = null;
            ByteArrayOutputStream strings = new ByteArrayOutputStream();
            int off = 0;
            for (int round = 0; ; round++) {
                assertThat(round).as("DIRECTORY_PART does not converge").isLessThan(100);
                XsPacket r = c.call(XsOp.DIRECTORY_PART, 0, XsPacket.nulTerminated(path, Integer.toString(off)));
                assertThat(r.op()).isEqualTo(XsOp.DIRECTORY_PART);
                byte[] p = r.payload();
                chunks.add(p);
                int genEnd = 0;
                while (p[genEnd] != 0) {
                    genEnd++;
                }
                String g = new String(p, 0, genEnd);
                if (off != 0) {
                    if (!g.equals(gen)) {
                        off = 0;
                        strings.reset();
                        continue;
                    }
                } else {
                    gen = g;
                }
                int resultLen = p.length - genEnd - 1;
                strings.write(p, genEnd + 1, resultLen);
                off += resultLen;
                byte[] s = strings.toByteArray();
                if (off <= 1 || s[off - 2] == 0) {
                    break;
                }
            }
            if (off <= 1) {
                return List.of();
            }
            return XsPacket.strings(java.util.Arrays.copyOf(strings.toByteArray(), off - 1), 0);
        }

        @Test
        void directoryOverThePayloadLimitIsE2bigAndDirectoryPartReassemblesIt() {
            List<String> names = bigDirectory(300);
            assertThat(String.join("\0", names).length()).isGreaterThan(2 * XsPacket.PAYLOAD_MAX);
            assertThat(dom0.err(XsOp.DIRECTORY, "/big")).isEqualTo(XsError.E2BIG);
            List<byte[]> chunks = new ArrayList<>();
            assertThat(directoryPart(dom0, "/big", chunks)).containsExactlyElementsOf(names);
            assertThat(chunks).hasSizeGreaterThanOrEqualTo(3);
            String gen = text(chunks.getFirst()).substring(0, text(chunks.getFirst()).indexOf('\0'));
            assertThat(gen).matches("[0-9]+");
            for (int i = 0; i < chunks.size(); i++) {
                byte[] p = chunks.get(i);
                assertThat(p.length).isLessThanOrEqualTo(XsPacket.PAYLOAD_MAX);
                assertThat(text(p)).startsWith(gen + "\0");
                boolean last = i == chunks.size() - 1;
                assertThat(p[p.length - 1] == 0 && p[p.length - 2] == 0).as("chunk %d ends with the extra NUL", i)
                        .isEqualTo(last);
                // Whole names only: every chunk's names are complete.
                for (String s : XsPacket.strings(p, gen.length() + 1)) {
                    assertThat(s).satisfiesAnyOf(x -> assertThat(x).startsWith(LONG_NAME).hasSize(LONG_NAME.length() + 3),
                            x -> assertThat(x).isEmpty());
                }
            }
        }

        @Test
        void directoryPartOfASmallOrEmptyDirectoryIsOneChunk() {
            dom0.write("/s/a", "");
            dom0.write("/s/b", "");
            String r = dom0.ok(XsOp.DIRECTORY_PART, "/s", "0");
            assertThat(r).matches("[0-9]+\0a\0b\0\0");
            String empty = dom0.ok(XsOp.DIRECTORY_PART, "/s/a", "0");
            assertThat(empty).matches("[0-9]+\0\0");
            assertThat(directoryPart(dom0, "/s/a", new ArrayList<>())).isEmpty();
            assertThat(dom0.ok(XsOp.DIRECTORY_PART, "/s", "4")).as("offset at the end").matches("[0-9]+\0\0");
            assertThat(dom0.ok(XsOp.DIRECTORY_PART, "/s", "2")).as("offset of the second name").matches("[0-9]+\0b\0\0");
        }

        @Test
        void directoryPartGenerationChangesWhenTheDirectoryDoes() {
            bigDirectory(200);
            String first = dom0.ok(XsOp.DIRECTORY_PART, "/big", "0");
            String gen1 = first.substring(0, first.indexOf('\0'));
            assertThat(dom0.ok(XsOp.DIRECTORY_PART, "/big", "0")).startsWith(gen1 + "\0");
            dom0.ok(XsOp.MKDIR, "/big/another");
            String second = dom0.ok(XsOp.DIRECTORY_PART, "/big", Integer.toString(first.length() - gen1.length() - 1));
            assertThat(second).doesNotStartWith(gen1 + "\0");
            List<String> all = directoryPart(dom0, "/big", new ArrayList<>());
            assertThat(all).hasSize(201).contains("another");
        }

        @Test
        void directoryPartRejectsBadOffsetsAndChecksPermissions() {
            dom0.write("/s/a", "");
            assertThat(dom0.err(XsOp.DIRECTORY_PART, "/s", "x")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.DIRECTORY_PART, "/s", "-1")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.DIRECTORY_PART, "/s")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.DIRECTORY_PART, "/nope", "0")).isEqualTo(XsError.ENOENT);
            assertThat(dom5.err(XsOp.DIRECTORY_PART, "/s", "0")).isEqualTo(XsError.EACCES);
        }

        @Test
        void getAndSetPermsUseThePermissionStrings() {
            dom0.write("/p", "v");
            assertThat(dom0.ok(XsOp.GET_PERMS, "/p")).isEqualTo("n0\0");
            assertThat(dom0.ok(XsOp.SET_PERMS, "/p", "n5", "r6", "b7")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.GET_PERMS, "/p")).isEqualTo("n5\0r6\0b7\0");
            assertThat(dom0.err(XsOp.SET_PERMS, "/p")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.SET_PERMS, "/p", "q5")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.SET_PERMS, "/p", "r70000")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.SET_PERMS, "/nope", "n0")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.err(XsOp.GET_PERMS, "/nope")).isEqualTo(XsError.ENOENT);
        }

        @Test
        void getDomainPath() {
            assertThat(dom0.ok(XsOp.GET_DOMAIN_PATH, "7")).isEqualTo("/local/domain/7\0");
            assertThat(dom5.ok(XsOp.GET_DOMAIN_PATH, "65535")).isEqualTo("/local/domain/65535\0");
            assertThat(dom0.err(XsOp.GET_DOMAIN_PATH, "65536")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.GET_DOMAIN_PATH, "x")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.GET_DOMAIN_PATH, "")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.GET_DOMAIN_PATH, "\u0663")).as("decimal ASCII only").isEqualTo(XsError.EINVAL);
        }

        @Test
        void specialNodesHavePermissionsThatLetADomainWatchThem() {
            assertThat(dom0.ok(XsOp.GET_PERMS, "@releaseDomain")).isEqualTo("n0\0");
            assertThat(dom5.err(XsOp.SET_PERMS, "@releaseDomain", "n0", "r5")).isEqualTo(XsError.EACCES);
            dom0.ok(XsOp.INTRODUCE, "9", "1", "1");
            dom5.ok(XsOp.WATCH, "@releaseDomain", "rel");
            dom5.takeEvents();
            assertThat(dom0.ok(XsOp.RELEASE, "9")).isEqualTo("OK\0");
            assertThat(dom5.takeEvents()).as("no read access yet").isEmpty();
            assertThat(dom0.ok(XsOp.SET_PERMS, "@releaseDomain", "n0", "r5")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.GET_PERMS, "@releaseDomain")).isEqualTo("n0\0r5\0");
            dom0.ok(XsOp.INTRODUCE, "9", "1", "1");
            dom0.ok(XsOp.RELEASE, "9");
            assertThat(dom5.takeEvents()).isNotEmpty();
        }

        @Test
        void introduceReleaseAndIsDomainIntroduced() {
            assertThat(dom0.ok(XsOp.IS_DOMAIN_INTRODUCED, "0")).isEqualTo("T\0");
            assertThat(dom0.ok(XsOp.IS_DOMAIN_INTRODUCED, "9")).isEqualTo("F\0");
            assertThat(dom0.ok(XsOp.IS_DOMAIN_INTRODUCED, "32752")).as("DOMID_SELF, as xenstored").isEqualTo("T\0");
            assertThat(dom0.ok(XsOp.INTRODUCE, "9", "4660", "3")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.IS_DOMAIN_INTRODUCED, "9")).isEqualTo("T\0");
            assertThat(dom0.ok(XsOp.RESUME, "9")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.RELEASE, "9")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.IS_DOMAIN_INTRODUCED, "9")).isEqualTo("F\0");
            assertThat(dom0.err(XsOp.RELEASE, "9")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.err(XsOp.RESUME, "9")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.err(XsOp.SET_TARGET, "9", "5")).isEqualTo(XsError.ENOENT);
            // As xenstored: the gfn is ignored, the event channel must be a positive number,
            // RELEASE and RESUME of domain 0 are EINVAL.
            assertThat(dom0.ok(XsOp.INTRODUCE, "9", "x", "3")).isEqualTo("OK\0");
            assertThat(dom0.err(XsOp.INTRODUCE, "10", "1", "0")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.INTRODUCE, "10", "1", "x")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.INTRODUCE, "9", "1")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.INTRODUCE, "99999", "1", "1")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.RELEASE, "0")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.RESUME, "0")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.TRANSACTION_END, "T")).as("outside a transaction").isEqualTo(XsError.ENOENT);
        }

        @ParameterizedTest
        @EnumSource(value = XsOp.class, names = {"INTRODUCE", "RELEASE", "RESUME", "SET_TARGET", "CONTROL", "IS_DOMAIN_INTRODUCED"})
        void domainManagementIsForPrivilegedConnectionsOnly(XsOp op) {
            dom0.ok(XsOp.INTRODUCE, "9", "1", "1");
            String[] args = switch (op) {
                case INTRODUCE -> new String[] {"8", "1", "1"};
                case SET_TARGET -> new String[] {"9", "5"};
                case CONTROL -> new String[] {"help"};
                default -> new String[] {"9"};
            };
            assertThat(dom5.err(op, args)).isEqualTo(XsError.EACCES);
            assertThat(dom0.ok(XsOp.IS_DOMAIN_INTRODUCED, "9")).isEqualTo("T\0");
            assertThat(dom0.ok(XsOp.IS_DOMAIN_INTRODUCED, "8")).isEqualTo("F\0");
        }

        @Test
        void setTargetGivesADeviceModelItsTargetsAccess() {
            dom5.write("secret", "s");
            WireClient dm = new WireClient(server, 7, false);
            assertThat(dm.err(XsOp.READ, "/local/domain/5/secret")).isEqualTo(XsError.EACCES);
            dom0.ok(XsOp.INTRODUCE, "7", "1", "1");
            assertThat(dom0.err(XsOp.SET_TARGET, "7", "5")).as("the target must be introduced").isEqualTo(XsError.ENOENT);
            dom0.ok(XsOp.INTRODUCE, "5", "1", "1");
            assertThat(dom0.ok(XsOp.SET_TARGET, "7", "5")).isEqualTo("OK\0");
            assertThat(dm.read("/local/domain/5/secret")).isEqualTo("s");
            dm.write("/local/domain/5/from-dm", "d");
            // As in Xen's C xenstored: an unprivileged creator owns what it creates, target or not.
            assertThat(dom0.ok(XsOp.GET_PERMS, "/local/domain/5/from-dm")).isEqualTo("n7\0");
            assertThat(dom5.err(XsOp.READ, "from-dm")).isEqualTo(XsError.EACCES);
            assertThat(dm.err(XsOp.READ, "/local/domain/6")).isEqualTo(XsError.EACCES);
        }

        @Test
        void transactionStartAnswersAnIdAndEndAnswersOk() {
            int tx = dom0.start();
            dom0.write(tx, "/t/x", "in");
            assertThat(dom0.ok(XsOp.READ, tx, "/t/x")).isEqualTo("in");
            assertThat(dom0.err(XsOp.READ, "/t/x")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.ok(XsOp.TRANSACTION_END, tx, "T")).isEqualTo("OK\0");
            assertThat(dom0.read("/t/x")).isEqualTo("in");
            assertThat(dom0.err(XsOp.READ, tx, "/t/x")).as("the id is gone after END").isEqualTo(XsError.ENOENT);

            int abort = dom0.start();
            assertThat(abort).isNotEqualTo(tx);
            dom0.write(abort, "/t/y", "no");
            assertThat(dom0.ok(XsOp.TRANSACTION_END, abort, "F")).isEqualTo("OK\0");
            assertThat(dom0.err(XsOp.READ, "/t/y")).isEqualTo(XsError.ENOENT);
        }

        @Test
        void transactionEndRejectsAnythingButTOrF() {
            int tx = dom0.start();
            assertThat(dom0.err(XsOp.TRANSACTION_END, tx, "X")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.TRANSACTION_END, tx, "T", "F")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.TRANSACTION_END, 0, "T")).as("outside a transaction").isEqualTo(XsError.ENOENT);
            assertThat(dom0.ok(XsOp.TRANSACTION_END, tx, "F")).isEqualTo("OK\0");
        }

        @Test
        void aConflictingCommitIsEagainAndEndsTheTransaction() {
            dom0.write("/c", "0");
            int tx = dom5.start();
            dom0.write("/local/domain/5/c", "0");
            assertThat(dom5.ok(XsOp.READ, tx, "c")).isEqualTo("0");
            dom5.write(tx, "c", "mine");
            dom0.write("/local/domain/5/c", "theirs");
            assertThat(dom5.err(XsOp.TRANSACTION_END, tx, "T")).isEqualTo(XsError.EAGAIN);
            assertThat(dom5.read("c")).isEqualTo("theirs");
            assertThat(dom5.err(XsOp.READ, tx, "c")).isEqualTo(XsError.ENOENT);
        }

        @Test
        void transactionsAreTheirConnections() {
            int tx = dom0.start();
            assertThat(dom5.err(XsOp.READ, tx, "/local/domain/5")).isEqualTo(XsError.ENOENT);
            assertThat(dom5.err(XsOp.TRANSACTION_END, tx, "T")).isEqualTo(XsError.ENOENT);
            dom0.ok(XsOp.TRANSACTION_END, tx, "F");
        }

        @Test
        void resetWatchesEndsWatchesAndTransactions() {
            dom5.ok(XsOp.WATCH, "w", "tok");
            int tx = dom5.start();
            dom5.takeEvents();
            assertThat(dom5.ok(XsOp.RESET_WATCHES, "")).isEqualTo("OK\0");
            dom5.write("w", "v");
            assertThat(dom5.takeEvents()).isEmpty();
            assertThat(dom5.err(XsOp.READ, tx, "w")).isEqualTo(XsError.ENOENT);
            assertThat(dom5.err(XsOp.UNWATCH, "w", "tok")).isEqualTo(XsError.ENOENT);
        }
    }

    @Nested
    class Control {
        @Test
        void help() {
            assertThat(dom0.ok(XsOp.CONTROL, "help")).contains("quota").contains("memreport").contains("log").endsWith("\0");
        }

        @Test
        void quotaShowSetAndPerDomain() {
            String all = dom0.ok(XsOp.CONTROL, "quota");
            assertThat(all).containsPattern("nodes\\s*:\\s+1000").containsPattern("watches\\s*:\\s+128")
                    .containsPattern("transactions\\s*:\\s+10").containsPattern("node-size\\s*:\\s+2048")
                    .containsPattern("permissions\\s*:\\s+5");
            // Xen 4.17's syntax: quota set <name> <value>.
            assertThat(dom0.ok(XsOp.CONTROL, "quota", "set", "nodes", "3")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.CONTROL, "quota")).containsPattern("nodes\\s*:\\s+3\n");
            dom5.write("a", "");
            dom5.write("b", "");
            assertThat(dom5.writeErr(0, "c", new byte[0])).isEqualTo(XsError.ENOSPC);
            dom5.ok(XsOp.WATCH, "a", "t");
            assertThat(dom0.ok(XsOp.CONTROL, "quota", "5")).contains("Domain 5:").containsPattern("nodes\\s*:\\s+3\n")
                    .containsPattern("watches\\s*:\\s+1\n").containsPattern("transactions\\s*:\\s+0\n");
        }

        @Test
        void quotaRejectsUnknownNamesAndBadValues() {
            assertThat(dom0.err(XsOp.CONTROL, "quota", "set", "bogus", "3")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.CONTROL, "quota", "set", "nodes", "0")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.CONTROL, "quota", "set", "nodes", "x")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.CONTROL, "quota", "nodes", "3")).as("4.17 wants 'set'").isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.CONTROL, "quota", "x")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.CONTROL, "quota", "1", "2", "3")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.ok(XsOp.CONTROL, "quota")).containsPattern("nodes\\s*:\\s+1000");
        }

        @Test
        void logPrintCheckAndMemreport() {
            assertThat(dom0.ok(XsOp.CONTROL, "log", "off")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.CONTROL, "log", "on")).isEqualTo("OK\0");
            assertThat(dom0.err(XsOp.CONTROL, "log", "maybe")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.CONTROL, "log")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.ok(XsOp.CONTROL, "print", "hello from the test")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.CONTROL, "check")).isEqualTo("OK\0");
            dom0.ok(XsOp.WATCH, "/", "t");
            assertThat(dom0.ok(XsOp.CONTROL, "memreport")).isEqualTo("OK\0");
            java.nio.file.Path report;
            try {
                report = java.nio.file.Files.createTempFile("memreport", ".txt");
                assertThat(dom0.ok(XsOp.CONTROL, "memreport", report.toString())).isEqualTo("OK\0");
                assertThat(java.nio.file.Files.readString(report)).containsPattern("nodes: [0-9]+").contains("watches: 1")
                        .contains("connections: 3");
                java.nio.file.Files.delete(report);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            assertThat(dom0.err(XsOp.CONTROL, "memreport", "/nonexistent-dir/x")).isEqualTo(XsError.EIO);
        }

        @Test
        void checkTakesNoArguments() {
            // xenstored_control.c, do_control_check: "if (num) return EINVAL".
            assertThat(dom0.err(XsOp.CONTROL, "check", "now")).isEqualTo(XsError.EINVAL);
        }

        @Test
        void checkRepairsTheTreeAndTheNodeCountsOfTheStore() {
            dom5.write("a/b", "1");
            dom5.write("c", "2");
            server.withStore(s -> {
                Corrupt.addDanglingChild(s, "/local/domain/5", "ghost");
                Corrupt.dropChildEntry(s, "/local/domain/5/a");
                Corrupt.skewNodeCount(s, 5, 4);
                return null;
            });
            assertThat(dom0.ok(XsOp.DIRECTORY, "/local/domain/5")).isEqualTo("c\0ghost\0");
            assertThat(dom0.ok(XsOp.CONTROL, "check")).isEqualTo("OK\0");
            // The dangling entry went; /local/domain/5/a and a/b, unreachable, went (xenstored's
            // clean_store); domain 5 owns its home and c, and is counted so.
            assertThat(dom0.ok(XsOp.DIRECTORY, "/local/domain/5")).isEqualTo("c\0");
            assertThat(dom0.err(XsOp.READ, "/local/domain/5/a/b")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.ok(XsOp.CONTROL, "quota", "5")).containsPattern("nodes\\s*:\\s+2\n");
            assertThat(dom5.read("c")).isEqualTo("2");
        }

        @Test
        void checkEndsTheWatchesAndTransactionsOfAConnectionThatIsClosed() {
            dom5.ok(XsOp.WATCH, "w", "t");
            dom5.start();
            // A disconnect that set the flag but did not tidy up (the bug check exists for).
            dom5.conn.closed = true;
            assertThat(dom0.ok(XsOp.CONTROL, "quota", "5")).containsPattern("watches\\s*:\\s+1\n")
                    .containsPattern("transactions\\s*:\\s+1\n");
            assertThat(dom0.ok(XsOp.CONTROL, "check")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.CONTROL, "quota", "5")).containsPattern("watches\\s*:\\s+0\n")
                    .containsPattern("transactions\\s*:\\s+0\n");
        }

        @Test
        void checkDropsATransactionFiledWithAnotherConnection() {
            int tx = dom6.start();
            Transaction foreign = dom6.conn.transactions.get(tx);
            dom5.conn.transactions.put(tx, foreign);
            assertThat(dom0.ok(XsOp.CONTROL, "check")).isEqualTo("OK\0");
            assertThat(dom5.writeErr(tx, "x", bytes("v"))).as("domain 5 may not use domain 6's transaction")
                    .isEqualTo(XsError.ENOENT);
            assertThat(dom6.ok(XsOp.TRANSACTION_END, tx, "T")).as("domain 6 keeps it").isEqualTo("OK\0");
        }

        @Test
        void unknownCommandsAreEinval() {
            assertThat(dom0.err(XsOp.CONTROL, "frobnicate")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.call(XsOp.CONTROL, 0, new byte[0]).op()).isEqualTo(XsOp.ERROR);
            assertThat(WireClient.error(dom0.call(XsOp.CONTROL, 0, new byte[0]))).isEqualTo(XsError.EINVAL);
        }
    }

    @Nested
    class WatchEvents {
        @Test
        void aNewWatchFiresOnceWithThePathAsGiven() {
            assertThat(dom0.ok(XsOp.WATCH, "/nowhere/yet", "tok")).isEqualTo("OK\0");
            assertThat(dom0.takeEvents()).containsExactly("/nowhere/yet tok");
            assertThat(dom5.ok(XsOp.WATCH, "rel", "r")).isEqualTo("OK\0");
            assertThat(dom5.takeEvents()).containsExactly("rel r");
        }

        @Test
        void changesAtOrBelowTheWatchFireWithTheChangedPath() {
            dom0.ok(XsOp.WATCH, "/w", "tok");
            dom0.takeEvents();
            dom0.write("/w/a/b", "v");
            dom0.write("/w", "v");
            dom0.write("/wx", "sibling");
            dom0.ok(XsOp.SET_PERMS, "/w/a", "n0", "r5");
            dom0.ok(XsOp.MKDIR, "/w/m");
            dom0.ok(XsOp.MKDIR, "/w/m");
            dom0.ok(XsOp.RM, "/w/a");
            assertThat(dom0.takeEvents()).containsExactly("/w/a/b tok", "/w tok", "/w/a tok", "/w/m tok", "/w/a tok");
        }

        @Test
        void removingAnAncestorFiresWithTheWatchedPath() {
            dom0.write("/r/a/b", "");
            dom0.ok(XsOp.WATCH, "/r/a/b", "deep");
            dom0.takeEvents();
            dom0.ok(XsOp.RM, "/r");
            assertThat(dom0.takeEvents()).containsExactly("/r/a/b deep");
        }

        @Test
        void aRemovalFiresForEachRemovedNodeWithThatNodesPermissions() {
            // Domain 5 may read /priv/child but not /priv: Dom0 removing /priv still tells it
            // (xenstored's delnode_sub fires per node, watch_permitted checks each node).
            dom0.write("/priv/child", "");
            dom0.ok(XsOp.SET_PERMS, "/priv", "n0");
            dom0.ok(XsOp.SET_PERMS, "/priv/child", "n0", "r5");
            dom5.ok(XsOp.WATCH, "/priv/child", "c");
            dom5.ok(XsOp.WATCH, "/priv/never-existed", "n");
            dom5.ok(XsOp.WATCH, "/priv", "p");
            assertThat(dom5.takeEvents()).hasSize(3);
            dom0.ok(XsOp.RM, "/priv");
            // Not /priv itself (unreadable to 5, and so is its parent "/"), nor a path that never existed.
            assertThat(dom5.takeEvents()).containsExactly("/priv/child c");
        }

        @Test
        void aWatcherHearsOfAChangeToANodeWhoseParentItMayRead() {
            dom0.write("/open/secret", "s");
            dom0.ok(XsOp.SET_PERMS, "/open", "n0", "r5");
            dom0.ok(XsOp.SET_PERMS, "/open/secret", "n0");
            dom5.ok(XsOp.WATCH, "/open", "o");
            dom5.takeEvents();
            dom0.write("/open/secret", "t");
            assertThat(dom5.takeEvents()).containsExactly("/open/secret o");
            // Losing access by SET_PERMS is still heard of (the old permissions count).
            dom0.ok(XsOp.SET_PERMS, "/open", "n0");
            assertThat(dom5.takeEvents()).containsExactly("/open o");
        }

        @Test
        void eventsForADomainsRelativeWatchAreRelative() {
            dom5.ok(XsOp.WATCH, "device", "rel");
            dom5.ok(XsOp.WATCH, "/local/domain/5/device", "abs");
            dom5.takeEvents();
            dom0.write("/local/domain/5/device/vif/0", "x");
            assertThat(dom5.takeEvents()).containsExactly("device/vif/0 rel", "/local/domain/5/device/vif/0 abs");
            dom5.write("device/own", "y");
            assertThat(dom5.takeEvents()).containsExactly("device/own rel", "/local/domain/5/device/own abs");
            dom0.ok(XsOp.RM, "/local/domain/5");
            assertThat(dom5.takeEvents()).containsExactly("device rel", "/local/domain/5/device abs");
        }

        @Test
        void eventsGoOnlyToWatchersThatMayReadTheNode() {
            dom5.ok(XsOp.WATCH, "/", "all");
            dom6.ok(XsOp.WATCH, "/", "all");
            dom0.ok(XsOp.WATCH, "/", "all");
            dom5.takeEvents();
            dom6.takeEvents();
            dom0.takeEvents();
            dom0.write("/secret", "s");
            assertThat(dom5.takeEvents()).isEmpty();
            assertThat(dom0.takeEvents()).containsExactly("/secret all");
            dom0.ok(XsOp.SET_PERMS, "/secret", "n0", "r5");
            dom0.write("/secret", "t");
            assertThat(dom5.takeEvents()).containsExactly("/secret all", "/secret all");
            assertThat(dom6.takeEvents()).isEmpty();
            dom6.write("mine", "x");
            assertThat(dom6.takeEvents()).containsExactly("/local/domain/6/mine all");
            assertThat(dom5.takeEvents()).isEmpty();
        }

        @Test
        void introduceAndReleaseFireTheSpecialWatchesOfPrivilegedWatchers() {
            dom0.ok(XsOp.WATCH, "@introduceDomain", "in");
            dom0.ok(XsOp.WATCH, "@releaseDomain", "out");
            dom5.ok(XsOp.WATCH, "@releaseDomain", "five");
            assertThat(dom0.takeEvents()).containsExactly("@introduceDomain in", "@releaseDomain out");
            assertThat(dom5.takeEvents()).as("the registration event only").containsExactly("@releaseDomain five");
            dom0.write("/x", "no special event for ordinary changes");
            assertThat(dom0.takeEvents()).isEmpty();
            dom0.ok(XsOp.INTRODUCE, "9", "1", "1");
            assertThat(dom0.takeEvents()).containsExactly("@introduceDomain in");
            dom0.ok(XsOp.RELEASE, "9");
            assertThat(dom0.takeEvents()).containsExactly("@releaseDomain out");
            assertThat(dom5.takeEvents()).isEmpty();
            server.introduceDomain(10, 1, 1);
            assertThat(server.releaseDomain(10)).isTrue();
            assertThat(server.releaseDomain(10)).isFalse();
            assertThat(dom0.takeEvents()).containsExactly("@introduceDomain in", "@releaseDomain out");
        }

        @Test
        void releasingADomainEndsItsConnectionsWatchesAndTransactions() {
            dom0.ok(XsOp.INTRODUCE, "5", "1", "1");
            dom5.ok(XsOp.WATCH, "x", "t");
            int tx = dom5.start();
            dom5.takeEvents();
            dom0.ok(XsOp.RELEASE, "5");
            dom0.write("/local/domain/5/x", "v");
            assertThat(dom5.takeEvents()).isEmpty();
            // The domain's connection ended with it (xenstored frees it).
            assertThat(dom5.conn.isClosed()).isTrue();
            assertThatThrownBy(() -> dom5.read("x")).isInstanceOf(IllegalStateException.class);
            assertThat(tx).isNotZero();
        }

        @Test
        void releasingADomainRemovesWhatItOwnsAndItsSpecialPermissions() {
            dom0.ok(XsOp.INTRODUCE, "6", "1", "1");
            dom6.write("data/x", "1");
            dom0.write("/shared/of6", "s");
            dom0.ok(XsOp.SET_PERMS, "/shared/of6", "n6");
            dom0.write("/local/domain/6/kept-by-0", "k");
            dom0.ok(XsOp.SET_PERMS, "/local/domain/6/kept-by-0", "n0");
            dom0.ok(XsOp.SET_PERMS, "@releaseDomain", "n0", "r6");
            dom0.ok(XsOp.WATCH, "/shared", "w");
            dom0.takeEvents();
            dom0.ok(XsOp.RELEASE, "6");
            // xenstored's domain_tree_remove: every node domain 6 owned, with what lies below.
            assertThat(dom0.err(XsOp.READ, "/shared/of6")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.err(XsOp.READ, "/local/domain/6")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.read("/shared")).isEmpty();
            assertThat(dom0.takeEvents()).containsExactly("/shared/of6 w");
            assertThat(dom0.ok(XsOp.GET_PERMS, "@releaseDomain")).isEqualTo("n0\0");
        }

        @Test
        void introducingADomainAgainDoesNotFireIntroduceDomainButResetsItsConnection() {
            dom0.ok(XsOp.WATCH, "@introduceDomain", "i");
            dom0.takeEvents();
            dom0.ok(XsOp.INTRODUCE, "5", "1", "1");
            assertThat(dom0.takeEvents()).containsExactly("@introduceDomain i");
            dom5.ok(XsOp.WATCH, "x", "t");
            int tx = dom5.start();
            dom0.ok(XsOp.INTRODUCE, "5", "1", "2");
            assertThat(dom0.takeEvents()).isEmpty();
            assertThat(dom5.err(XsOp.READ, tx, "x")).isEqualTo(XsError.ENOENT);
            dom5.takeEvents();
            dom0.write("/local/domain/5/x", "v");
            assertThat(dom5.takeEvents()).isEmpty();
        }

        @Test
        void duplicateWatchIsEexistAndUnwatchOfAMissingOneIsEnoent() {
            dom5.ok(XsOp.WATCH, "a", "t");
            assertThat(dom5.err(XsOp.WATCH, "a", "t")).isEqualTo(XsError.EEXIST);
            assertThat(dom5.err(XsOp.WATCH, "/local/domain/5/a", "t")).as("the same node, absolute").isEqualTo(XsError.EEXIST);
            dom5.ok(XsOp.WATCH, "a", "other-token");
            dom6.ok(XsOp.WATCH, "/local/domain/5/a", "t");
            assertThat(dom5.err(XsOp.UNWATCH, "a", "nope")).isEqualTo(XsError.ENOENT);
            assertThat(dom5.err(XsOp.UNWATCH, "b", "t")).isEqualTo(XsError.ENOENT);
            assertThat(dom5.ok(XsOp.UNWATCH, "a", "t")).isEqualTo("OK\0");
            assertThat(dom5.err(XsOp.UNWATCH, "a", "t")).isEqualTo(XsError.ENOENT);
            dom5.takeEvents();
            dom5.write("a", "v");
            assertThat(dom5.takeEvents()).containsExactly("a other-token");
        }

        @Test
        void watchTakesExactlyTwoStringsAndIgnoresTheTxId() {
            // xenstored 4.17: get_strings must count 2; WATCH and UNWATCH are the NOTID ops.
            assertThat(dom0.ok(XsOp.WATCH, 12345, "/a", "t")).isEqualTo("OK\0");
            assertThat(dom0.ok(XsOp.UNWATCH, 12345, "/a", "t")).isEqualTo("OK\0");
            assertThat(dom0.err(XsOp.WATCH, "/a")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.WATCH, "/a", "t", "")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.UNWATCH, "/a", "t", "")).isEqualTo(XsError.EINVAL);
            // A watch with an invalid path cannot exist: UNWATCH says ENOENT, as xenstored.
            assertThat(dom0.err(XsOp.UNWATCH, "/a b", "t")).isEqualTo(XsError.ENOENT);
            // Every other op looks its tx_id up.
            assertThat(dom0.err(XsOp.GET_DOMAIN_PATH, 999, "7")).isEqualTo(XsError.ENOENT);
            assertThat(dom0.err(XsOp.WATCH, "/a b", "t")).isEqualTo(XsError.EINVAL);
        }

        @Test
        void transactionChangesFireAtCommitOnly() {
            dom0.ok(XsOp.WATCH, "/t", "tok");
            dom0.takeEvents();
            int tx = dom0.start();
            dom0.write(tx, "/t/a", "1");
            int aborted = dom0.start();
            dom0.write(aborted, "/t/b", "2");
            assertThat(dom0.takeEvents()).isEmpty();
            dom0.ok(XsOp.TRANSACTION_END, aborted, "F");
            assertThat(dom0.takeEvents()).isEmpty();
            dom0.ok(XsOp.TRANSACTION_END, tx, "T");
            assertThat(dom0.takeEvents()).containsExactly("/t/a tok");
        }

        @Test
        void aClosedConnectionLosesItsWatchesAndCannotSend() {
            dom5.ok(XsOp.WATCH, "/", "t");
            dom5.takeEvents();
            int before = server.connectionCount();
            dom5.conn.close();
            dom5.conn.close();
            assertThat(server.connectionCount()).isEqualTo(before - 1);
            assertThat(dom5.conn.isClosed()).isTrue();
            dom0.write("/local/domain/5/x", "");
            assertThat(dom5.takeEvents()).isEmpty();
            assertThatThrownBy(() -> dom5.read("x")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Nested
    class BadInput {
        @ParameterizedTest
        @ValueSource(ints = {20, 23, 24, 1000, 0xffff, -1, Integer.MIN_VALUE})
        void unknownTypesAreEnosys(int type) {
            assertThat(WireClient.error(dom0.call(type, 0, XsPacket.nulTerminated("/")))).isEqualTo(XsError.ENOSYS);
            assertThat(WireClient.error(dom5.call(type, 77, new byte[0]))).isEqualTo(XsError.ENOSYS);
        }

        @ParameterizedTest
        @EnumSource(value = XsOp.class, names = {"WATCH_EVENT", "ERROR"})
        void repliesSentAsRequestsAreEnosysAsInXenstored(XsOp op) {
            // C xenstored's wire_funcs has no handler for these types, so they get ENOSYS.
            assertThat(dom0.err(op, "/", "t")).isEqualTo(XsError.ENOSYS);
            assertThat(dom5.err(op, "EINVAL")).isEqualTo(XsError.ENOSYS);
        }

        @ParameterizedTest
        @EnumSource(value = XsOp.class, names = {"READ", "WRITE", "MKDIR", "RM", "DIRECTORY", "GET_PERMS", "SET_PERMS",
            "TRANSACTION_END", "TRANSACTION_START", "DIRECTORY_PART"})
        void anUnknownTransactionIdIsEnoent(XsOp op) {
            assertThat(dom0.err(op, 424242, "/a", "n0")).isEqualTo(XsError.ENOENT);
            int tx = dom5.start();
            assertThat(dom5.err(op, tx + 1, "a", "n5")).isEqualTo(XsError.ENOENT);
        }

        @Test
        void transactionStartInsideATransactionIsEbusy() {
            int tx = dom5.start();
            assertThat(dom5.err(XsOp.TRANSACTION_START, tx, "")).isEqualTo(XsError.EBUSY);
        }

        @ParameterizedTest
        @EnumSource(value = XsOp.class, names = {"READ", "MKDIR", "RM", "DIRECTORY", "DIRECTORY_PART", "GET_PERMS",
            "SET_PERMS", "WATCH", "UNWATCH", "TRANSACTION_END", "GET_DOMAIN_PATH", "IS_DOMAIN_INTRODUCED", "RELEASE",
            "RESUME", "SET_TARGET", "WRITE"})
        void unterminatedPayloadsAreEinval(XsOp op) {
            dom0.ok(XsOp.INTRODUCE, "9", "1", "1");
            int tx = op == XsOp.TRANSACTION_END ? dom0.start() : 0;
            String args = switch (op) {
                case DIRECTORY_PART -> "/local\0000";
                case SET_PERMS -> "/local\0n0";
                case WATCH, UNWATCH -> "/local\0tok";
                case TRANSACTION_END -> "T";
                case GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED, RELEASE, RESUME -> "9";
                case SET_TARGET -> "9\0005";
                default -> "/local";
            };
            assertThat(WireClient.error(dom0.call(op, tx, bytes(args)))).isEqualTo(XsError.EINVAL);
            if (op != XsOp.TRANSACTION_END) {
                assertThat(WireClient.error(dom0.call(op, tx, new byte[0]))).as("empty payload").isEqualTo(XsError.EINVAL);
            }
        }

        @Test
        void tooManyArgumentsAreEinval() {
            assertThat(dom0.err(XsOp.READ, "/local", "/tool")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.MKDIR, "/a", "")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.GET_DOMAIN_PATH, "1", "2")).isEqualTo(XsError.EINVAL);
        }

        @ParameterizedTest
        @ValueSource(strings = {"/a b", "/a//b", "/a/", "", "/caf\u00e9", "/a.b", "@nosuchnode", "a/../b"})
        void invalidPathsAreEinval(String path) {
            for (XsOp op : List.of(XsOp.READ, XsOp.MKDIR, XsOp.RM, XsOp.DIRECTORY, XsOp.GET_PERMS)) {
                assertThat(dom0.err(op, path)).as("%s %s", op, path).isEqualTo(XsError.EINVAL);
                assertThat(dom5.err(op, path)).as("%s %s", op, path).isEqualTo(XsError.EINVAL);
            }
            assertThat(dom0.writeErr(0, path, bytes("v"))).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.SET_PERMS, path, "n0")).isEqualTo(XsError.EINVAL);
        }

        @Test
        void overLongPathsAreEinval() {
            String abs = "/" + "a".repeat(XsPacket.REL_PATH_MAX - 1);
            assertThat(dom0.err(XsOp.READ, abs)).as("2048 bytes is allowed").isEqualTo(XsError.ENOENT);
            assertThat(dom0.err(XsOp.READ, abs + "a")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.writeErr(0, abs + "a", new byte[0])).isEqualTo(XsError.EINVAL);
            String rel = "a".repeat(XsPacket.REL_PATH_MAX);
            assertThat(dom5.err(XsOp.READ, rel)).isEqualTo(XsError.ENOENT);
            assertThat(dom5.err(XsOp.READ, rel + "a")).isEqualTo(XsError.EINVAL);
            assertThat(dom5.err(XsOp.WATCH, rel + "a", "t")).isEqualTo(XsError.EINVAL);
            assertThat(dom0.err(XsOp.WATCH, "@" + rel, "t")).as("special paths too").isEqualTo(XsError.EINVAL);
        }

        @Test
        void badInputLeavesTheConnectionUsable() {
            dom5.call(99, 0, new byte[] {1, 2, 3});
            dom5.call(XsOp.READ, 0, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
            dom5.call(XsOp.WRITE, 0, new byte[XsPacket.PAYLOAD_MAX]);
            dom5.write("still", "fine");
            assertThat(dom5.read("still")).isEqualTo("fine");
        }
    }

    @Nested
    class DomainConnections {
        @Test
        void relativePathsResolveUnderTheDomainsHome() {
            dom5.write("device/vbd/51712/state", "1");
            assertThat(dom0.read("/local/domain/5/device/vbd/51712/state")).isEqualTo("1");
            assertThat(dom5.read("/local/domain/5/device/vbd/51712/state")).isEqualTo("1");
            assertThat(dom5.ok(XsOp.DIRECTORY, "device/vbd")).isEqualTo("51712\0");
            assertThat(dom0.ok(XsOp.GET_PERMS, "/local/domain/5/device/vbd")).isEqualTo("n5\0");
            dom5.ok(XsOp.RM, "device");
            assertThat(dom0.err(XsOp.READ, "/local/domain/5/device")).isEqualTo(XsError.ENOENT);
            dom0.write("x", "dom0's relative path");
            assertThat(dom0.read("/local/domain/0/x")).isEqualTo("dom0's relative path");
        }

        @Test
        void aDomainCannotReadOrWriteWhatItsPermissionsDeny() {
            dom6.write("private", "p");
            assertThat(dom5.err(XsOp.READ, "/local/domain/6/private")).isEqualTo(XsError.EACCES);
            assertThat(dom5.writeErr(0, "/local/domain/6/private", bytes("x"))).isEqualTo(XsError.EACCES);
            assertThat(dom5.writeErr(0, "/local/domain/6/new", bytes("x"))).isEqualTo(XsError.EACCES);
            assertThat(dom5.err(XsOp.MKDIR, "/local/domain/6/new")).isEqualTo(XsError.EACCES);
            assertThat(dom5.err(XsOp.RM, "/local/domain/6/private")).isEqualTo(XsError.EACCES);
            assertThat(dom5.err(XsOp.DIRECTORY, "/local/domain/6")).isEqualTo(XsError.EACCES);
            assertThat(dom5.err(XsOp.GET_PERMS, "/local/domain/6/private")).isEqualTo(XsError.EACCES);
            assertThat(dom5.err(XsOp.SET_PERMS, "/local/domain/6/private", "b5")).isEqualTo(XsError.EACCES);
            assertThat(dom5.writeErr(0, "/", bytes("x"))).isEqualTo(XsError.EACCES);
            assertThat(dom5.writeErr(0, "/tool/x", bytes("x"))).isEqualTo(XsError.EACCES);
            assertThat(dom5.err(XsOp.DIRECTORY, "/local/domain")).isEqualTo(XsError.EACCES);
            assertThat(dom0.read("/local/domain/6/private")).isEqualTo("p");

            dom6.ok(XsOp.SET_PERMS, "private", "n6", "r5");
            assertThat(dom5.read("/local/domain/6/private")).isEqualTo("p");
            assertThat(dom5.writeErr(0, "/local/domain/6/private", bytes("x"))).isEqualTo(XsError.EACCES);
            dom6.ok(XsOp.SET_PERMS, "private", "n6", "b5");
            dom5.write("/local/domain/6/private", "from five");
            assertThat(dom6.read("private")).isEqualTo("from five");
            assertThat(dom5.err(XsOp.SET_PERMS, "/local/domain/6/private", "n6")).as("not the owner").isEqualTo(XsError.EACCES);
            assertThat(dom6.err(XsOp.SET_PERMS, "private", "n5")).as("giving it away").isEqualTo(XsError.EPERM);
        }

        @Test
        void permissionsApplyInsideTransactionsToo() {
            dom6.write("private", "p");
            int tx = dom5.start();
            assertThat(dom5.err(XsOp.READ, tx, "/local/domain/6/private")).isEqualTo(XsError.EACCES);
            assertThat(WireClient.error(dom5.writeRaw(tx, "/local/domain/6/private", bytes("x")))).isEqualTo(XsError.EACCES);
            dom5.ok(XsOp.TRANSACTION_END, tx, "T");
            assertThat(dom6.read("private")).isEqualTo("p");
        }

        @Test
        void watchQuotaIs128AsXenCountsIt() {
            // xenstored 4.17 refuses a watch when the domain already has more than the quota
            // (do_watch: count > quota), so the 129th is the last one accepted; then E2BIG.
            for (int i = 0; i < 129; i++) {
                dom5.ok(XsOp.WATCH, "w" + i, "t");
            }
            assertThat(dom5.err(XsOp.WATCH, "w129", "t")).isEqualTo(XsError.E2BIG);
            dom5.ok(XsOp.UNWATCH, "w0", "t");
            dom5.ok(XsOp.WATCH, "w129", "t");
            for (int i = 0; i < 200; i++) {
                dom0.ok(XsOp.WATCH, "/w" + i, "t");
            }
        }

        @Test
        void transactionQuotaIs10AsXenCountsIt() {
            // As xenstored 4.17 (transaction_started > quota): the 11th is the last one accepted.
            List<Integer> open = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                open.add(dom5.start());
            }
            assertThat(dom5.err(XsOp.TRANSACTION_START, "")).isEqualTo(XsError.ENOSPC);
            dom5.ok(XsOp.TRANSACTION_END, open.getFirst(), "F");
            dom5.start();
            for (int i = 0; i < 20; i++) {
                dom0.start();
            }
        }

        @Test
        void nodeQuotaIs1000OwnedNodes() {
            // The home counts: domain 5 owns it. Spread over directories of 40: one directory
            // of 999 names would reach the node-size quota first (its record holds the names).
            int i = 0;
            XsPacket reply;
            do {
                reply = dom5.call(XsOp.WRITE, 0, bytes("d" + (i / 40) + "/n" + i + "\0"));
                i++;
            } while (reply.op() == XsOp.WRITE);
            assertThat(WireClient.error(reply)).isEqualTo(XsError.ENOSPC);
            assertThat(dom0.ok(XsOp.CONTROL, "quota", "5")).containsPattern("nodes\\s*:\\s+1000\n");
            assertThat(dom5.err(XsOp.MKDIR, "one-too-many")).isEqualTo(XsError.ENOSPC);
            dom5.write("d0/n1", "rewriting is fine");
            dom5.ok(XsOp.RM, "d0/n1");
            dom5.write("one-more", "");
            assertThat(dom6.ok(XsOp.MKDIR, "other-domains-are-not-counted")).isEqualTo("OK\0");
        }

        @Test
        void nodeSizeAndPermissionQuotas() {
            // xenstored's record size: 24 + 8 per permission entry + value (+ child names).
            dom5.writeRaw(0, "max", new byte[2015]);
            assertThat(dom5.read("max")).hasSize(2015);
            assertThat(dom5.writeErr(0, "big", new byte[2016])).isEqualTo(XsError.ENOSPC);
            dom5.writeRaw(0, "max", new byte[100]);
            assertThat(dom5.ok(XsOp.SET_PERMS, "max", "n5", "r1", "r2", "r3", "r4")).isEqualTo("OK\0");
            assertThat(dom5.err(XsOp.SET_PERMS, "max", "n5", "r1", "r2", "r3", "r4", "r6")).isEqualTo(XsError.ENOSPC);
            dom0.writeRaw(0, "/local/domain/5/dom0-big", new byte[4000]);
        }
    }
}
