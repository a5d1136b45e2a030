package org.jxen.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

import org.jxen.block.Images;
import org.jxen.block.raw.RawImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New images and overlays, checked by QEMU's own qemu-img. */
class Qcow2CreateTest {
    @TempDir
    Path tmp;

    @Test
    void aNewImageIsWhatQemuImgExpectsAndTakesWritesPastTwoGigabytes() throws Exception {
        Path img = tmp.resolve("new.qcow2");
        Qcow2Create.create(img, 8L << 30, Optional.empty(), Optional.empty());
        Images.assertClean(img);
        assertThat(Images.qemuImg("info", img.toString())).contains("virtual size: 8 GiB").contains("compat: 1.1");
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            q.write(0, ByteBuffer.wrap(data));
            q.write(5L << 30, ByteBuffer.wrap(data));
            q.flush();
        }
        Images.assertClean(img);
        Path raw = tmp.resolve("raw");
        Images.qemuImg("convert", "-O", "raw", img.toString(), raw.toString());
        try (var ch = java.nio.channels.FileChannel.open(raw)) {
            ByteBuffer b = ByteBuffer.allocate(data.length);
            ch.read(b, 5L << 30);
            assertThat(b.array()).isEqualTo(data);
        }
        assertThatThrownBy(() -> Qcow2Create.create(img, 1 << 20, Optional.empty(), Optional.empty()))
                .hasMessage("qcow2 image " + img + " already exists");
    }

    @Test
    void anOverlayReadsItsBackingFileAndKeepsItsOwnWrites() throws Exception {
        Path base = tmp.resolve("base.raw");
        byte[] data = new byte[4 << 20];
        new Random(3).nextBytes(data);
        Files.write(base, data);
        Path overlay = tmp.resolve("clone.qcow2");
        Qcow2Create.create(overlay, data.length, Optional.of("base.raw"), Optional.of("raw"));
        Images.assertClean(overlay);
        assertThat(Images.qemuImg("info", overlay.toString())).contains("backing file: base.raw").contains("backing file format: raw");
        try (Qcow2Image q = Qcow2Image.open(overlay, false)) {
            ByteBuffer b = ByteBuffer.allocate(data.length);
            q.read(0, b);
            assertThat(b.array()).isEqualTo(data);
            q.write(512, ByteBuffer.wrap(new byte[512]));
            q.flush();
        }
        Images.assertClean(overlay);
        assertThat(Files.readAllBytes(base)).as("the backing file is untouched").isEqualTo(data);
        byte[] expected = data.clone();
        java.util.Arrays.fill(expected, 512, 1024, (byte) 0);
        assertThat(Images.asRaw(overlay, tmp)).isEqualTo(expected);
    }

    @Test
    void aCopyLeavesOutZeroClustersAndReadsTheSame() throws Exception {
        Path raw = tmp.resolve("disk.raw");
        byte[] data = new byte[32 << 20];
        new Random(5).nextBytes(data);
        java.util.Arrays.fill(data, 1 << 20, 30 << 20, (byte) 0);
        Files.write(raw, data);
        Path q = tmp.resolve("disk.qcow2");
        long[] last = {0};
        try (RawImage src = RawImage.open(raw, true)) {
            Qcow2Create.copy(src, q, done -> last[0] = done);
        }
        assertThat(last[0]).isEqualTo(data.length);
        Images.assertClean(q);
        assertThat(Files.size(q)).isLessThan(8L << 20);
        assertThat(Images.asRaw(q, tmp)).isEqualTo(data);
    }
}
