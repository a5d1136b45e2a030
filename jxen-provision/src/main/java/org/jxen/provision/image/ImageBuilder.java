package org.jxen.provision.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.block.ext.ExtFs;
import org.jxen.block.qcow2.Qcow2Create;
import org.jxen.block.raw.RawImage;

/**
 * {@code xen-create-image}'s work: installs a system into a staging directory (debootstrap, a
 * copy of a directory, or a tarball), configures it ({@link GuestSetup}), builds the root
 * filesystem image from the directory with {@code mke2fs -d} (no mount, no loop device), as raw
 * or qcow2, makes the swap image, and writes the xl config and the {@link Manifest}. Or clones
 * a template as a qcow2 overlay.
 *
 * <p>Nothing is half-made: new files are written under temporary names and renamed into place
 * at the end, and on any failure everything this run created is removed; an existing image is
 * only replaced with {@code --force}, and only once the new one is complete.
 */
public final class ImageBuilder {
    /** Debian dists where systemd-resolved is its own package (bookworm and later). */
    static final Set<String> RESOLVED_SEPARATE = Set.of("bookworm", "trixie", "forky", "duke", "sid", "unstable", "testing");
    /** What a Debian system needs above minbase to boot here and be reached. */
    static final List<String> BASE_PACKAGES = List.of("initramfs-tools", "systemd-sysv", "openssh-server");
    /** Space a debootstrapped system with a kernel takes in staging, roughly (the check before starting). */
    static final long STAGING_ESTIMATE = 700L << 20;

    private final BuildLog log;
    private final Progress progress;
    private final Exec exec;
    private final List<Path> created = new ArrayList<>();

    public ImageBuilder(BuildLog log, Progress progress) {
        this.log = log;
        this.progress = progress;
        this.exec = new Exec(log);
    }

    /** What was made, for the summary xen-tools prints. */
    public record Result(String hostname, String dist, String mac, String addresses, Optional<String> password,
            List<String> sshFingerprints, Optional<Path> config, Path disk, Optional<Path> swap, Optional<String> backing) {}

    /** The packages debootstrap installs besides its variant's set. */
    static List<String> packages(ImageSpec spec) throws IOException {
        List<String> p = new ArrayList<>();
        p.add(kernelPackage(spec));
        p.addAll(BASE_PACKAGES);
        if (RESOLVED_SEPARATE.contains(spec.dist())) {
            // Its dependency on "default-dbus-system-bus | dbus-system-bus" is one debootstrap does not resolve.
            p.add("dbus");
            p.add("systemd-resolved");
        }
        return p;
    }

    static String kernelPackage(ImageSpec spec) throws IOException {
        Path script = ImageSpec.DEBOOTSTRAP_SCRIPTS.resolve(spec.dist());
        boolean ubuntu = Files.isSymbolicLink(script) && Files.readSymbolicLink(script).toString().equals("gutsy");
        if (ubuntu) {
            return "linux-image-virtual";
        }
        return "linux-image-cloud-" + spec.arch();
    }

    /** Checks what would stop the build before anything is made. */
    public void preflight(ImageSpec spec) throws IOException {
        if (spec.fromTemplate().isEmpty()) {
            if (!spec.force()) {
                for (Path p : List.of(spec.imageDir().resolve("disk.img"), spec.imageDir().resolve("disk.qcow2"),
                        spec.imageDir().resolve(Manifest.NAME))) {
                    if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IllegalArgumentException("an image for " + spec.hostname() + " exists: " + p
                                + " (--force replaces it)");
                    }
                }
            }
        } else if (!spec.force() && Files.exists(spec.imageDir().resolve(Manifest.NAME))) {
            throw new IllegalArgumentException("an image for " + spec.hostname() + " exists in " + spec.imageDir()
                    + " (--force replaces it)");
        }
        if (!spec.asTemplate() && !spec.force() && Files.exists(spec.configPath())) {
            throw new IllegalArgumentException("the config " + spec.configPath() + " exists (--force replaces it)");
        }
        Path existing = spec.dir();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IllegalArgumentException("--dir " + spec.dir() + " is on no filesystem");
        }
        FileStore store = Files.getFileStore(existing);
        long need = spec.fromTemplate().isPresent() ? (64L << 20)
                : STAGING_ESTIMATE * 2 + (spec.fullImage() ? spec.sizeBytes() + spec.swapBytes() : 0);
        if (store.getUsableSpace() < need) {
            throw new IllegalArgumentException("no space left for the image: " + existing + " has "
                    + (store.getUsableSpace() >> 20) + " MiB free, the build needs about " + (need >> 20) + " MiB");
        }
    }

    /** Builds the image; on failure removes whatever it made and rethrows. */
    public Result build(ImageSpec spec) throws IOException {
        try {
            return spec.fromTemplate().isPresent() ? cloneTemplate(spec) : install(spec);
        } catch (IOException | RuntimeException e) {
            log.line("failed: " + e.getMessage());
            cleanUp();
            if (e.getMessage() != null && e.getMessage().contains("No space left on device")) {
                throw new IOException("no space left on the device while building the image for " + spec.hostname()
                        + " (the partial files were removed): " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private void cleanUp() {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                deleteTree(created.get(i));
            } catch (IOException e) {
                progress.say("warning: could not remove " + created.get(i) + ": " + e.getMessage());
            }
        }
        created.clear();
    }

    private Path made(Path p) {
        created.add(p);
        return p;
    }

    private Result install(ImageSpec spec) throws IOException {
        int steps = 7;
        AtomicInteger step = new AtomicInteger();
        Path imageDir = spec.imageDir();
        if (!Files.exists(imageDir)) {
            Files.createDirectories(imageDir.getParent());
            Files.createDirectory(made(imageDir));
        }
        Path staging = made(Files.createTempDirectory(imageDir, ".staging-"));
        Files.setPosixFilePermissions(staging, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

        progress.step(step.incrementAndGet(), steps, switch (spec.installMethod()) {
            case "debootstrap" -> "installing " + spec.dist() + " (" + spec.arch() + ") from " + spec.mirror() + " with debootstrap";
            case "copy" -> "copying the system from " + spec.installSource().orElseThrow();
            default -> "unpacking the system from " + spec.installSource().orElseThrow();
        });
        switch (spec.installMethod()) {
            case "debootstrap" -> debootstrap(spec, staging);
            case "copy" -> exec.run(List.of("cp", "-a", "--", spec.installSource().orElseThrow() + "/.", staging.toString()),
                    Map.of(), null, 60, null);
            default -> exec.run(List.of("tar", "--numeric-owner", "-xf", spec.installSource().orElseThrow().toString(),
                    "-C", staging.toString()), Map.of(), null, 60, null);
        }

        progress.step(step.incrementAndGet(), steps, "configuring the system (hostname, fstab, network, console, root)");
        String rootUuid = UUID.randomUUID().toString();
        String swapUuid = spec.swapBytes() > 0 ? UUID.randomUUID().toString() : null;
        GuestSetup guest = new GuestSetup(staging, exec);
        GuestSetup.Kernel kernel = guest.kernel();
        guest.hostname(spec.hostname(), spec.network());
        guest.fstab(spec.fs(), rootUuid, swapUuid);
        guest.network(spec.network());
        guest.firstBootUnit();
        Optional<String> password = spec.password();
        if (password.isEmpty() && spec.genpassLength() > 0) {
            password = Optional.of(generatePassword(spec.genpassLength()));
        }
        if (password.isPresent()) {
            guest.rootPassword(password.get(), spec.hashMethod());
        }
        guest.authorizedKeys(spec.sshKeys());
        String args = "root=UUID=" + rootUuid + " ro console=" + spec.serialDevice();
        if (spec.pygrub()) {
            guest.menuLst(spec.hostname(), args);
        }
        for (String role : spec.roles()) {
            log.step("role " + role);
            progress.detail("role " + role);
            exec.run(List.of(spec.roleDir().resolve(role).toString(), staging.toString()), Map.of("prefix", staging.toString()),
                    null, 60, null);
        }
        // A copied or unpacked system carries its source's SSH host keys and machine-id: it gets its
        // own at its first boot, as a template's clones do.
        if (spec.asTemplate() || !spec.installMethod().equals("debootstrap")) {
            guest.forgetIdentity();
        }
        List<String> fingerprints = fingerprints(staging);

        Optional<Path> kernelOut = Optional.empty();
        Optional<Path> ramdiskOut = Optional.empty();
        progress.step(step.incrementAndGet(), steps, spec.pygrub() ? "kernel " + kernel.version() + " stays in the image (pygrub)"
                : "copying kernel " + kernel.version() + " and its initrd out of the image");
        if (!spec.pygrub()) {
            kernelOut = Optional.of(imageDir.resolve("vmlinuz"));
            ramdiskOut = Optional.of(imageDir.resolve("initrd.img"));
            copyNew(staging.resolve(kernel.kernel().substring(1)), kernelOut.get());
            copyNew(staging.resolve(kernel.initrd().substring(1)), ramdiskOut.get());
        }

        progress.step(step.incrementAndGet(), steps, "building the " + spec.fs() + " filesystem (" + Sizes.human(spec.sizeBytes())
                + ", " + spec.format() + ") from the installed system");
        long used = treeSize(staging);
        if (used > spec.sizeBytes() * 9 / 10) {
            throw new IllegalArgumentException("size = " + Sizes.human(spec.sizeBytes()) + " is too small for the installed system ("
                    + (used >> 20) + " MiB); give a larger --size");
        }
        Path disk = spec.diskPath();
        Path rawBuild = made(imageDir.resolve(spec.format().equals("qcow2") ? ".disk.raw.tmp" : "disk.img.new"));
        mkfs(spec, staging, rawBuild, rootUuid);
        Path diskNew;
        if (spec.format().equals("qcow2")) {
            diskNew = made(imageDir.resolve("disk.qcow2.new"));
            try (RawImage raw = RawImage.open(rawBuild, true)) {
                long total = raw.size();
                Qcow2Create.copy(raw, diskNew, done -> progress.detail("qcow2: " + (done >> 20) + " of " + (total >> 20) + " MiB"));
            }
            Files.delete(rawBuild);
        } else {
            diskNew = rawBuild;
        }

        progress.step(step.incrementAndGet(), steps, spec.swapBytes() > 0 ? "making the swap image (" + Sizes.human(spec.swapBytes()) + ")"
                : "no swap (--noswap)");
        Optional<Path> swapNew = Optional.empty();
        if (spec.swapBytes() > 0) {
            swapNew = Optional.of(made(imageDir.resolve("swap.img.new")));
            makeSwap(spec, swapNew.get(), swapUuid);
        }

        progress.step(step.incrementAndGet(), steps, "removing the staging directory");
        deleteTree(staging);
        created.remove(staging);

        progress.step(step.incrementAndGet(), steps, spec.asTemplate() ? "recording the template"
                : "writing " + spec.configPath());
        String mac = spec.mac().orElseGet(ImageBuilder::randomMac);
        Optional<Path> swap = swapNew.map(p -> imageDir.resolve("swap.img"));
        Optional<Path> config = Optional.empty();
        String configText = null;
        if (!spec.asTemplate()) {
            configText = XlConfigWriter.write(spec, disk, spec.format(), swap, mac, new XlConfigWriter.Boot(spec.pygrub(), kernelOut,
                    ramdiskOut, rootUuid, spec.pygrub() ? "" : "console=" + spec.serialDevice()));
            config = Optional.of(spec.configPath());
        }
        // Everything is made: into place.
        if (spec.force()) {
            for (Path old : List.of(imageDir.resolve("disk.img"), imageDir.resolve("disk.qcow2"))) {
                if (!old.equals(disk)) {
                    Files.deleteIfExists(old);
                }
            }
        }
        Files.move(diskNew, disk, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (swapNew.isPresent()) {
            Files.move(swapNew.get(), swap.get(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else if (spec.force()) {
            Files.deleteIfExists(imageDir.resolve("swap.img"));
        }
        created.clear();
        if (config.isPresent()) {
            writeConfig(config.get(), configText);
        }
        if (spec.asTemplate()) {
            // A template's disk is the backing file of its clones: nothing may write to it.
            Files.setPosixFilePermissions(disk, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
        }
        List<Path> files = new ArrayList<>(List.of(disk));
        swap.ifPresent(files::add);
        kernelOut.ifPresent(files::add);
        ramdiskOut.ifPresent(files::add);
        config.ifPresent(files::add);
        new Manifest(spec.hostname(), spec.dist(), spec.memoryMib(), describe(spec.network()), mac, spec.asTemplate(),
                Optional.empty(), config, disk, spec.format(), kernelOut, ramdiskOut, files).write(imageDir);
        return new Result(spec.hostname(), spec.dist(), mac, describe(spec.network()), password, fingerprints, config, disk, swap,
                Optional.empty());
    }

    private Result cloneTemplate(ImageSpec spec) throws IOException {
        String name = spec.fromTemplate().orElseThrow();
        Path templateDir = spec.dir().resolve("domains").resolve(name);
        Manifest t = Manifest.read(templateDir).orElseThrow(() -> new IllegalArgumentException("no image " + name + " in "
                + spec.dir().resolve("domains") + " (xen-list-images lists them)"));
        if (!t.template()) {
            throw new IllegalArgumentException(name + " is not a template (make one with xen-create-image --as-template)");
        }
        if (spec.pygrub() != t.kernel().isEmpty()) {
            log.line("the clone boots as its template does: " + (t.kernel().isEmpty() ? "pygrub" : "kernel " + t.kernel().get()));
        }
        progress.step(1, 2, "cloning template " + name + " as a qcow2 overlay");
        Path imageDir = spec.imageDir();
        if (!Files.exists(imageDir)) {
            Files.createDirectories(imageDir.getParent());
            Files.createDirectory(made(imageDir));
        }
        String rootUuid;
        long size;
        try (BlockBackend base = BlockBackends.open(t.disk(), BlockBackends.Format.DETECT, true)) {
            size = base.size();
            rootUuid = ExtFs.open(base, 0, base.size(), base.describe()).orElseThrow(() -> new IOException(
                    "template " + name + "'s disk " + t.disk() + " holds no ext filesystem")).uuid();
        }
        Path disk = imageDir.resolve("disk.qcow2");
        Path diskNew = made(imageDir.resolve("disk.qcow2.new"));
        Qcow2Create.create(diskNew, size, Optional.of(t.disk().toString()), Optional.of(t.diskFormat()));
        Optional<Path> swap = Optional.empty();
        Optional<Path> swapNew = Optional.empty();
        if (spec.swapBytes() > 0) {
            swapNew = Optional.of(made(imageDir.resolve("swap.img.new")));
            makeSwap(spec, swapNew.get(), UUID.randomUUID().toString());
            swap = Optional.of(imageDir.resolve("swap.img"));
        }
        progress.step(2, 2, "writing " + spec.configPath());
        String mac = spec.mac().orElseGet(ImageBuilder::randomMac);
        boolean pygrub = t.kernel().isEmpty();
        String identity = "jxen.hostname=" + spec.hostname() + " jxen.net=" + netParameter(spec.network());
        String config = XlConfigWriter.write(spec, disk, "qcow2", swap, mac, new XlConfigWriter.Boot(pygrub, t.kernel(), t.ramdisk(),
                rootUuid, pygrub ? identity : "console=" + spec.serialDevice() + " " + identity));
        Files.move(diskNew, disk, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (swapNew.isPresent()) {
            Files.move(swapNew.get(), swap.get(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        created.clear();
        writeConfig(spec.configPath(), config);
        List<Path> files = new ArrayList<>(List.of(disk));
        swap.ifPresent(files::add);
        files.add(spec.configPath());
        new Manifest(spec.hostname(), t.dist(), spec.memoryMib(), describe(spec.network()), mac, false, Optional.of(name),
                Optional.of(spec.configPath()), disk, "qcow2", Optional.empty(), Optional.empty(), files).write(imageDir);
        return new Result(spec.hostname(), t.dist(), mac, describe(spec.network()), Optional.empty(), List.of(),
                Optional.of(spec.configPath()), disk, swap, Optional.of(name));
    }

    private void writeConfig(Path config, String text) throws IOException {
        Files.createDirectories(config.getParent());
        Path tmp = config.resolveSibling("." + config.getFileName() + ".new");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void debootstrap(ImageSpec spec, Path staging) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("debootstrap", "--arch=" + spec.arch()));
        spec.variant().ifPresent(v -> cmd.add("--variant=" + v));
        cmd.add("--include=" + String.join(",", packages(spec)));
        if (spec.cache()) {
            Files.createDirectories(spec.cacheDir());
            cmd.add("--cache-dir=" + spec.cacheDir().toAbsolutePath());
        }
        cmd.addAll(List.of(spec.dist(), staging.toString(), spec.mirror()));
        int[] counts = new int[4];
        try {
            runDebootstrap(cmd, counts);
        } catch (IOException e) {
            // debootstrap's own log says why; it goes with the staging directory, so keep its end in ours.
            Path dlog = staging.resolve("debootstrap/debootstrap.log");
            if (Files.isReadable(dlog)) {
                List<String> lines = Files.readAllLines(dlog, StandardCharsets.UTF_8);
                log.line("--- the last lines of debootstrap.log:");
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(log::line);
                String why = lines.stream().filter(l -> l.contains("depends on") || l.startsWith("E: ") || l.contains("error"))
                        .findFirst().orElse(null);
                if (why != null) {
                    throw new IOException("debootstrap failed: " + why.strip(), e);
                }
            }
            throw e;
        }
    }

    private void runDebootstrap(List<String> cmd, int[] counts) throws IOException {
        exec.run(cmd, Map.of(), null, 60, line -> {
            // debootstrap's own steps: "I: Retrieving P", "I: Validating P", "I: Unpacking P...", "I: Configuring P...".
            String[] phases = {"I: Retrieving ", "I: Validating ", "I: Unpacking ", "I: Configuring "};
            String[] names = {"retrieved", "validated", "unpacked", "configured"};
            for (int i = 0; i < phases.length; i++) {
                if (line.startsWith(phases[i])) {
                    counts[i]++;
                    progress.detail(names[i] + " " + counts[i] + " packages: " + line.substring(phases[i].length()).replace("...", ""));
                }
            }
            if (line.startsWith("E: ")) {
                progress.say("debootstrap: " + line.substring(3));
            }
        });
    }

    private void mkfs(ImageSpec spec, Path staging, Path file, String uuid) throws IOException {
        List<String> ext = new ArrayList<>(List.of("root_owner=0:0"));
        if (spec.fullImage()) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(0);
            }
            exec.run(List.of("fallocate", "-l", Long.toString(spec.sizeBytes()), file.toString()));
            ext.add("nodiscard");
        }
        try {
            exec.run(List.of("mke2fs", "-q", "-F", "-t", spec.fs(), "-d", staging.toString(), "-U", uuid, "-E",
                    String.join(",", ext), file.toString(), (spec.sizeBytes() >> 10) + "k"), Map.of(), null, 60, null);
        } catch (IOException e) {
            if (e.getMessage().contains("Could not allocate") || e.getMessage().contains("No space")) {
                throw new IOException("the " + spec.fs() + " filesystem of " + Sizes.human(spec.sizeBytes())
                        + " cannot hold the installed system, or the host ran out of space: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private void makeSwap(ImageSpec spec, Path file, String uuid) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(spec.fullImage() ? 0 : spec.swapBytes());
        }
        if (spec.fullImage()) {
            exec.run(List.of("fallocate", "-l", Long.toString(spec.swapBytes()), file.toString()));
        }
        exec.run(List.of("mkswap", "-U", uuid, file.toString()));
    }

    private void copyNew(Path from, Path to) throws IOException {
        Path tmp = made(to.resolveSibling(to.getFileName() + ".new"));
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        created.remove(tmp);
        made(to);
    }

    /** A clone's network for its first-boot unit: {@code dhcp} or {@code static:ADDR/PREFIX:GATEWAY:DNS,...}. */
    static String netParameter(ImageSpec.Network n) {
        return switch (n) {
            case ImageSpec.Network.Dhcp d -> "dhcp";
            case ImageSpec.Network.Static s -> "static:" + s.ip() + "/" + s.prefix() + ":" + s.gateway().orElse("") + ":"
                    + String.join(",", s.nameservers());
        };
    }

    static String describe(ImageSpec.Network n) {
        return switch (n) {
            case ImageSpec.Network.Dhcp d -> "dhcp";
            case ImageSpec.Network.Static s -> s.ip() + "/" + s.prefix();
        };
    }

    static String randomMac() {
        byte[] b = new byte[3];
        new SecureRandom().nextBytes(b);
        // Xen's OUI 00:16:3e, and a locally chosen rest with the top bit clear as xl's are.
        return String.format("00:16:3e:%02x:%02x:%02x", b[0] & 0x7f, b[1] & 0xff, b[2] & 0xff);
    }

    static String generatePassword(int length) {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** SHA256 fingerprints of the system's SSH host keys, as ssh-keygen -l prints them. */
    static List<String> fingerprints(Path root) throws IOException {
        Path ssh = root.resolve("etc/ssh");
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(ssh)) {
            return out;
        }
        List<Path> keys;
        try (Stream<Path> s = Files.list(ssh)) {
            keys = s.filter(p -> p.getFileName().toString().matches("ssh_host_.*_key\\.pub")).sorted().toList();
        }
        for (Path k : keys) {
            String[] f = Files.readString(k).strip().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            try {
                byte[] blob = Base64.getDecoder().decode(f[1]);
                byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
                String algo = k.getFileName().toString().replace("ssh_host_", "").replace("_key.pub", "").toUpperCase(Locale.ROOT);
                out.add("SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d) + " (" + algo + ")");
            } catch (IllegalArgumentException | NoSuchAlgorithmException e) {
                out.add(k.getFileName() + ": unreadable (" + e.getMessage() + ")");
            }
        }
        return out;
    }

    static long treeSize(Path dir) throws IOException {
        long[] total = {0};
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total[0] += attrs.isRegularFile() ? attrs.size() : 0;
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(p);
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
