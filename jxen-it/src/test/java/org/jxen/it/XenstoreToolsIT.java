package org.jxen.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.GuestProcess;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.XenUtils;
import org.jxen.testkit.Xenstored;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * jxen-xenstored driven by Xen's own tools, each test against a freshly started daemon on a
 * socket of its own ({@code XENSTORED_PATH} in the tools' environment): Debian's
 * {@code xenstore-utils} (xenstore-read, -write, -exists, -list, -ls, -rm, -chmod, -watch), and
 * from Debian's {@code xen-utils-4.17} (fetched by {@link XenUtils}) {@code xenstore-control}
 * and Xen's XenStore test suite {@code test-xenstore}.
 *
 * <p>What the tools must print comes from their man pages (xenstore-utils ships xenstore(1),
 * xenstore-read(1), -write(1), -ls(1), -chmod(1)), from Xen's {@code docs/misc/xenstore.txt}
 * for what the daemon answers (RM of a missing node, WATCH's first event, the event path when
 * a parent is removed, CONTROL's commands), and, for the exact layout and messages, from the
 * tools' source, {@code tools/xenstore/xenstore_client.c} and {@code xenstore_control.c} of Xen
 * 4.17 (the version Debian 12 ships).
 *
 * <p>After every test the daemon must still be running and must not have logged a stack trace.
 */
class XenstoreToolsIT {
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    Xenstored daemon;

    record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    @BeforeEach
    void startDaemon() throws Exception {
        HostAssume.tool("xenstore-read");
        daemon = Xenstored.start(tmp);
    }

    @AfterEach
    void daemonSurvived() {
        if (daemon == null) {
            return;
        }
        try {
            assertThat(daemon.isAlive()).as("the daemon still runs" + daemon.describe()).isTrue();
            assertThat(daemon.output()).as("daemon output").doesNotContain("\tat ").doesNotContain("Exception");
        } finally {
            daemon.close();
        }
    }

    /** Runs a Debian xenstore-* tool against the test's daemon. */
    Run xs(String tool, String... args) throws Exception {
        return exec(HostAssume.tool(tool), args);
    }

    Run exec(Path exe, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(List.of(args));
        return exec(cmd, WAIT);
    }

    Run exec(List<String> cmd, Duration timeout) throws Exception {
        try (GuestProcess p = GuestProcess.startRaw(cmd, daemon.clientEnv())) {
            p.closeInput();
            int status = p.awaitExit(timeout);
            return new Run(status, p.stdout(), p.stderr());
        }
    }

    /** Runs a tool that must succeed and print nothing on stderr; returns its stdout. */
    String ok(String tool, String... args) throws Exception {
        Run r = xs(tool, args);
        assertThat(r.status()).as(tool + " " + String.join(" ", args) + " exit status; stderr: " + r.err()).isZero();
        assertThat(r.err()).as(tool + " stderr").isEmpty();
        return r.out();
    }

    static void assertFails(Run r, int status, String stderr) {
        assertThat(r.status()).as("exit status; stderr: " + r.err()).isEqualTo(status);
        assertThat(r.out()).as("stdout").isEmpty();
        assertThat(r.err()).isEqualTo(stderr);
    }

    /**
     * A line of {@code xenstore-ls -p} when stdout is not a terminal (80 columns), as
     * xenstore_client.c's do_ls pads it: after the value a space, then dots on odd columns up to
     * column 60, then two spaces and the permissions in parentheses.
     */
    static String lsPermLine(int depth, String name, String value, String perms) {
        StringBuilder b = new StringBuilder(" ".repeat(depth)).append(name).append(" = \"").append(value).append('"');
        int width = b.length();
        b.append(' ');
        for (width++; width < 60; width++) {
            b.append((width & 1) == 1 ? '.' : ' ');
        }
        return b.append("  (").append(perms).append(')').toString();
    }

    // --- xenstore-write, xenstore-read ---

    @Test
    void writeThenReadValuesWithSpacesEmptyValuesAndSeveralPairs() throws Exception {
        assertThat(ok("xenstore-write", "/t/greeting", "hello world", "/t/empty", "", "/t/dir/leaf", "1")).isEmpty();
        assertThat(ok("xenstore-read", "/t/greeting")).isEqualTo("hello world\n");
        assertThat(ok("xenstore-read", "/t/empty")).isEqualTo("\n");
        // xenstore-read(1): several PATHs, one value a line; -p prefixes each with its key.
        assertThat(ok("xenstore-read", "/t/greeting", "/t/empty", "/t/dir/leaf")).isEqualTo("hello world\n\n1\n");
        assertThat(ok("xenstore-read", "-p", "/t/greeting", "/t/dir/leaf")).isEqualTo("/t/greeting: hello world\n/t/dir/leaf: 1\n");
        // Overwriting replaces the value.
        ok("xenstore-write", "/t/greeting", "bye");
        assertThat(ok("xenstore-read", "/t/greeting")).isEqualTo("bye\n");
        // A value near the 4096-byte payload limit (xs_wire.h XENSTORE_PAYLOAD_MAX) comes back whole.
        String big = "x".repeat(4000);
        ok("xenstore-write", "/t/big", big);
        assertThat(ok("xenstore-read", "/t/big")).isEqualTo(big + "\n");
    }

    @Test
    void writeCreatesMissingParentsWithEmptyValues() throws Exception {
        // xenstore.txt, WRITE: "creates any missing parent paths, with empty values".
        ok("xenstore-write", "/t/a/b/c", "deep");
        assertThat(ok("xenstore-read", "/t/a", "/t/a/b", "/t/a/b/c")).isEqualTo("\n\ndeep\n");
    }

    @Test
    void valuesAreBytesEscapedUnlessRaw() throws Exception {
        // xenstore-write(1) parses \x.. escapes unless -R; xenstore-read(1) escapes non-printable
        // bytes unless -R, and with -R prints the value's bytes alone (no newline). The daemon
        // must keep the bytes exactly (xenstore.txt: values are octet strings).
        // é in UTF-8 is given escaped, so that argv's encoding (the JVM's locale) plays no part.
        ok("xenstore-write", "/t/esc", "a\\x01b\\tc\\\\d", "/t/utf8", "\\xc3\\xa9");
        assertThat(ok("xenstore-read", "-R", "/t/esc")).isEqualTo("a\u0001b\tc\\d");
        assertThat(ok("xenstore-read", "/t/esc")).isEqualTo("a\\001b\\tc\\\\d\n");
        // GuestProcess decodes output as ISO-8859-1: the two UTF-8 bytes of é, unchanged.
        assertThat(ok("xenstore-read", "-R", "/t/utf8")).isEqualTo("\u00c3\u00a9");
        assertThat(ok("xenstore-read", "/t/utf8")).isEqualTo("\\xc3\\xa9\n");
        ok("xenstore-write", "-R", "/t/raw", "a\\x41");
        assertThat(ok("xenstore-read", "-R", "/t/raw")).isEqualTo("a\\x41");
        assertThat(ok("xenstore-read", "/t/raw")).isEqualTo("a\\\\x41\n");
    }

    @Test
    void severalPairsAreOneTransactionSoAFailedPairWritesNothing() throws Exception {
        // xenstore-write(1): several PATH VALUE pairs are written "at once - in one Xenstore
        // transaction". A bad path in the second pair aborts the transaction with the first.
        Run r = xs("xenstore-write", "/t/first", "1", "/t/bad//path", "2");
        assertFails(r, 1, "xenstore-write: could not write path /t/bad//path\n");
        assertThat(xs("xenstore-exists", "/t/first").status()).as("/t/first after the aborted transaction").isEqualTo(1);
    }

    // --- xenstore-exists, xenstore-list ---

    @Test
    void existsAnswersWithItsExitStatusOnly() throws Exception {
        ok("xenstore-write", "/t/here", "1");
        assertThat(xs("xenstore-exists", "/t/here")).isEqualTo(new Run(0, "", ""));
        assertThat(xs("xenstore-exists", "/t")).isEqualTo(new Run(0, "", ""));
        assertThat(xs("xenstore-exists", "/t/missing")).isEqualTo(new Run(1, "", ""));
        assertThat(xs("xenstore-exists", "/t/here", "/t/missing")).isEqualTo(new Run(1, "", ""));
        assertThat(xs("xenstore-exists", "/t//bad")).isEqualTo(new Run(1, "", ""));
    }

    @Test
    void listPrintsTheChildrenOneALine() throws Exception {
        ok("xenstore-write", "/t/a", "1", "/t/b/c", "2", "/t/d", "");
        assertThat(ok("xenstore-list", "/t")).isEqualTo("a\nb\nd\n");
        assertThat(ok("xenstore-list", "-p", "/t")).isEqualTo("/t/a\n/t/b\n/t/d\n");
        assertThat(ok("xenstore-list", "/t/a")).isEmpty();
        assertFails(xs("xenstore-list", "/t/missing"), 1, "xenstore-list: could not list path /t/missing\n");
    }

    @Test
    void listOfMoreChildrenThanOneReplyHoldsUsesDirectoryPart() throws Exception {
        // 300 names of ~27 bytes are ~8 KiB: DIRECTORY answers E2BIG and libxenstore 4.17 falls
        // back to DIRECTORY_PART (xenstore.txt), reading the list in parts.
        List<String> args = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String name = String.format("child-with-a-long-name-%03d", i);
            names.add(name);
            args.add("/t/many/" + name);
            args.add(Integer.toString(i));
        }
        ok("xenstore-write", args.toArray(String[]::new));
        assertThat(ok("xenstore-list", "/t/many").lines().toList()).containsExactlyInAnyOrderElementsOf(names);
        assertThat(ok("xenstore-ls", "/t/many").lines().toList()).hasSize(300).contains("child-with-a-long-name-123 = \"123\"");
    }

    // --- xenstore-ls ---

    @Test
    void lsShowsTheTreeIndentedWithQuotedValues() throws Exception {
        // Written in name order so the listing is the same whatever order the daemon keeps
        // children in (xenstore.txt does not say).
        ok("xenstore-write", "/t/a", "hello world", "/t/b/c", "1", "/t/b/d/e", "", "/t/f", "x");
        // xenstore-ls(1): "a nested, tree-like view": one space of indent per level, NAME = "VALUE".
        assertThat(ok("xenstore-ls", "/t")).isEqualTo("""
                a = "hello world"
                b = ""
                 c = "1"
                 d = ""
                  e = ""
                f = "x"
                """);
        assertThat(ok("xenstore-ls", "-f", "/t")).isEqualTo("""
                /t/a = "hello world"
                /t/b = ""
                /t/b/c = "1"
                /t/b/d = ""
                /t/b/d/e = ""
                /t/f = "x"
                """);
        assertThat(ok("xenstore-ls", "/t/b/d/e")).isEmpty();
        // With no PATH, xenstore-ls lists from /.
        assertThat(ok("xenstore-ls")).contains("t = \"\"\n a = \"hello world\"\n");
    }

    @Test
    void lsDashPShowsEachNodesPermissions() throws Exception {
        ok("xenstore-write", "/t/a", "hello world", "/t/b/c", "1");
        // Nodes a socket client (Dom0) creates are owned by domain 0 with no access for others: n0.
        assertThat(ok("xenstore-ls", "-p", "/t")).isEqualTo(String.join("\n",
                lsPermLine(0, "a", "hello world", "n0"),
                lsPermLine(0, "b", "", "n0"),
                lsPermLine(1, "c", "1", "n0")) + "\n");
    }

    // --- xenstore-rm ---

    @Test
    void rmRemovesANodeWithItsChildren() throws Exception {
        ok("xenstore-write", "/t/a/b/c", "1", "/t/a/d", "2", "/t/keep", "3");
        assertThat(ok("xenstore-rm", "/t/a")).isEmpty();
        assertThat(xs("xenstore-exists", "/t/a").status()).isEqualTo(1);
        assertThat(xs("xenstore-exists", "/t/a/b/c").status()).isEqualTo(1);
        assertThat(ok("xenstore-ls", "/t")).isEqualTo("keep = \"3\"\n");
    }

    @Test
    void rmOfAMissingNodeSucceedsOnlyWhenItsParentExists() throws Exception {
        ok("xenstore-write", "/t/x", "1");
        // xenstore.txt, RM: "It is not an error if <path> does not exist, but it _is_ an error if
        // <path>'s immediate parent does not exist either."
        assertThat(xs("xenstore-rm", "/t/missing")).isEqualTo(new Run(0, "", ""));
        assertFails(xs("xenstore-rm", "/t/missing/child"), 1, "xenstore-rm: could not remove path /t/missing/child\n");
        // A malformed path is an error even though a well-formed missing one is not.
        assertFails(xs("xenstore-rm", "/t/x/"), 1, "xenstore-rm: could not remove path /t/x/\n");
        assertThat(ok("xenstore-read", "/t/x")).isEqualTo("1\n");
    }

    @Test
    void rmDashTRemovesEmptyParentsToo() throws Exception {
        ok("xenstore-write", "/t/keep", "1", "/t/a/b/c", "2");
        ok("xenstore-rm", "-t", "/t/a/b/c");
        // /t/a/b and /t/a had empty values and no other children: tidied away; /t has a child left.
        assertThat(xs("xenstore-exists", "/t/a").status()).isEqualTo(1);
        assertThat(ok("xenstore-ls", "/t")).isEqualTo("keep = \"1\"\n");
    }

    // --- xenstore-chmod ---

    @Test
    void chmodSetsPermissionsThatLsDashPShows() throws Exception {
        ok("xenstore-write", "/t/p/q", "v", "/t/s", "w");
        // xenstore-chmod(1): the first entry is the owner and the default for other domains.
        assertThat(ok("xenstore-chmod", "/t/p", "n5", "r6", "w7", "b8")).isEmpty();
        assertThat(ok("xenstore-ls", "-p", "/t")).isEqualTo(String.join("\n",
                lsPermLine(0, "p", "", "n5,r6,w7,b8"),
                lsPermLine(1, "q", "v", "n0"),
                lsPermLine(0, "s", "w", "n0")) + "\n");
        // More entries than the 5-permission quota: quotas bind domains, not Dom0 (the socket).
        ok("xenstore-chmod", "/t/s", "b0", "r1", "r2", "r3", "r4", "r5", "r6", "r7");
        assertThat(ok("xenstore-ls", "-p", "/t")).contains(lsPermLine(0, "s", "w", "b0,r1,r2,r3,r4,r5,r6,r7"));
    }

    @Test
    void chmodDashRAppliesToChildrenAndDashUToParents() throws Exception {
        ok("xenstore-write", "/t/p/q/r", "v", "/t/other", "o");
        ok("xenstore-chmod", "-r", "/t/p", "r3");
        assertThat(ok("xenstore-ls", "-p", "/t")).isEqualTo(String.join("\n",
                lsPermLine(0, "other", "o", "n0"),
                lsPermLine(0, "p", "", "r3"),
                lsPermLine(1, "q", "", "r3"),
                lsPermLine(2, "r", "v", "r3")) + "\n");
        // -u: "the key and all its parents" (up to, not including, /).
        ok("xenstore-chmod", "-u", "/t/p/q", "b4");
        assertThat(ok("xenstore-ls", "-p", "/t")).isEqualTo(String.join("\n",
                lsPermLine(0, "other", "o", "n0"),
                lsPermLine(0, "p", "", "b4"),
                lsPermLine(1, "q", "", "b4"),
                lsPermLine(2, "r", "v", "r3")) + "\n");
        assertThat(ok("xenstore-ls", "-p", "/")).contains(lsPermLine(0, "t", "", "b4"));
    }

    @Test
    void chmodOfTheSpecialWatchPathsIsAllowed() throws Exception {
        // xenstore.txt, SET_PERMS: "It is possible to set permissions for the special watch paths
        // "@introduceDomain" and "@releaseDomain" to enable receiving those watches in
        // unprivileged domains."
        assertThat(xs("xenstore-chmod", "@introduceDomain", "n0", "r5")).isEqualTo(new Run(0, "", ""));
        assertThat(xs("xenstore-chmod", "@releaseDomain", "n0", "r5")).isEqualTo(new Run(0, "", ""));
    }

    @Test
    void chmodErrorsNameTheKeyAndTheReason() throws Exception {
        ok("xenstore-write", "/t/p", "v");
        assertFails(xs("xenstore-chmod", "/t/p", "x3"), 1, "xenstore-chmod: Invalid permission specification: 'x'\n");
        assertFails(xs("xenstore-chmod", "/t/missing", "r1"), 1,
                "xenstore-chmod: Error occurred setting permissions on '/t/missing': No such file or directory\n");
        assertFails(xs("xenstore-chmod", "/t/p/", "r1"), 1,
                "xenstore-chmod: Error occurred setting permissions on '/t/p/': Invalid argument\n");
    }

    // --- xenstore-watch ---

    @Test
    void watchPrintsTheFirstEventThenEveryChangeBelowThePath() throws Exception {
        try (GuestProcess w = GuestProcess.startRaw(List.of(HostAssume.tool("xenstore-watch").toString(), "-n", "4",
                "/t/w"), daemon.clientEnv())) {
            // xenstore.txt, WATCH: "When a watch is first set up it is triggered once straight
            // away, with <path> equal to <wpath>": once printed, the watch is in place.
            w.awaitOutput("^/t/w$", WAIT);
            ok("xenstore-write", "/t/wx", "sibling");   // shares a prefix but is no child: no event
            ok("xenstore-write", "/t/w/x", "1");        // creation
            ok("xenstore-chmod", "/t/w/x", "r1");       // permission change
            ok("xenstore-rm", "/t/w/x");                // removal
            assertThat(w.awaitExit(WAIT)).as(w.describe()).isZero();
            assertThat(w.stdout().lines().toList()).as(w.describe()).containsExactly("/t/w", "/t/w/x", "/t/w/x", "/t/w/x");
        }
    }

    @Test
    void watchOnANodeWhoseParentIsRemovedGetsItsOwnPath() throws Exception {
        ok("xenstore-write", "/t/p/a/b", "1");
        try (GuestProcess w = GuestProcess.startRaw(List.of(HostAssume.tool("xenstore-watch").toString(), "-n", "2",
                "/t/p/a/b"), daemon.clientEnv())) {
            w.awaitOutput("^/t/p/a/b$", WAIT);
            // xenstore.txt, WATCH_EVENT: "if the event was the recursive removal of a parent of
            // <wpath>, <epath> is just <wpath>".
            ok("xenstore-rm", "/t/p");
            assertThat(w.awaitExit(WAIT)).as(w.describe()).isZero();
            assertThat(w.stdout().lines().toList()).as(w.describe()).containsExactly("/t/p/a/b", "/t/p/a/b");
        }
    }

    // --- errors ---

    @Test
    void readingAMissingNodeFailsNamingThePath() throws Exception {
        assertFails(xs("xenstore-read", "/t/missing"), 1, "xenstore-read: couldn't read path /t/missing\n");
        // The reason shows where the tool prints errno: xenstore-ls.
        assertFails(xs("xenstore-ls", "/t/missing"), 1, "xenstore-ls: xs_directory (/t/missing): No such file or directory\n");
    }

    @Test
    void malformedPathsAreRejected() throws Exception {
        // xenstore.txt: only alphanumerics and -/_@; no doubled or trailing slash; not empty.
        for (String bad : List.of("/t//x", "/t/x/", "/t/with space", "/t/semi;colon", "/t/dollar$")) {
            assertFails(xs("xenstore-write", bad, "v"), 1, "xenstore-write: could not write path " + bad + "\n");
            assertFails(xs("xenstore-ls", bad), 1, "xenstore-ls: xs_directory (" + bad + "): Invalid argument\n");
        }
        // The special watch paths are no nodes: reading one is an invalid request.
        assertFails(xs("xenstore-ls", "@introduceDomain"), 1, "xenstore-ls: xs_directory (@introduceDomain): Invalid argument\n");
        // Legal characters all work.
        ok("xenstore-write", "/t/Az09-_@x", "ok");
        assertThat(ok("xenstore-read", "/t/Az09-_@x")).isEqualTo("ok\n");
    }

    @Test
    void relativePathsFromTheSocketAreUnderDomain0sHome() throws Exception {
        // A socket client is Dom0 (xenstore.txt: relative paths are relative to /local/domain/<domid>).
        ok("xenstore-write", "rel/x", "1");
        assertThat(ok("xenstore-read", "/local/domain/0/rel/x")).isEqualTo("1\n");
        assertThat(ok("xenstore-read", "rel/x")).isEqualTo("1\n");
    }

    @Test
    void aClientThatMayNotOpenTheSocketIsDeniedAccess() throws Exception {
        // Like Xen's xenstored, the socket is for root only (mode 0600): every socket client is
        // privileged (Dom0), so the file mode is the access control.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket()))).isEqualTo("rw-------");
        org.junit.jupiter.api.Assumptions.assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"),
                "skipped: running a tool as another user needs root");
        Path setpriv = HostAssume.tool("setpriv");
        // Let the other user reach the socket file, so that only its own mode stands in the way.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run r = exec(List.of(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups",
                HostAssume.tool("xenstore-read").toString(), "/t"), WAIT);
        assertFails(r, 1, "xenstore-read: xs_open: Permission denied\n");
        r = exec(List.of(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups",
                HostAssume.tool("xenstore-write").toString(), "/t/x", "1"), WAIT);
        assertFails(r, 1, "xenstore-write: xs_open: Permission denied\n");
        assertThat(xs("xenstore-exists", "/t/x").status()).isEqualTo(1);
    }

    @Test
    void noDaemonOnTheSocketIsReported() throws Exception {
        Run r = exec(List.of("env", "XENSTORED_PATH=" + tmp.resolve("nothing-here"), HostAssume.tool("xenstore-read")
                .toString(), "/t"), WAIT);
        assertFails(r, 1, "xenstore-read: xs_open: No such file or directory\n");
    }

    // --- xenstore-control (Xen's xen-utils-4.17) ---

    Run control(String... args) throws Exception {
        return exec(XenUtils.require().xenstoreControl(), args);
    }

    @Test
    void controlHelpListsTheCommands() throws Exception {
        Run r = control("help");
        assertThat(r.status()).as(r.err()).isZero();
        // xenstore.txt, CONTROL: "help <supported-commands>"; one command a line, then its
        // parameters (Xen 4.17: "quota\t[set <name> <val>|<domid>]").
        List<String> commands = r.lines().stream().filter(l -> !l.isBlank()).map(l -> l.split("[ \t]", 2)[0]).toList();
        assertThat(commands).contains("check", "log", "memreport", "print", "quota", "help");
        assertThat(r.out()).containsPattern("(?m)^quota[ \t].*set <name> <val>");
    }

    @Test
    void controlQuotaShowsTheDefaults() throws Exception {
        Run r = control("quota");
        assertThat(r.status()).as(r.err()).isZero();
        // Xen 4.17's defaults, one "NAME: VALUE" line each (Xen pads: "%-17s: %8d %s").
        for (var e : Map.of("nodes", 1000, "watches", 128, "transactions", 10, "node-size", 2048, "permissions", 5,
                "outstanding", 20).entrySet()) {
            assertThat(r.out()).containsPattern("(?m)^\\s*" + e.getKey() + "\\s*:\\s*" + e.getValue() + "\\b");
        }
    }

    @Test
    void controlQuotaSetChangesAQuota() throws Exception {
        // xenstore.txt (4.17), CONTROL: quota|[set <name> <val>|<domid>].
        Run set = control("quota", "set", "nodes", "2000");
        assertThat(set.status()).as("quota set nodes 2000: " + set.err()).isZero();
        assertThat(control("quota").out()).containsPattern("(?m)^\\s*nodes\\s*:\\s*2000\\b");
        Run bad = control("quota", "set", "nodes", "0");
        assertThat(bad.status()).isEqualTo(3);
        assertThat(bad.err()).startsWith("Command not supported. Valid commands are:\n");
        assertThat(control("quota", "set", "no-such-quota", "5").status()).isEqualTo(3);
        assertThat(control("quota").out()).containsPattern("(?m)^\\s*nodes\\s*:\\s*2000\\b");
    }

    @Test
    void controlQuotaOfADomainShowsItsUsage() throws Exception {
        ok("xenstore-write", "/t/a", "1");
        Run r = control("quota", "0");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Domain 0:\n").containsPattern("(?m)^\\s*nodes\\s*:\\s*\\d+")
                .containsPattern("(?m)^\\s*watches\\s*:\\s*0\\b").containsPattern("(?m)^\\s*transactions\\s*:\\s*0\\b");
    }

    @Test
    void controlQuotaReflectsTheDaemonsQuotaOptions() throws Exception {
        daemon.close();
        daemon = Xenstored.start(tmp.resolve("quota"), "--quota", "nodes=77", "--quota", "watches=3");
        Run r = control("quota");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^\\s*nodes\\s*:\\s*77\\b").containsPattern("(?m)^\\s*watches\\s*:\\s*3\\b")
                .containsPattern("(?m)^\\s*transactions\\s*:\\s*10\\b");
    }

    @Test
    void controlMemreportSucceeds() throws Exception {
        Run r = control("memreport");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
    }

    @Test
    void controlMemreportToAFileWritesThatFile() throws Exception {
        // xenstore.txt: "memreport|[<file-name>] print memory statistics to logfile (no
        // <file-name> specified) or to specific file".
        Path report = tmp.resolve("memreport.txt");
        Run r = control("memreport", report.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(report).as("the report file").exists();
        assertThat(Files.size(report)).isPositive();
    }

    @Test
    void controlPrintWritesToTheDaemonsLog() throws Exception {
        // xenstore.txt: "print|<string> print <string> to syslog (xenstore runs as daemon)";
        // jxen-xenstored's log is its stderr (with -F) or xenstored.log.
        Run r = control("print", "hello-from-XenstoreToolsIT");
        assertThat(r.status()).as(r.err()).isZero();
        // The daemon logs before it replies, but its output reaches us through a pipe: wait for it.
        daemon.awaitOutput("hello-from-XenstoreToolsIT", Duration.ofSeconds(10));
    }

    @Test
    void controlCheckAndLogAnswerOk() throws Exception {
        assertThat(control("check")).isEqualTo(new Run(0, "OK\n", ""));
        assertThat(control("log", "off")).isEqualTo(new Run(0, "OK\n", ""));
        assertThat(control("log", "on")).isEqualTo(new Run(0, "OK\n", ""));
    }

    @Test
    void controlCheckChecksTheStoreAndLogsWhatItFound() throws Exception {
        ok("xenstore-write", "/vm/demo/name", "web", "/vm/demo/memory", "512");
        assertThat(control("check")).isEqualTo(new Run(0, "OK\n", ""));
        // The store a daemon built through the wire is whole: the check says what it walked.
        daemon.awaitOutput("check: \\d+ nodes, \\d+ watches, \\d+ transactions checked: no problem found",
                Duration.ofSeconds(10));
        assertThat(daemon.output()).doesNotContain("repaired");
        // xenstored_control.c, do_control_check: arguments are EINVAL, on which xenstore-control
        // prints the help.
        assertThat(control("check", "now").status()).isEqualTo(3);
    }

    @Test
    void controlUnknownCommandListsTheValidOnes() throws Exception {
        Run r = control("no-such-command");
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.out()).isEmpty();
        // xenstore_control.c: on EINVAL it asks for "help" and prints it after this line.
        assertThat(r.err()).startsWith("Command not supported. Valid commands are:\n").contains("quota");
    }

    // --- Xen's test suite ---

    /** The names {@code test-xenstore -l} lists ("%-10s: %s", name and description). */
    List<String> testNames(Path testXenstore) throws Exception {
        Run l = exec(testXenstore, "-l");
        assertThat(l.status()).isZero();
        List<String> names = l.lines().stream().map(s -> s.substring(0, s.indexOf(": ")).trim()).toList();
        assertThat(names).as("tests listed by test-xenstore -l").hasSizeGreaterThanOrEqualTo(12).contains("ta err");
        return names;
    }

    @Test
    void xenTestSuitePassesEveryTest() throws Exception {
        Path t = XenUtils.require().testXenstore();
        List<String> names = testNames(t);
        Run r = exec(t);
        assertThat(r.status()).as("test-xenstore exit status\n" + r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("failed").doesNotContain("Exhaustive transaction retries");
        assertThat(r.err()).isEmpty();
        // One "NAME: N ns" line for each test, in the listed order.
        List<String> ran = r.lines().stream().map(s -> s.substring(0, s.indexOf(':')).trim()).toList();
        assertThat(ran).containsExactlyElementsOf(names);
        assertThat(r.lines()).allMatch(s -> s.matches(".+: \\d+ ns"), "NAME: N ns");
        // It cleans up after itself (the relative path xenstore-test/<pid>, under Dom0's home).
        assertThat(xs("xenstore-exists", "/local/domain/0/xenstore-test").status()).isEqualTo(1);
    }

    @Test
    void xenTestSuitePassesEveryTestAHundredTimes() throws Exception {
        Path t = XenUtils.require().testXenstore();
        Run r = exec(t, "-i", "100");
        assertThat(r.status()).as("test-xenstore -i 100 exit status\n" + r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("failed").doesNotContain("Exhaustive transaction retries");
        assertThat(r.lines()).hasSize(testNames(t).size()).allMatch(s -> s.matches(".+: avg: \\d+ ns \\(\\d+ ns \\.\\. \\d+ ns\\)"));
    }

    @Test
    void xenTestSuiteRandomModeForTenSecondsTwoClientsAtOnce() throws Exception {
        Path t = XenUtils.require().testXenstore();
        // Two clients at once: their transactions touch different nodes (xenstore-test/<pid>),
        // so neither may see a conflict it did not cause, nor exhaust its retries.
        long start = System.nanoTime();
        try (GuestProcess a = GuestProcess.startRaw(List.of(t.toString(), "-r", "10"), daemon.clientEnv());
                GuestProcess b = GuestProcess.startRaw(List.of(t.toString(), "-r", "10"), daemon.clientEnv())) {
            int sa = a.awaitExit(WAIT);
            int sb = b.awaitExit(WAIT);
            for (var p : List.of(a, b)) {
                assertThat(p.stdout()).as(p.describe()).doesNotContain("failed").doesNotContain("Exhaustive");
            }
            assertThat(sa).as(a.describe()).isZero();
            assertThat(sb).as(b.describe()).isZero();
        }
        // test-xenstore -r stops at the first failure; passing means it ran its whole time.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(9));
        assertThat(ok("xenstore-ls", "/local/domain/0")).doesNotContain("xenstore-test");
    }
}
