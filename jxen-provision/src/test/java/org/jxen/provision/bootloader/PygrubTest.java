package org.jxen.provision.bootloader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.block.qcow2.Qcow2Create;
import org.jxen.block.raw.RawImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disks laid out as guests have them, made by sfdisk and mke2fs -d; the bootloader reads them as pygrub would. */
class PygrubTest {
    @TempDir
    Path tmp;

    byte[] kernel;
    byte[] initrd;
    byte[] ucode;

    @BeforeEach
    void files() {
        kernel = bytes(1, 2_000_003);
        initrd = bytes(2, 900_001);
        ucode = bytes(3, 4096);
    }

    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    static void requireTools() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mke2fs")) || Files.isExecutable(Path.of("/sbin/mke2fs")),
                "mke2fs is not installed (Debian: e2fsprogs)");
    }

    /** A root tree with a kernel, initrd, Debian's links, and optionally a GRUB config. */
    Path tree(String name, String grubCfg, String menuLst) throws Exception {
        Path root = Files.createDirectories(tmp.resolve(name));
        Files.createDirectories(root.resolve("boot/grub"));
        Files.write(root.resolve("boot/vmlinuz-6.1.0-9-cloud-amd64"), kernel);
        Files.write(root.resolve("boot/initrd.img-6.1.0-9-cloud-amd64"), initrd);
        Files.write(root.resolve("boot/intel-ucode.img"), ucode);
        Files.createSymbolicLink(root.resolve("vmlinuz"), Path.of("boot/vmlinuz-6.1.0-9-cloud-amd64"));
        Files.createSymbolicLink(root.resolve("initrd.img"), Path.of("boot/initrd.img-6.1.0-9-cloud-amd64"));
        if (grubCfg != null) {
            Files.writeString(root.resolve("boot/grub/grub.cfg"), grubCfg);
        }
        if (menuLst != null) {
            Files.writeString(root.resolve("boot/grub/menu.lst"), menuLst);
        }
        return root;
    }

    Path wholeDisk(Path tree) throws Exception {
        requireTools();
        Path img = tmp.resolve(tree.getFileName() + ".img");
        run("mke2fs", "-q", "-F", "-t", "ext4", "-d", tree.toString(), img.toString(), "32M");
        return img;
    }

    Pygrub.Boot boot(Path img, List<String> args) throws Exception {
        try (BlockBackend d = BlockBackends.open(img, BlockBackends.Format.DETECT, true)) {
            return Pygrub.load(Pygrub.scan(d), Pygrub.Choice.parse(args));
        }
    }

    static final String GRUB_CFG = """
            set default="1"
            menuentry 'Debian' {
            	linux	/boot/vmlinuz-6.1.0-9-cloud-amd64 root=UUID=aaaa ro quiet
            	initrd	/boot/initrd.img-6.1.0-9-cloud-amd64
            }
            menuentry 'Debian with microcode' {
            	linux	/boot/vmlinuz-6.1.0-9-cloud-amd64 root=UUID=aaaa ro console=ttyS0
            	initrd	/boot/intel-ucode.img /boot/initrd.img-6.1.0-9-cloud-amd64
            }
            """;

    @Test
    void theDefaultEntryOfGrubCfgBootsWithItsKernelAndTheInitrdsJoined() throws Exception {
        Path img = wholeDisk(tree("grub2", GRUB_CFG, null));
        Pygrub.Boot b = boot(img, List.of());
        assertThat(b.entry().title()).isEqualTo("Debian with microcode");
        assertThat(b.entry().args()).isEqualTo("root=UUID=aaaa ro console=ttyS0");
        assertThat(b.kernel()).isEqualTo(kernel);
        byte[] joined = new byte[ucode.length + initrd.length];
        System.arraycopy(ucode, 0, joined, 0, ucode.length);
        System.arraycopy(initrd, 0, joined, ucode.length, initrd.length);
        assertThat(b.ramdisk()).hasValueSatisfying(r -> assertThat(r).isEqualTo(joined));
        // bootloader_args choose another entry, or replace its parts.
        assertThat(boot(img, List.of("--entry=0")).entry().title()).isEqualTo("Debian");
        assertThat(boot(img, List.of("--entry", "Debian")).ramdisk()).hasValueSatisfying(r -> assertThat(r).isEqualTo(initrd));
        Pygrub.Boot custom = boot(img, List.of("--kernel=/vmlinuz", "--ramdisk=/initrd.img", "--args=root=/dev/vda ro"));
        assertThat(custom.kernel()).isEqualTo(kernel);
        assertThat(custom.entry().args()).isEqualTo("root=/dev/vda ro");
        assertThatThrownBy(() -> boot(img, List.of("--entry=5"))).hasMessageContaining("has 2 entries (0 to 1)");
        assertThatThrownBy(() -> boot(img, List.of("--entry=Nope"))).hasMessageContaining("no entry of that title");
        assertThatThrownBy(() -> boot(img, List.of("--bogus"))).hasMessageContaining("--bogus is not one pygrub takes");
    }

    @Test
    void aQcow2ImageIsReadAsItsRawTwin() throws Exception {
        Path raw = wholeDisk(tree("q", GRUB_CFG, null));
        Path q = tmp.resolve("disk.qcow2");
        try (RawImage r = RawImage.open(raw, true)) {
            Qcow2Create.copy(r, q, done -> { });
        }
        assertThat(boot(q, List.of()).kernel()).isEqualTo(kernel);
    }

    @Test
    void menuLstAndTheVmlinuzLinksServeWhenThereIsNoGrubCfg() throws Exception {
        Path legacy = wholeDisk(tree("legacy", null, "default 0\ntitle jxen\nkernel /vmlinuz root=UUID=x ro\ninitrd /initrd.img\n"));
        Pygrub.Boot b = boot(legacy, List.of());
        assertThat(b.entry().args()).isEqualTo("root=UUID=x ro");
        assertThat(b.ramdisk()).hasValueSatisfying(r -> assertThat(r).isEqualTo(initrd));
        Path links = wholeDisk(tree("links", null, null));
        try (BlockBackend d = RawImage.open(links, true)) {
            Pygrub.Found f = Pygrub.scan(d);
            assertThat(f.source()).isEqualTo("/vmlinuz on the whole disk");
            BootEntry e = f.menu().entries().get(0);
            assertThat(e.title()).isEqualTo("Linux (/boot/vmlinuz-6.1.0-9-cloud-amd64)");
            assertThat(e.args()).isEqualTo("root=UUID=" + f.fs().uuid() + " ro");
            assertThat(Pygrub.load(f, Pygrub.Choice.DEFAULT).kernel()).isEqualTo(kernel);
        }
    }

    @Test
    void aPartitionedDiskWithASeparateBootPartitionIsSearched() throws Exception {
        requireTools();
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sfdisk")) || Files.isExecutable(Path.of("/sbin/sfdisk")),
                "sfdisk is not installed (Debian: fdisk)");
        // /boot as its own partition 2 (paths in its grub.cfg are relative to it), swap as 1, root as 3.
        Path boot = Files.createDirectories(tmp.resolve("bootpart/grub"));
        Files.write(boot.resolveSibling("vmlinuz-x"), kernel);
        Files.write(boot.resolveSibling("initrd.img-x"), initrd);
        Files.writeString(boot.resolve("grub.cfg"), "menuentry 'sep' {\n linux /vmlinuz-x root=/dev/vda3\n initrd /initrd.img-x\n}\n");
        Path img = tmp.resolve("parted.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        Process p = new ProcessBuilder("sfdisk", "-q", img.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write("label: gpt\nsize=8M, type=S\nsize=24M, type=L\ntype=L\n".getBytes());
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        run("mke2fs", "-q", "-F", "-t", "ext2", "-d", boot.getParent().toString(), "-E", "offset=" + (9L << 20), img.toString(), "24M");
        Pygrub.Boot b = boot(img, List.of());
        assertThat(b.entry().title()).isEqualTo("sep");
        assertThat(b.kernel()).isEqualTo(kernel);
        try (BlockBackend d = RawImage.open(img, true)) {
            assertThat(Pygrub.scan(d).source()).isEqualTo("/grub/grub.cfg on partition 2");
        }
    }

    @Test
    void aDiskWithNothingToBootSaysSo() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty/etc"));
        Path img = wholeDisk(empty.getParent());
        assertThatThrownBy(() -> boot(img, List.of())).hasMessageContaining("no GRUB menu (grub.cfg, menu.lst) and no /vmlinuz");
        Path zeros = tmp.resolve("zeros.img");
        Files.write(zeros, new byte[1 << 20]);
        assertThatThrownBy(() -> boot(zeros, List.of())).hasMessageContaining("no ext2/3/4 filesystem on the disk");
        Path missing = wholeDisk(tree("missing", "menuentry 'x' {\n linux /boot/nothere\n}\n", null));
        assertThatThrownBy(() -> boot(missing, List.of())).hasMessageContaining("the kernel /boot/nothere named by /boot/grub/grub.cfg");
    }
}
