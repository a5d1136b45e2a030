package org.jxen.block.raw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jxen.block.BlockBackends;
import org.jxen.block.ImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawImageTest {
    @TempDir
    Path dir;

    @Test
    void writesReachTheFileAndReadsComeBack() throws Exception {
        Path img = dir.resolve("d.img");
        Files.write(img, new byte[1 << 20]);
        try (RawImage r = RawImage.open(img, false)) {
            assertThat(r.size()).isEqualTo(1 << 20);
            r.write(4096, ByteBuffer.wrap("hello, disk".repeat(100).substring(0, 1024).getBytes()));
            r.flush();
            ByteBuffer back = ByteBuffer.allocate(1024);
            r.read(4096, back);
            assertThat(new String(back.array())).startsWith("hello, disk");
            r.writeZeroes(4096, 512);
        }
        byte[] file = Files.readAllBytes(img);
        assertThat(file[4096]).isZero();
        assertThat(file[4096 + 512]).isNotZero();
    }

    @Test
    void badImagesAndRequestsAreRefusedWithTheImageNamed() throws Exception {
        Path odd = dir.resolve("odd.img");
        Files.write(odd, new byte[1000]);
        assertThatThrownBy(() -> RawImage.open(odd, false)).isInstanceOf(ImageException.class)
                .hasMessage("raw image " + odd + " is 1000 bytes, not a multiple of 512 (a disk is made of whole sectors)");
        assertThatThrownBy(() -> RawImage.open(dir.resolve("none.img"), false)).hasMessageContaining("does not exist");
        Path img = dir.resolve("d.img");
        Files.write(img, new byte[4096]);
        try (RawImage ro = RawImage.open(img, true)) {
            assertThatThrownBy(() -> ro.write(0, ByteBuffer.allocate(512))).hasMessageContaining("is read-only");
            assertThatThrownBy(() -> ro.read(4096, ByteBuffer.allocate(512))).hasMessageContaining("go past the end");
            assertThatThrownBy(() -> ro.read(100, ByteBuffer.allocate(512))).hasMessageContaining("multiples of 512");
        }
        assertThat(BlockBackends.open(img, BlockBackends.Format.DETECT, true)).isInstanceOf(RawImage.class);
    }
}
