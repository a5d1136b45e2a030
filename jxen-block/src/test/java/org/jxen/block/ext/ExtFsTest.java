package org.jxen.block.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.jxen.block.BlockBackend;
import org.jxen.block.ImageException;
import org.jxen.block.Images;
import org.jxen.block.raw.RawImage;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Filesystems made by e2fsprogs' own mke2fs -d from a directory the test fills, read back without mounting. */
class ExtFsTest {
    @TempDir
    Path tmp;

    static void requireE2fsprogs() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mke2fs")) || Files.isExecutable(Path.of("/sbin/mke2fs")),
                "mke2fs is not installed (Debian: e2fsprogs)");
    }

    /** A tree with what a bootloader meets: kernel-sized files, links as Debian makes them, a big directory. */
    Path tree() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tree"));
        Path boot = Files.createDirectories(root.resolve("boot/grub"));
        Files.write(boot.resolve("../vmlinuz-6.1.0-test"), pattern(1, 3 * 1024 * 1024 + 17));
        Files.write(boot.resolve("../initrd.img-6.1.0-test"), pattern(2, 700 * 1024 + 3));
        Files.writeString(boot.resolve("grub.cfg"), "menuentry 'Debian' {\n}\n");
        Files.createSymbolicLink(root.resolve("vmlinuz"), Path.of("boot/vmlinuz-6.1.0-test"));
        Files.createSymbolicLink(root.resolve("initrd.img"), Path.of("/boot/initrd.img-6.1.0-test"));
        // A slow symlink: a target longer than the 60 bytes an inode holds.
        Files.createSymbolicLink(root.resolve("long"), Path.of("boot/../boot/./grub/../../boot/grub/../grub/../grub/grub.cfg"));
        Files.createSymbolicLink(root.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(root.resolve("loop2"), Path.of("loop1"));
        Path many = Files.createDirectories(root.resolve("etc/many"));
        for (int i = 0; i < 600; i++) {
            Files.writeString(many.resolve("file-with-a-longish-name-" + i), Integer.toString(i));
        }
        Files.writeString(root.resolve("etc/hostname"), "web1\n");
        return root;
    }

    static byte[] pattern(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    Path mkfs(String type, Path root, String... extra) throws Exception {
        requireE2fsprogs();
        Path img = tmp.resolve(type + ".img");
        List<String> cmd = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-t", type, "-d", root.toString(), "-L", "jxroot"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of(img.toString(), "16M"));
        Images.Run r = Images.run(cmd.toArray(String[]::new));
        assertThat(r.status()).as(r.output()).isZero();
        return img;
    }

    ExtFs open(BlockBackend disk) throws Exception {
        return ExtFs.open(disk, 0, disk.size(), "test image").orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext3", "ext4", "ext4-64bit-1k"})
    void filesLinksAndDirectoriesReadBackAsTheyWereWritten(String kind) throws Exception {
        Path root = tree();
        Path img = switch (kind) {
            case "ext4-64bit-1k" -> mkfs("ext4", root, "-O", "64bit", "-b", "1024");
            default -> mkfs(kind, root);
        };
        try (BlockBackend disk = RawImage.open(img, true)) {
            ExtFs fs = open(disk);
            assertThat(fs.label()).isEqualTo("jxroot");
            Images.Run blkid = Images.run("blkid", "-o", "value", "-s", "UUID", img.toString());
            assertThat(fs.uuid()).isEqualTo(blkid.output().strip());
            assertThat(fs.readFile("/vmlinuz")).isEqualTo(Files.readAllBytes(root.resolve("boot/vmlinuz-6.1.0-test")));
            assertThat(fs.readFile("/initrd.img")).isEqualTo(Files.readAllBytes(root.resolve("boot/initrd.img-6.1.0-test")));
            assertThat(fs.realPath("/vmlinuz")).isEqualTo("/boot/vmlinuz-6.1.0-test");
            assertThat(fs.realPath("/initrd.img")).isEqualTo("/boot/initrd.img-6.1.0-test");
            assertThat(fs.readLink("/vmlinuz")).isEqualTo("boot/vmlinuz-6.1.0-test");
            assertThat(new String(fs.readFile("/long"))).isEqualTo("menuentry 'Debian' {\n}\n");
            assertThat(fs.readFile("etc/hostname")).asString().isEqualTo("web1\n");
            List<ExtFs.Entry> many = fs.list("/etc/many");
            assertThat(many).hasSize(602);
            assertThat(fs.readFile("/etc/many/file-with-a-longish-name-599")).asString().isEqualTo("599");
            assertThat(fs.type("/boot/grub")).contains(ExtFs.Type.DIRECTORY);
            assertThat(fs.type("/boot/nothing")).isEmpty();
            assertThatThrownBy(() -> fs.readFile("/boot")).hasMessage("test image: /boot is not a regular file");
            assertThatThrownBy(() -> fs.readFile("/loop1")).hasMessageContaining("more than 8 symbolic links");
            assertThatThrownBy(() -> fs.readFile("/nothing")).isInstanceOf(ExtFs.NoSuchFile.class);
        }
    }

    @Test
    void sparseFilesReadAsZerosWhereNothingWasWritten() throws Exception {
        requireE2fsprogs();
        Path root = Files.createDirectories(tmp.resolve("sparse"));
        Path f = root.resolve("holes");
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("start".getBytes()), 0);
            ch.write(java.nio.ByteBuffer.wrap("end".getBytes()), 5 * 1024 * 1024);
        }
        for (String type : List.of("ext2", "ext4")) {
            Path img = mkfs(type, root);
            try (BlockBackend disk = RawImage.open(img, true)) {
                assertThat(open(disk).readFile("/holes")).isEqualTo(Files.readAllBytes(f));
            }
        }
    }

    @Test
    void somethingElseIsNoExtFilesystem() throws Exception {
        Path img = tmp.resolve("zeros.img");
        Files.write(img, new byte[1 << 20]);
        try (BlockBackend disk = RawImage.open(img, true)) {
            assertThat(ExtFs.open(disk, 0, disk.size(), "zeros")).isEmpty();
        }
    }

    /** e2fsprogs' debugfs damages one field; the reader says what is wrong instead of reading garbage or looping. */
    @Test
    void damagedFilesystemsAreRefusedWithTheReason() throws Exception {
        Path root = tree();
        record Damage(String debugfs, String path, String message) {}
        List<Damage> cases = List.of(
                new Damage("set_inode_field /boot/vmlinuz-6.1.0-test block[0] 0x1234", "/vmlinuz", "damaged extent node"),
                new Damage("set_inode_field /boot/vmlinuz-6.1.0-test block[5] 0x7fffff0", "/vmlinuz", "lies outside the filesystem"),
                new Damage("set_inode_field /etc/hostname block[5] 0", "/etc/hostname", "(blocks 0+1) lies outside"),
                new Damage("set_super_value inodes_count 1", "/etc/hostname", "outside 1..1"),
                new Damage("set_super_value blocks_count 99999999", "/etc/hostname", "do not fit"));
        for (Damage d : cases) {
            Path img = mkfs("ext4", root);
            Images.Run r = Images.run("debugfs", "-w", "-R", d.debugfs(), img.toString());
            assertThat(r.status()).as(r.output()).isZero();
            try (BlockBackend disk = RawImage.open(img, true)) {
                assertThatThrownBy(() -> open(disk).readFile(d.path())).as(d.debugfs()).isInstanceOf(ImageException.class)
                        .hasMessageContaining("damaged ext filesystem").hasMessageContaining(d.message());
            }
        }
    }

    @Test
    void featuresItCannotReadAreNamed() throws Exception {
        Path root = tree();
        Path img = mkfs("ext4", root, "-O", "inline_data");
        try (BlockBackend disk = RawImage.open(img, true)) {
            assertThatThrownBy(() -> open(disk)).hasMessage("test image: the ext filesystem uses inline_data, which jxen cannot read");
        }
    }
}
