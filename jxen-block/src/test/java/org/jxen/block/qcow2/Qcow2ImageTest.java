package org.jxen.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.block.ImageException;
import org.jxen.block.Images;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** qcow2 against QEMU's own tools: what qemu-img writes jxen reads, and what jxen writes qemu-img checks clean. */
class Qcow2ImageTest {
    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        Images.require("qemu-img");
    }

    static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    Path create(String name, String size, String... opts) throws Exception {
        Path img = dir.resolve(name);
        String[] args = new String[5 + opts.length];
        args[0] = "create";
        args[1] = "-q";
        args[2] = "-f";
        args[3] = "qcow2";
        System.arraycopy(opts, 0, args, 4, opts.length);
        args[4 + opts.length] = img.toString();
        String[] withSize = Arrays.copyOf(args, args.length + 1);
        withSize[args.length] = size;
        Images.qemuImg(withSize);
        return img;
    }

    @ParameterizedTest
    @ValueSource(strings = {"compat=1.1", "compat=0.10", "compat=1.1,cluster_size=4096", "compat=1.1,refcount_bits=64"})
    void whatJxenWritesQemuReadsAndChecksClean(String options) throws Exception {
        Path img = create("w.qcow2", "8M", "-o", options);
        byte[] model = new byte[8 << 20];
        Random r = new Random(42);
        try (BlockBackend q = BlockBackends.open(img, BlockBackends.Format.DETECT, false)) {
            assertThat(q).isInstanceOf(Qcow2Image.class);
            assertThat(q.size()).isEqualTo(8 << 20);
            for (int i = 0; i < 200; i++) {
                int sectors = 1 + r.nextInt(300);
                long offset = 512L * r.nextInt((model.length / 512) - sectors);
                byte[] data = pattern(sectors * 512, i);
                q.write(offset, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, model, (int) offset, data.length);
            }
            q.writeZeroes(1 << 20, 1 << 20);
            Arrays.fill(model, 1 << 20, 2 << 20, (byte) 0);
            q.flush();
            ByteBuffer all = ByteBuffer.allocate(model.length);
            q.read(0, all);
            assertThat(Arrays.equals(all.array(), model)).as("jxen reads back what it wrote").isTrue();
        }
        Images.assertClean(img);
        assertThat(Arrays.equals(Images.asRaw(img, dir), model)).as("qemu-img reads what jxen wrote").isTrue();
    }

    @Test
    void readsWhatQemuWroteAndSmallClustersNeedManyRefcountBlocks() throws Exception {
        Path img = create("q.qcow2", "2M", "-o", "cluster_size=512");
        Images.require("qemu-io");
        Images.Run io = Images.run("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 4096 65536", img.toString());
        assertThat(io.status()).as(io.output()).isZero();
        byte[] model = new byte[2 << 20];
        Arrays.fill(model, 4096, 4096 + 65536, (byte) 0xab);
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            ByteBuffer b = ByteBuffer.allocate(model.length);
            q.read(0, b);
            assertThat(Arrays.equals(b.array(), model)).isTrue();
            // Every cluster of the disk: thousands of 512-byte clusters, each a refcount entry,
            // over many refcount blocks (256 entries each).
            byte[] data = pattern(model.length, 7);
            q.write(0, ByteBuffer.wrap(data));
            model = data;
        }
        Images.assertClean(img);
        assertThat(Arrays.equals(Images.asRaw(img, dir), model)).isTrue();
    }

    @Test
    void compressedClustersReadAndCanBeOverwritten() throws Exception {
        Path raw = dir.resolve("src.raw");
        byte[] model = new byte[4 << 20];
        for (int i = 0; i < model.length; i += 4096) {
            Arrays.fill(model, i, i + 2048, (byte) (i >> 12));
        }
        Files.write(raw, model);
        Path img = dir.resolve("c.qcow2");
        Images.qemuImg("convert", "-c", "-O", "qcow2", raw.toString(), img.toString());
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            ByteBuffer b = ByteBuffer.allocate(model.length);
            q.read(0, b);
            assertThat(Arrays.equals(b.array(), model)).as("compressed clusters inflate to the source").isTrue();
            byte[] data = pattern(1024, 3);
            q.write(70_000 & ~511, ByteBuffer.wrap(data));
            System.arraycopy(data, 0, model, 70_000 & ~511, data.length);
        }
        Images.assertClean(img);
        assertThat(Arrays.equals(Images.asRaw(img, dir), model)).isTrue();
    }

    @Test
    void aBackingFileShowsThroughAndPartialWritesCopyItsRest() throws Exception {
        Path base = dir.resolve("base.raw");
        byte[] model = pattern(4 << 20, 11);
        Files.write(base, model);
        Path img = create("overlay.qcow2", "6M", "-b", base.getFileName().toString(), "-F", "raw");
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            ByteBuffer b = ByteBuffer.allocate(6 << 20);
            q.read(0, b);
            assertThat(Arrays.equals(Arrays.copyOf(b.array(), 4 << 20), model)).isTrue();
            assertThat(b.array()[(5 << 20)]).as("past the backing file: zeros").isZero();
            byte[] data = pattern(512, 5);
            q.write(1536, ByteBuffer.wrap(data));
            System.arraycopy(data, 0, model, 1536, 512);
            q.writeZeroes(65536, 65536);
            Arrays.fill(model, 65536, 131072, (byte) 0);
        }
        Images.assertClean(img);
        assertThat(Arrays.equals(Arrays.copyOf(Images.asRaw(img, dir), 4 << 20), model)).isTrue();
        assertThat(Arrays.equals(Files.readAllBytes(base), Arrays.copyOf(Files.readAllBytes(base), 4 << 20)))
                .as("the backing file is never written").isTrue();
    }

    /** Overwrites bytes of the image at {@code offset} (a damaged file, as a test makes one). */
    void damage(Path img, long offset, ByteBuffer bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(bytes, offset);
        }
    }

    @Test
    void damagedHeadersAreRefusedWithTheFieldNamed() throws Exception {
        Path img = create("bad.qcow2", "8M");
        byte[] good = Files.readAllBytes(img);
        record Case(int offset, ByteBuffer bytes, String message) {}
        Case[] cases = {
            new Case(4, ByteBuffer.allocate(4).putInt(0, 4), "qcow2 version 4"),
            new Case(20, ByteBuffer.allocate(4).putInt(0, 40), "cluster_bits 40"),
            new Case(32, ByteBuffer.allocate(4).putInt(0, 1), "is encrypted"),
            new Case(40, ByteBuffer.allocate(8).putLong(0, 1L << 40), "the L1 table"),
            new Case(48, ByteBuffer.allocate(8).putLong(0, 12345), "the refcount table"),
            new Case(36, ByteBuffer.allocate(4).putInt(0, 0), "l1_size 0"),
            new Case(72, ByteBuffer.allocate(8).putLong(0, 1L << 40), "unknown incompatible qcow2 features"),
            new Case(72, ByteBuffer.allocate(8).putLong(0, 2), "is marked corrupt"),
            new Case(72, ByteBuffer.allocate(8).putLong(0, 1), "dirty bit"),
        };
        for (Case c : cases) {
            Files.write(img, good);
            damage(img, c.offset, c.bytes);
            assertThatThrownBy(() -> Qcow2Image.open(img, false).close()).as(c.message).isInstanceOf(ImageException.class)
                    .hasMessageContaining(c.message).hasMessageContaining(img.toString());
        }
        Files.write(img, good);
        damage(img, 0, ByteBuffer.allocate(4).putInt(0, 0x12345678));
        assertThatThrownBy(() -> Qcow2Image.open(img, true)).hasMessageContaining("is not a qcow2 image");
    }

    @Test
    void aCorruptL2PointerFailsThatRequestOnly() throws Exception {
        // 1 GiB: two L1 entries (one L2 table maps 512 MiB at 64 KiB clusters); the first is damaged.
        Path img = create("l2.qcow2", "1G");
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            q.write(0, ByteBuffer.wrap(pattern(512, 1)));
        }
        long l1 = Qcow2Image.open(img, true).header().l1TableOffset();
        damage(img, l1, ByteBuffer.allocate(8).putLong(0, Qcow2Image.COPIED | (1L << 40)));
        try (Qcow2Image q = Qcow2Image.open(img, true)) {
            assertThatThrownBy(() -> q.read(0, ByteBuffer.allocate(512))).hasMessageContaining("is corrupt")
                    .hasMessageContaining("an L2 table");
            ByteBuffer far = ByteBuffer.allocate(512);
            q.read(600L << 20, far);
            assertThat(far.array()).containsOnly(0);
        }
    }

    @Test
    void aCorruptRefcountTableStopsWritesBeforeAnyDataMoves() throws Exception {
        Path img = create("rc.qcow2", "8M");
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            q.write(0, ByteBuffer.wrap(pattern(512, 9)));
        }
        long rt = Qcow2Image.open(img, true).header().refcountTableOffset();
        // The first refcount block pointer now points far past the end of the file.
        damage(img, rt, ByteBuffer.allocate(8).putLong(0, 1L << 40));
        long sizeBefore = Files.size(img);
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            assertThatThrownBy(() -> q.write(1 << 20, ByteBuffer.wrap(pattern(512, 10)))).hasMessageContaining("is corrupt")
                    .hasMessageContaining("a refcount block");
            ByteBuffer first = ByteBuffer.allocate(512);
            q.read(0, first);
            assertThat(first.array()).as("data already there is untouched").isEqualTo(pattern(512, 9));
        }
        assertThat(Files.size(img)).as("nothing written past the damage").isLessThanOrEqualTo(sizeBefore + (64 << 10));
    }

    @Test
    void aMissingBackingFileIsNamed() throws Exception {
        Path base = dir.resolve("base.raw");
        Files.write(base, new byte[1 << 20]);
        Path img = create("o.qcow2", "1M", "-b", base.toString(), "-F", "raw");
        Files.delete(base);
        assertThatThrownBy(() -> Qcow2Image.open(img, true)).hasMessageContaining("backing file")
                .hasMessageContaining(base.toString());
    }
}
