package org.jxen.testkit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Xen's own XenStore tools that Debian's {@code xenstore-utils} lacks: {@code xenstore-control},
 * {@code test-xenstore} (Xen's XenStore test suite, run against a live daemon) and Xen's C
 * {@code xenstored}/{@code oxenstored}. They are in {@code xen-utils-<major.minor>}, which cannot
 * be installed without a Xen hypervisor; so that package (the same version as the installed
 * {@code libxenstore4}, whose sibling libraries its binaries need) is downloaded with
 * {@code apt-get download}, its SHA256 and size checked against {@code apt-cache show} (apt's
 * signed index), and unpacked, not installed, into
 * {@code $JXEN_STATE_DIR/tools/xen-utils-<version>/} (default {@code /var/lib/jxen}), once per
 * machine. Later runs only check the cache against its {@code SHA256SUMS} and need no network.
 *
 * <p>When the tools cannot be had (no apt, no network, no {@code libxenstore4}, a library
 * missing) {@link #require()} skips the test with the reason, or fails it under
 * {@code JXEN_REQUIRE_TOOLS=1}, as {@link HostAssume#tool} does. A .deb whose hash differs from
 * apt's is always a failure.
 *
 * <p>Threads: {@link #require()} may be called from any test thread; the first call does the
 * work, under a lock file shared with other JVMs (parallel test runs).
 */
public final class XenUtils {
    /** The package's binaries live here (relative to the unpacked tree), e.g. {@code usr/lib/xen-4.17/bin}. */
    private static final String BIN = "usr/lib/xen-%s/bin";
    /** The binaries the cache keeps checksums of. */
    private static final List<String> BINARIES = List.of("xenstore-control", "test-xenstore", "xenstored", "oxenstored");
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(10);

    /** The hotplug scripts the cache of {@code xen-utils-common} keeps checksums of. */
    private static final List<String> SCRIPTS = List.of("etc/xen/scripts/vif-bridge", "etc/xen/scripts/vif-common.sh",
            "etc/xen/scripts/xen-hotplug-common.sh", "etc/xen/scripts/xen-network-common.sh");

    private static Tools tools;
    private static String unavailable;
    private static Path scripts;
    private static String scriptsUnavailable;

    private XenUtils() {}

    /** The unpacked package: its Debian version and where its binaries are. */
    public record Tools(String packageName, String version, Path root, Path bin) {
        public Path xenstoreControl() {
            return bin.resolve("xenstore-control");
        }

        public Path testXenstore() {
            return bin.resolve("test-xenstore");
        }

        /** Xen's C xenstored (it needs a Xen hypervisor to start, so only for reference). */
        public Path xenstored() {
            return bin.resolve("xenstored");
        }
    }

    /** The tools, fetching them the first time; skips (or fails) the test when they cannot be had. */
    public static synchronized Tools require() {
        if (tools == null && unavailable == null) {
            try {
                tools = fetch(LinuxImage.stateDir().resolve("tools"));
            } catch (Unavailable e) {
                unavailable = e.getMessage();
            } catch (IOException e) {
                unavailable = "fetching xen-utils failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while fetching xen-utils", e);
            }
        }
        if (tools == null) {
            if ("1".equals(System.getenv("JXEN_REQUIRE_TOOLS"))) {
                fail("JXEN_REQUIRE_TOOLS=1 but " + unavailable);
            }
            Assumptions.abort("skipped: " + unavailable);
        }
        return tools;
    }

    /**
     * Xen's hotplug scripts ({@code /etc/xen/scripts} of Debian's {@code xen-utils-common}, the
     * version of the installed {@code libxenstore4}), unpacked, not installed, beside the tools;
     * skips (or fails under {@code JXEN_REQUIRE_TOOLS=1}) when they cannot be had.
     */
    public static synchronized Path requireScripts() {
        if (scripts == null && scriptsUnavailable == null) {
            try {
                Path toolsDir = LinuxImage.stateDir().resolve("tools").toAbsolutePath();
                String version = installedXenVersion();
                Path dir = toolsDir.resolve("xen-utils-common-" + version.replace(':', '_'));
                fetchPackage(toolsDir, dir, "xen-utils-common", version, SCRIPTS);
                scripts = dir.resolve("root/etc/xen/scripts");
            } catch (Unavailable e) {
                scriptsUnavailable = e.getMessage();
            } catch (IOException e) {
                scriptsUnavailable = "fetching xen-utils-common failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while fetching xen-utils-common", e);
            }
        }
        if (scripts == null) {
            if ("1".equals(System.getenv("JXEN_REQUIRE_TOOLS"))) {
                fail("JXEN_REQUIRE_TOOLS=1 but " + scriptsUnavailable);
            }
            Assumptions.abort("skipped: " + scriptsUnavailable);
        }
        return scripts;
    }

    /** Why the tools cannot be had here; the test is skipped with this reason. */
    static final class Unavailable extends Exception {
        Unavailable(String why) {
            super(why);
        }
    }

    /** The installed libxenstore4's version: the Xen release whose packages are fetched. */
    private static String installedXenVersion() throws Unavailable, IOException, InterruptedException {
        Result q;
        try {
            q = run(null, Duration.ofSeconds(30), "dpkg-query", "-W", "-f=${Version}", "libxenstore4");
        } catch (IOException e) {
            throw new Unavailable("dpkg-query is missing (xen-utils comes from Debian's archive): " + e.getMessage());
        }
        if (q.status() != 0 || q.out().isBlank()) {
            throw new Unavailable("libxenstore4 is not installed (it comes with xenstore-utils; ./jxen test installs it)");
        }
        return q.out().trim();
    }

    /** Fetches (or finds in the cache under {@code toolsDir}) the xen-utils package matching libxenstore4. */
    static Tools fetch(Path toolsDir) throws Unavailable, IOException, InterruptedException {
        toolsDir = toolsDir.toAbsolutePath();
        String version = installedXenVersion();
        Matcher m = Pattern.compile("^(?:\\d+:)?(\\d+\\.\\d+)\\.").matcher(version);
        if (!m.find()) {
            throw new Unavailable("cannot tell Xen's major.minor from libxenstore4's version " + version);
        }
        String series = m.group(1);
        String pkg = "xen-utils-" + series;
        Path dir = toolsDir.resolve("xen-utils-" + version.replace(':', '_'));
        Tools t = new Tools(pkg, version, dir.resolve("root"), dir.resolve("root").resolve(BIN.formatted(series)));
        fetchPackage(toolsDir, dir, pkg, version, BINARIES.stream().map(b -> BIN.formatted(series) + "/" + b).toList());
        checkLibraries(t);
        return t;
    }

    /** Unpacks {@code pkg=version} into {@code dir/root} unless the cache there is valid for {@code files}. */
    private static void fetchPackage(Path toolsDir, Path dir, String pkg, String version, List<String> files)
            throws Unavailable, IOException, InterruptedException {
        if (!cacheValid(dir, files)) {
            try {
                Files.createDirectories(toolsDir);
            } catch (IOException e) {
                throw new Unavailable("cannot create " + toolsDir + " (set JXEN_STATE_DIR to a writable directory): " + e);
            }
            try (FileChannel ch = FileChannel.open(toolsDir.resolve(".xen-utils.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = lock(ch)) {
                // Another JVM may have filled the cache while this one waited for the lock.
                if (!cacheValid(dir, files)) {
                    download(toolsDir, dir, pkg, version, files);
                }
            }
        }
    }

    /**
     * Takes the lock file, waiting for a concurrent download by another JVM (polling: the holder
     * is another process, and {@link FileChannel#lock()} cannot be bounded).
     */
    private static FileLock lock(FileChannel ch) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + LOCK_TIMEOUT.toNanos();
        while (true) {
            FileLock l = ch.tryLock();
            if (l != null) {
                return l;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("another process has held the xen-utils cache lock for " + LOCK_TIMEOUT);
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** The cache is valid when SHA256SUMS lists the .deb and every binary, and each file matches. */
    private static boolean cacheValid(Path dir, List<String> files) throws IOException {
        Path sums = dir.resolve("SHA256SUMS");
        if (!Files.isRegularFile(sums)) {
            return false;
        }
        Map<String, String> listed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(sums)) {
            String[] f = line.split(" [ *]", 2);
            if (f.length == 2) {
                listed.put(f[1], f[0]);
            }
        }
        if (listed.keySet().stream().noneMatch(n -> n.endsWith(".deb"))
                || !files.stream().allMatch(f -> listed.containsKey("root/" + f))) {
            return false;
        }
        for (var e : listed.entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f) || !sha256(f).equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static void download(Path toolsDir, Path dir, String pkg, String version, List<String> files)
            throws Unavailable, IOException, InterruptedException {
        Map<String, String> apt = aptFields(pkg, version);
        String wantSha = apt.get("SHA256");
        String wantSize = apt.get("Size");
        if (wantSha == null) {
            throw new Unavailable("apt-cache show gives no SHA256 for " + pkg + "=" + version);
        }
        Path tmp = Files.createTempDirectory(toolsDir, ".tmp-xen-utils-");
        try {
            // apt-get download drops privileges to _apt when it can, which must be able to write here.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path dl = Files.createDirectory(tmp.resolve("dl"));
            Files.setPosixFilePermissions(dl, PosixFilePermissions.fromString("rwxrwxrwx"));
            Result r;
            try {
                r = run(dl, APT_TIMEOUT, "apt-get", "download", "-q", pkg + "=" + version);
            } catch (IOException e) {
                throw new Unavailable("apt-get is missing: " + e.getMessage());
            }
            List<Path> debs;
            try (var s = Files.list(dl)) {
                debs = s.filter(p -> p.getFileName().toString().endsWith(".deb")).toList();
            }
            if (r.status() != 0 || debs.size() != 1) {
                throw new Unavailable("apt-get download " + pkg + "=" + version + " failed (no network?): "
                        + lastLine(r.err().isBlank() ? r.out() : r.err()));
            }
            Path deb = debs.get(0);
            String gotSha = sha256(deb);
            if (!gotSha.equals(wantSha)) {
                throw new AssertionError(deb.getFileName() + ": SHA256 " + gotSha + ", but apt's signed index says " + wantSha);
            }
            if (wantSize != null && Files.size(deb) != Long.parseLong(wantSize.trim())) {
                throw new AssertionError(deb.getFileName() + ": " + Files.size(deb) + " bytes, apt's index says " + wantSize);
            }
            Result x = run(null, APT_TIMEOUT, "dpkg-deb", "-x", deb.toString(), tmp.resolve("root").toString());
            if (x.status() != 0) {
                throw new IOException("dpkg-deb -x " + deb + " failed: " + x.err());
            }
            Path debInCache = tmp.resolve(deb.getFileName());
            Files.move(deb, debInCache);
            StringBuilder sums = new StringBuilder();
            sums.append(sha256(debInCache)).append("  ").append(debInCache.getFileName()).append('\n');
            for (String name : files) {
                String rel = "root/" + name;
                Path f = tmp.resolve(rel);
                if (!Files.isRegularFile(f)) {
                    throw new AssertionError(pkg + " " + version + " has no " + rel.substring("root/".length()));
                }
                sums.append(sha256(f)).append("  ").append(rel).append('\n');
            }
            Files.delete(dl);
            Files.writeString(tmp.resolve("SHA256SUMS"), sums);
            deleteTree(dir);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The fields of {@code apt-cache show PKG=VERSION}. */
    private static Map<String, String> aptFields(String pkg, String version)
            throws Unavailable, IOException, InterruptedException {
        Result r;
        try {
            r = run(null, Duration.ofMinutes(1), "apt-cache", "show", "--no-all-versions", pkg + "=" + version);
        } catch (IOException e) {
            throw new Unavailable("apt-cache is missing (not a Debian host?)");
        }
        if (r.status() != 0 || r.out().isBlank()) {
            throw new Unavailable("apt knows no " + pkg + " " + version + " (apt-get update, or no Debian archive)");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : r.out().split("\n")) {
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && !Character.isWhitespace(line.charAt(0))) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** The binaries need the installed Xen libraries (libxenctrl, libxenguest, ...) of the same version. */
    private static void checkLibraries(Tools t) throws Unavailable, IOException, InterruptedException {
        for (Path exe : List.of(t.xenstoreControl(), t.testXenstore())) {
            Result r;
            try {
                r = run(null, Duration.ofSeconds(30), "ldd", exe.toString());
            } catch (IOException e) {
                return; // No ldd: let the tool itself say what is missing.
            }
            List<String> missing = r.out().lines().filter(l -> l.contains("not found"))
                    .map(l -> l.trim().split("\\s+")[0]).toList();
            if (!missing.isEmpty()) {
                throw new Unavailable(exe.getFileName() + " needs " + String.join(", ", missing)
                        + ", which are not installed (libxenmisc" + t.packageName().substring("xen-utils-".length())
                        + " " + t.version() + ")");
            }
        }
    }

    private record Result(int status, String out, String err) {}

    private static Result run(Path dir, Duration timeout, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("jxen-xen-utils", ".out");
        Path err = Files.createTempFile("jxen-xen-utils", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().put("LC_ALL", "C");
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + timeout);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                    Files.readString(err, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String lastLine(String s) {
        List<String> lines = new ArrayList<>(s.lines().filter(l -> !l.isBlank()).toList());
        return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1).trim();
    }

    static String sha256(Path f) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(f)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
