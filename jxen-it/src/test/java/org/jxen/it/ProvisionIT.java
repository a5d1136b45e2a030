package org.jxen.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.block.ext.ExtFs;
import org.jxen.provision.image.HostApt;
import org.jxen.testkit.Checkout;
import org.jxen.testkit.LinuxImage;
import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.config.XlConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * jxen's xen-tools, end to end, the way an administrator runs them: bin/xen-create-image
 * debootstraps Debian 12 (minbase) from the host's mirror into a raw image, and again (with the
 * package cache warm) into a qcow2 template booted by pygrub; bin/xen-create-image
 * --from-template clones it; bin/xen-list-images, bin/pygrub and bin/xen-delete-image work on
 * the results. Every image is checked from the host without mounting it: e2fsck, qemu-img
 * check, and the files read by jxen's ext reader. Booting them is for hardware-KVM hosts
 * (ProvisionBootIT... the Linux end-to-end tests); here Linux cannot boot in useful time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProvisionIT {
    static final String PASSWORD = "jxen-Test-pw1";

    /** One directory for the whole class (the images are built once, in {@link #build}). */
    Path tmp;

    Path images;
    Path etc;
    Path logs;
    Path cache;
    Path key;
    Run web1;
    Run tpl;
    double web1Seconds;
    double tplSeconds;

    record Run(int status, String out, String err) {
        String field(String name) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s*:\\s+(.*)$").matcher(out);
            assertThat(m.find()).as(name + " in\n" + out).isTrue();
            return m.group(1).strip();
        }
    }

    Run run(String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Checkout.bin(command).toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("JXEN_XEN_TOOLS_LOGDIR", logs.toString());
        pb.environment().put("JXEN_RUNDIR", tmp.resolve("run").toString());
        Process p = pb.start();
        assertThat(p.waitFor(20, TimeUnit.MINUTES)).as(String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    List<String> common(String hostname) {
        return new ArrayList<>(List.of("--hostname=" + hostname, "--dir=" + images, "--output=" + etc, "--cachedir=" + cache,
                "--dist=bookworm", "--variant=minbase", "--size=2G", "--swap=128M"));
    }

    @BeforeAll
    void build(@TempDir Path dir) throws Exception {
        tmp = dir;
        assumeTrue("root".equals(System.getProperty("user.name")), "xen-create-image needs root (debootstrap, chroot)");
        boolean required = "1".equals(System.getenv("JXEN_REQUIRE_TOOLS"));
        if (!Files.isExecutable(Path.of("/usr/sbin/debootstrap"))) {
            assertThat(required).as("JXEN_REQUIRE_TOOLS=1 but debootstrap is not installed").isFalse();
            assumeTrue(false, "debootstrap is not installed (Debian: debootstrap; ./jxen test installs it)");
        }
        String mirror = new HostApt(Path.of("/")).mirror("bookworm");
        String reach = reachable(mirror + "/dists/bookworm/Release");
        if (reach != null) {
            assertThat(required).as("JXEN_REQUIRE_TOOLS=1 but the mirror cannot be reached: " + reach).isFalse();
            assumeTrue(false, "the Debian mirror " + mirror + " cannot be reached: " + reach);
        }
        images = tmp.resolve("xen");
        etc = Files.createDirectories(tmp.resolve("etc-xen"));
        logs = tmp.resolve("log");
        cache = Files.createDirectories(LinuxImage.stateDir().resolve("cache/debootstrap"));
        key = tmp.resolve("id_test.pub");
        Files.writeString(key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJxenTestKeyJxenTestKeyJxenTestKeyJxenTest test@jxen\n");
        List<String> a = common("web1");
        a.addAll(List.of("--password=" + PASSWORD, "--ssh-key=" + key, "--memory=512M"));
        long t0 = System.nanoTime();
        web1 = run("xen-create-image", a.toArray(String[]::new));
        web1Seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(web1.status()).as(web1.out() + web1.err()).isZero();
        Path roles = Files.createDirectories(tmp.resolve("roles"));
        Files.writeString(roles.resolve("mark"), "#!/bin/sh\necho \"role ran on $1\" > \"$1/etc/jxen-role-mark\"\n");
        Files.setPosixFilePermissions(roles.resolve("mark"), PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> b = common("tpl");
        b.addAll(List.of("--format=qcow2", "--pygrub", "--as-template", "--ip=10.9.8.7/24", "--gateway=10.9.8.1",
                "--nameserver=10.9.8.1", "--genpass=0", "--ssh-key=" + key, "--roledir=" + roles, "--role=mark"));
        t0 = System.nanoTime();
        tpl = run("xen-create-image", b.toArray(String[]::new));
        tplSeconds = (System.nanoTime() - t0) / 1e9;
        assertThat(tpl.status()).as(tpl.out() + tpl.err()).isZero();
        System.out.printf("xen-create-image: first image %.1f s, second (warm package cache, qcow2) %.1f s%n", web1Seconds, tplSeconds);
    }

    static String reachable(String url) {
        try {
            HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(
                    HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 ? null : "HTTP " + r.statusCode() + " for " + url;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @AfterAll
    void noStagingLeft() throws Exception {
        if (images != null && Files.isDirectory(images.resolve("domains"))) {
            try (var s = Files.walk(images.resolve("domains"), 2)) {
                assertThat(s.filter(p -> p.getFileName().toString().startsWith(".staging-")).toList()).isEmpty();
            }
        }
    }

    static String exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    static String text(ExtFs fs, String path) throws IOException {
        return new String(fs.readFile(path), StandardCharsets.UTF_8);
    }

    @Test
    @Order(1)
    void theDebootstrappedImageIsCleanAndConfiguredAsAsked() throws Exception {
        assertThat(web1.out()).contains("Installation Summary").contains("[7/7] writing " + etc.resolve("web1.cfg"));
        assertThat(web1.field("Root Password")).isEqualTo(PASSWORD);
        assertThat(web1.field("IP Address(es)")).isEqualTo("dynamic");
        String mac = web1.field("MAC Address");
        assertThat(mac).matches("00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}");
        Path dir = images.resolve("domains/web1");
        Path disk = dir.resolve("disk.img");
        exec("e2fsck", "-fn", disk.toString());
        String swapUuid = exec("blkid", "-o", "value", "-s", "UUID", dir.resolve("swap.img").toString()).strip();
        try (BlockBackend d = BlockBackends.open(disk, BlockBackends.Format.RAW, true)) {
            ExtFs fs = ExtFs.open(d, 0, d.size(), "web1").orElseThrow();
            assertThat(text(fs, "/etc/hostname")).isEqualTo("web1\n");
            assertThat(text(fs, "/etc/hosts")).contains("127.0.1.1\tweb1\n");
            assertThat(text(fs, "/etc/fstab")).contains("UUID=" + fs.uuid() + "\t/\text4\t")
                    .contains("UUID=" + swapUuid + "\tnone\tswap\t");
            assertThat(text(fs, "/etc/systemd/network/50-jxen.network")).contains("Name=en* eth*").contains("DHCP=ipv4");
            assertThat(fs.type("/etc/systemd/system/multi-user.target.wants/systemd-networkd.service")).isPresent();
            assertThat(fs.type("/etc/systemd/system/sysinit.target.wants/jxen-firstboot.service")).isPresent();
            assertThat(text(fs, "/root/.ssh/authorized_keys")).isEqualTo(Files.readString(key));
            String shadowRoot = text(fs, "/etc/shadow").lines().filter(l -> l.startsWith("root:")).findFirst().orElseThrow();
            String hash = shadowRoot.split(":")[1];
            assertThat(hash).startsWith("$6$");
            String salt = hash.split("\\$")[2];
            assertThat(exec("openssl", "passwd", "-6", "-salt", salt, PASSWORD).strip()).as("root's hash is of the password")
                    .isEqualTo(hash);
            // Debian's cloud kernel, and an initramfs with the virtio drivers jxen's disks and vifs need.
            String kernelPath = fs.realPath("/vmlinuz");
            assertThat(kernelPath).matches("/boot/vmlinuz-.*-cloud-amd64");
            assertThat(Files.readAllBytes(dir.resolve("vmlinuz"))).isEqualTo(fs.readFile(kernelPath));
            byte[] initrd = fs.readFile("/initrd.img");
            assertThat(Files.readAllBytes(dir.resolve("initrd.img"))).isEqualTo(initrd);
            List<String> names = initramfsNames(initrd);
            for (String module : List.of("virtio_blk.ko", "virtio_net.ko", "virtio_pci.ko")) {
                assertThat(names).as("the initramfs holds " + module).anyMatch(n -> n.endsWith("/" + module)
                        || n.endsWith("/" + module + ".xz") || n.endsWith("/" + module + ".zst"));
            }
        }
        // The config parses as xl reads it, and names what was made.
        DomainConfigSpec c = DomainConfigSpec.from(XlConfig.parse("web1.cfg", Files.readString(etc.resolve("web1.cfg"))));
        assertThat(c.name()).isEqualTo("web1");
        assertThat(c.memory().targetMiB()).isEqualTo(512);
        assertThat(c.boot().kernel()).contains(dir.resolve("vmlinuz").toString());
        assertThat(c.boot().cmdline().orElseThrow()).startsWith("root=UUID=").endsWith("console=ttyS0");
        assertThat(c.disks()).extracting(x -> x.vdev()).containsExactly("xvda", "xvdb");
        assertThat(c.vifs().get(0).mac()).contains(mac);
        assertThat(Files.readString(logs.resolve("web1.log"))).contains("debootstrap").doesNotContain(PASSWORD);
    }

    @Test
    @Order(2)
    void theTemplateIsAQcow2ThatPygrubBootsWithAStaticNetworkAndNoIdentity() throws Exception {
        Path dir = images.resolve("domains/tpl");
        Path disk = dir.resolve("disk.qcow2");
        String check = exec("qemu-img", "check", disk.toString());
        assertThat(check).contains("No errors were found");
        assertThat(Files.exists(etc.resolve("tpl.cfg"))).as("a template has no config").isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(disk))).isEqualTo("r--r--r--");
        assertThat(tpl.field("IP Address(es)")).isEqualTo("10.9.8.7/24");
        assertThat(tpl.field("Root Password")).isEqualTo("N/A");
        try (BlockBackend d = BlockBackends.open(disk, BlockBackends.Format.DETECT, true)) {
            ExtFs fs = ExtFs.open(d, 0, d.size(), "tpl").orElseThrow();
            assertThat(text(fs, "/etc/systemd/network/50-jxen.network")).contains("Address=10.9.8.7/24")
                    .contains("Gateway=10.9.8.1").contains("DNS=10.9.8.1");
            assertThat(text(fs, "/etc/hosts")).contains("10.9.8.7\ttpl\n");
            assertThat(text(fs, "/etc/machine-id")).isEmpty();
            assertThat(text(fs, "/etc/jxen-role-mark")).startsWith("role ran on " + images.resolve("domains/tpl/.staging-"));
            assertThat(fs.list("/etc/ssh")).noneMatch(e -> e.name().startsWith("ssh_host_"));
            assertThat(text(fs, "/boot/grub/menu.lst")).contains("kernel /vmlinuz root=UUID=" + fs.uuid() + " ro console=ttyS0");
            // bin/pygrub on the qcow2 image writes the same kernel the image holds.
            Path out = Files.createDirectories(tmp.resolve("pygrub-out"));
            String simple = exec(Checkout.bin("pygrub").toString(), "--output-format=simple", "--output-directory=" + out,
                    disk.toString());
            Map<String, String> r = new HashMap<>();
            simple.lines().forEach(l -> r.put(l.substring(0, l.indexOf(' ')), l.substring(l.indexOf(' ') + 1)));
            assertThat(Files.readAllBytes(Path.of(r.get("kernel")))).isEqualTo(fs.readFile("/vmlinuz"));
            assertThat(Files.readAllBytes(Path.of(r.get("ramdisk")))).isEqualTo(fs.readFile("/initrd.img"));
            assertThat(r.get("args")).isEqualTo("root=UUID=" + fs.uuid() + " ro console=ttyS0");
        }
        String list = exec(Checkout.bin("pygrub").toString(), "-l", disk.toString());
        assertThat(list).startsWith("Using /boot/grub/menu.lst on the whole disk\n").contains("title: Debian GNU/Linux (tpl)");
    }

    @Test
    @Order(3)
    void aCloneOfTheTemplateIsAnOverlayWithItsOwnNameAndMac() throws Exception {
        List<String> a = new ArrayList<>(List.of("--hostname=web2", "--dir=" + images, "--output=" + etc, "--from-template=tpl",
                "--swap=64M", "--memory=384M"));
        Run r = run("xen-create-image", a.toArray(String[]::new));
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        System.out.println("xen-create-image --from-template: " + r.field("Time") + " (in the tool, after the JVM started)");
        Path disk = images.resolve("domains/web2/disk.qcow2");
        String info = exec("qemu-img", "info", disk.toString());
        assertThat(info).contains("backing file: " + images.resolve("domains/tpl/disk.qcow2")).contains("backing file format: qcow2");
        assertThat(exec("qemu-img", "check", disk.toString())).contains("No errors were found");
        String cfg = Files.readString(etc.resolve("web2.cfg"));
        DomainConfigSpec c = DomainConfigSpec.from(XlConfig.parse("web2.cfg", cfg));
        assertThat(c.boot().bootloader()).contains("pygrub");
        assertThat(c.boot().cmdline()).contains("jxen.hostname=web2 jxen.net=dhcp");
        assertThat(c.vifs().get(0).mac().orElseThrow()).isNotEqualTo(tpl.field("MAC Address"));
        assertThat(c.vifs().get(0).ip()).isEmpty();
        Run web3 = run("xen-create-image", "--hostname=web3", "--dir=" + images, "--output=" + etc, "--from-template=tpl",
                "--noswap", "--ip=10.9.8.20/24", "--gateway=10.9.8.1", "--nameserver=10.9.8.1");
        assertThat(web3.status()).as(web3.out() + web3.err()).isZero();
        DomainConfigSpec c3 = DomainConfigSpec.from(XlConfig.parse("web3.cfg", Files.readString(etc.resolve("web3.cfg"))));
        assertThat(c3.boot().cmdline()).contains("jxen.hostname=web3 jxen.net=static:10.9.8.20/24:10.9.8.1:10.9.8.1");
        assertThat(c3.vifs().get(0).ip()).contains("10.9.8.20");
        assertThat(c3.disks()).hasSize(1);
        String pg = exec(Checkout.bin("pygrub").toString(), "-n", disk.toString());
        assertThat(pg).startsWith("linux (kernel (not written))(ramdisk (not written))(args \"root=UUID=");
        // --force makes it again: a new overlay and a new MAC.
        Run again = run("xen-create-image", "--hostname=web2", "--dir=" + images, "--output=" + etc, "--from-template=tpl",
                "--swap=64M", "--memory=384M", "--force");
        assertThat(again.status()).as(again.out() + again.err()).isZero();
        assertThat(again.field("MAC Address")).isNotEqualTo(r.field("MAC Address"));
        assertThat(Files.readString(etc.resolve("web2.cfg"))).contains(again.field("MAC Address"));
        String images = exec(Checkout.bin("xen-list-images").toString(), "--dir=" + this.images);
        assertThat(images).contains("Name: tpl\nMemory: 256 MB\nIP: 10.9.8.7 [MAC: ").contains("Template: yes\nConfig: (none: a template)")
                .contains("Name: web1\nMemory: 512 MB\nDHCP [MAC: " + web1.field("MAC Address") + "]\nConfig: " + etc.resolve("web1.cfg"))
                .contains("Name: web2\nMemory: 384 MB\n").contains("Clone of: tpl\n");
    }

    @Test
    @Order(4)
    void copyAndTarInstallsBuildFromASystemAndGiveItItsOwnIdentity() throws Exception {
        // The source: web1's files, taken out of its image by e2fsprogs' debugfs.
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        exec("debugfs", "-R", "rdump / " + tree, images.resolve("domains/web1/disk.img").toString());
        Path tar = tmp.resolve("system.tar");
        exec("tar", "--numeric-owner", "-cf", tar.toString(), "-C", tree.toString(), ".");
        for (String[] method : new String[][] {{"copy", tree.toString(), "web4"}, {"tar", tar.toString(), "web5"}}) {
            Run r = run("xen-create-image", "--hostname=" + method[2], "--dir=" + images, "--output=" + etc,
                    "--install-method=" + method[0], "--install-source=" + method[1], "--size=2G", "--noswap", "--genpass=1");
            assertThat(r.status()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("[1/7] " + (method[0].equals("copy") ? "copying" : "unpacking") + " the system from "
                    + method[1]).contains("SSH Fingerprint :  (the host keys are made at the first boot)");
            assertThat(r.field("Root Password")).hasSize(12);
            Path disk = images.resolve("domains/" + method[2] + "/disk.img");
            exec("e2fsck", "-fn", disk.toString());
            try (BlockBackend d = BlockBackends.open(disk, BlockBackends.Format.RAW, true)) {
                ExtFs fs = ExtFs.open(d, 0, d.size(), method[2]).orElseThrow();
                assertThat(text(fs, "/etc/hostname")).isEqualTo(method[2] + "\n");
                assertThat(text(fs, "/etc/fstab")).contains("UUID=" + fs.uuid() + "\t/\t").doesNotContain("swap");
                assertThat(text(fs, "/etc/machine-id")).isEmpty();
                assertThat(fs.list("/etc/ssh")).noneMatch(e -> e.name().startsWith("ssh_host_"));
            }
        }
        Run d = run("xen-delete-image", "--dir=" + images, "web4", "web5");
        assertThat(d.status()).as(d.err()).isZero();
    }

    @Test
    @Order(5)
    void badRequestsAreRefusedWithTheReasonAndLeaveNothing() throws Exception {
        Path disk = images.resolve("domains/web1/disk.img");
        long size = Files.size(disk);
        var mtime = Files.getLastModifiedTime(disk);
        Run again = run("xen-create-image", common("web1").toArray(String[]::new));
        assertThat(again.status()).isEqualTo(1);
        assertThat(again.err()).contains("an image for web1 exists: " + disk + " (--force replaces it)");
        assertThat(Files.size(disk)).isEqualTo(size);
        assertThat(Files.getLastModifiedTime(disk)).isEqualTo(mtime);

        List<String> dist = common("bad1");
        dist.set(dist.indexOf("--dist=bookworm"), "--dist=nosuchdist");
        Run r = run("xen-create-image", dist.toArray(String[]::new));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("xen-create-image: unknown distribution nosuchdist");

        List<String> ip = common("bad2");
        ip.add("--ip=10.0.0.256");
        r = run("xen-create-image", ip.toArray(String[]::new));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("xen-create-image: ip = 10.0.0.256 is not an IPv4 address (256 > 255)\n");

        List<String> mirror = common("bad3");
        mirror.add("--mirror=http://127.0.0.1:9/debian");
        r = run("xen-create-image", mirror.toArray(String[]::new));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("debootstrap").contains("(log: " + logs.resolve("bad3.log") + ")");
        assertThat(images.resolve("domains/bad3")).as("the partial image is removed").doesNotExist();
        assertThat(etc.resolve("bad3.cfg")).doesNotExist();

        Path small = Files.createDirectories(tmp.resolve("small"));
        exec("mount", "-t", "tmpfs", "-o", "size=64M", "jxen-test", small.toString());
        try {
            List<String> full = common("bad4");
            full.set(full.indexOf("--dir=" + images), "--dir=" + small);
            r = run("xen-create-image", full.toArray(String[]::new));
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains("no space left for the image: " + small + " has ");
            try (var s = Files.list(small)) {
                assertThat(s.toList()).isEmpty();
            }
        } finally {
            exec("umount", small.toString());
        }
        for (String h : List.of("bad1", "bad2", "bad4")) {
            assertThat(images.resolve("domains/" + h)).doesNotExist();
        }
    }

    @Test
    @Order(6)
    void deleteRemovesOnlyWhatWasMadeAndRefusesATemplateInUse() throws Exception {
        Run refused = run("xen-delete-image", "--dir=" + images, "tpl");
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("xen-delete-image: template tpl is the base of web2, web3: delete those first\n");
        assertThat(images.resolve("domains/tpl/disk.qcow2")).exists();

        Path mine = images.resolve("domains/web1/notes.txt");
        Files.writeString(mine, "the administrator's own file");
        Run d1 = run("xen-delete-image", "--dir=" + images, "--verbose", "web1");
        assertThat(d1.status()).as(d1.err()).isZero();
        assertThat(images.resolve("domains/web1/disk.img")).doesNotExist();
        assertThat(images.resolve("domains/web1/vmlinuz")).doesNotExist();
        assertThat(etc.resolve("web1.cfg")).doesNotExist();
        assertThat(mine).exists();
        assertThat(d1.out()).contains("keeping " + images.resolve("domains/web1"));

        Path cfg2 = etc.resolve("web2.cfg");
        Files.writeString(cfg2, Files.readString(cfg2).replace("# Created by jxen's xen-create-image.", "# mine now"));
        Run d2 = run("xen-delete-image", "--dir=" + images, "web2", "--hostname=web3", "tpl");
        assertThat(d2.status()).as(d2.err()).isZero();
        assertThat(cfg2).as("a config the administrator changed stays").exists();
        assertThat(images.resolve("domains/web2")).doesNotExist();
        assertThat(images.resolve("domains/web3")).doesNotExist();
        assertThat(etc.resolve("web3.cfg")).doesNotExist();
        assertThat(images.resolve("domains/tpl")).doesNotExist();
        Run none = run("xen-delete-image", "--dir=" + images, "web2");
        assertThat(none.status()).isEqualTo(1);
        assertThat(none.err()).contains("no image web2 made by xen-create-image");
    }

    /** The file names in an initramfs: concatenated cpio archives (newc), each plain, gzip or zstd. */
    static List<String> initramfsNames(byte[] data) throws Exception {
        List<String> names = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            if (data[at] == 0) {
                at++;
                continue;
            }
            if (data[at] == '0' && at + 6 <= data.length && new String(data, at, 6, StandardCharsets.US_ASCII).equals("070701")) {
                at = cpio(data, at, names);
                continue;
            }
            byte[] rest;
            if ((data[at] & 0xff) == 0x1f && (data[at + 1] & 0xff) == 0x8b) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data, at, data.length - at))) {
                    rest = in.readAllBytes();
                }
            } else if ((data[at] & 0xff) == 0x28 && (data[at + 1] & 0xff) == 0xb5) {
                Process p = new ProcessBuilder("zstd", "-dc").start();
                final int from = at;
                Thread feed = Thread.ofVirtual().start(() -> {
                    try (var o = p.getOutputStream()) {
                        o.write(data, from, data.length - from);
                    } catch (IOException ignored) {
                        // zstd stops reading at the end of its frame
                    }
                });
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                p.getInputStream().transferTo(out);
                feed.join();
                p.waitFor();
                rest = out.toByteArray();
            } else {
                throw new AssertionError("unknown initramfs segment at byte " + at);
            }
            int end = 0;
            while (end < rest.length) {
                if (rest[end] == 0) {
                    end++;
                    continue;
                }
                end = cpio(rest, end, names);
            }
            break;
        }
        return names;
    }

    /** Reads one newc cpio archive from {@code at}; returns where it ends. */
    static int cpio(byte[] d, int at, List<String> names) {
        while (true) {
            String h = new String(d, at, 110, StandardCharsets.US_ASCII);
            assertThat(h).startsWith("070701");
            int fileSize = Integer.parseInt(h.substring(54, 62), 16);
            int nameSize = Integer.parseInt(h.substring(94, 102), 16);
            String name = new String(d, at + 110, nameSize - 1, StandardCharsets.UTF_8);
            int dataStart = (at + 110 + nameSize + 3) & ~3;
            at = (dataStart + fileSize + 3) & ~3;
            if (name.equals("TRAILER!!!")) {
                return at;
            }
            names.add(name);
        }
    }
}
