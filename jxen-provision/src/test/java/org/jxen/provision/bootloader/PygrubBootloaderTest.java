package org.jxen.provision.bootloader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jxen.toolstack.domain.Bootloader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PygrubBootloaderTest {
    @TempDir
    Path tmp;

    @Test
    void itTakesPygrubByNameOrPathAndWritesTheChosenFiles() throws Exception {
        PygrubBootloader b = new PygrubBootloader();
        assertThat(b.handles("pygrub")).isTrue();
        assertThat(b.handles("/usr/lib/xen/bin/pygrub")).isTrue();
        assertThat(b.handles("/usr/bin/grub-xen")).isFalse();
        PygrubTest.requireTools();
        Path root = Files.createDirectories(tmp.resolve("root/boot/grub")).getParent().getParent();
        Files.writeString(root.resolve("boot/k"), "KERNEL");
        Files.writeString(root.resolve("boot/i"), "INITRD");
        Files.writeString(root.resolve("boot/grub/grub.cfg"), "menuentry 'a' {\n linux /boot/k root=/dev/vda\n initrd /boot/i\n}\n");
        Path img = tmp.resolve("d.img");
        PygrubTest.run("mke2fs", "-q", "-F", "-t", "ext4", "-d", root.toString(), img.toString(), "8M");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Bootloader.Loaded l = b.load(List.of("--args=root=/dev/vda ro quiet"), img, out);
        assertThat(Files.readString(l.kernel())).isEqualTo("KERNEL");
        assertThat(Files.readString(l.ramdisk().orElseThrow())).isEqualTo("INITRD");
        assertThat(l.cmdline()).isEqualTo("root=/dev/vda ro quiet");
        assertThatThrownBy(() -> b.load(List.of(), tmp.resolve("missing.img"), out)).hasMessageContaining("does not exist");
    }
}
