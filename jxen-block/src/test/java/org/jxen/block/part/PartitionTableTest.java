package org.jxen.block.part;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jxen.block.BlockBackend;
import org.jxen.block.ImageException;
import org.jxen.block.Images;
import org.jxen.block.ext.ExtFs;
import org.jxen.block.raw.RawImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables written by util-linux's sfdisk, read back; damage done to them by the test. */
class PartitionTableTest {
    static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    Path disk(String name, String script) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sfdisk")) || Files.isExecutable(Path.of("/sbin/sfdisk")),
                "sfdisk is not installed (Debian: fdisk)");
        Path img = tmp.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(64 * MIB);
        }
        Process p = new ProcessBuilder("sfdisk", "-q", img.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return img;
    }

    static List<Partition> read(Path img) throws Exception {
        try (BlockBackend d = RawImage.open(img, true)) {
            return PartitionTable.read(d);
        }
    }

    @Test
    void anMbrWithPrimaryAndLogicalPartitionsReadsAsLinuxNumbersThem() throws Exception {
        Path img = disk("mbr.img", "label: dos\n,8M,83,*\n,8M,82\n,,5\n,10M,83\n,,83\n");
        List<Partition> parts = read(img);
        assertThat(parts).extracting(Partition::number).containsExactly(1, 2, 3, 5, 6);
        assertThat(parts.get(0)).isEqualTo(new Partition(1, MIB, 8 * MIB, "83", "", true));
        assertThat(parts.get(1).type()).isEqualTo("82");
        assertThat(parts.get(1).holdsNoFilesystem()).isTrue();
        assertThat(parts.get(2).holdsNoFilesystem()).as("extended").isTrue();
        assertThat(parts.get(3).length()).isEqualTo(10 * MIB);
        assertThat(parts.get(4).offset()).isGreaterThan(parts.get(3).offset() + parts.get(3).length());
        // The same as sfdisk's own reading of the table.
        String dump = Images.run("sfdisk", "-d", img.toString()).output();
        for (Partition p : parts) {
            assertThat(dump).containsPattern("start=\\s*" + p.offset() / 512 + ", size=\\s*" + p.length() / 512 + ",");
        }
    }

    @Test
    void aGptReadsWithTypesAndNamesAndTheBackupServesWhenThePrimaryIsDamaged() throws Exception {
        Path img = disk("gpt.img", "label: gpt\nsize=1M, type=21686148-6449-6E6F-744E-656564454649, name=bios\nsize=20M, type=L, name=root\ntype=S\n");
        List<Partition> parts = read(img);
        assertThat(parts).hasSize(3);
        assertThat(parts.get(0).type()).isEqualTo(Partition.GPT_BIOS_BOOT);
        assertThat(parts.get(1)).isEqualTo(new Partition(2, 2 * MIB, 20 * MIB, Partition.GPT_LINUX_FS, "root", false));
        assertThat(parts.get(2).type()).isEqualTo(Partition.GPT_SWAP);
        // Damage the primary header's CRC'd bytes: the backup at the last LBA has the same table.
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(512 + 40);
            f.write(0x7f);
        }
        assertThat(read(img)).isEqualTo(parts);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(64 * MIB - 512 + 40);
            f.write(0x7f);
        }
        assertThatThrownBy(() -> read(img)).isInstanceOf(ImageException.class)
                .hasMessageContaining("both GPT headers are damaged (primary: the header CRC at LBA 1 is wrong");
    }

    @Test
    void entriesOutsideTheDiskAndLoopingChainsAreRefused() throws Exception {
        Path img = disk("bad.img", "label: dos\n,8M,83\n");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(446 + 12);
            f.write(new byte[] {0, 0, 0, 0x7f}); // sectors: far past the 64 MiB disk
        }
        assertThatThrownBy(() -> read(img)).hasMessageContaining("MBR entry 1 (sectors 2048 to").hasMessageContaining("lies outside the disk");
        Path loop = disk("loop.img", "label: dos\n,,5\n");
        try (RandomAccessFile f = new RandomAccessFile(loop.toFile(), "rw")) {
            // Two extended boot records, the second linking to itself.
            for (long rel : new long[] {0, 2048}) {
                long ebr = (2048 + rel) * 512L;
                f.seek(ebr + 510);
                f.write(new byte[] {0x55, (byte) 0xAA});
                f.seek(ebr + 446 + 16 + 4);
                f.write(5);
                f.seek(ebr + 446 + 16 + 8);
                f.write(new byte[] {0, 8, 0, 0}); // next: 2048 sectors after the extended partition's start
                f.seek(ebr + 446 + 16 + 12);
                f.write(new byte[] {1, 0, 0, 0});
            }
        }
        assertThatThrownBy(() -> read(loop)).hasMessageContaining("the chain of logical partitions loops")
                .isInstanceOf(ImageException.class);
    }

    @Test
    void aWholeDiskFilesystemHasNoTableAndAPartitionsFilesystemIsFoundAtItsOffset() throws Exception {
        Path img = disk("fs.img", "label: dos\n,20M,83\n");
        Images.Run r = Images.run("mke2fs", "-q", "-F", "-t", "ext4", "-E", "offset=" + MIB, "-L", "inpart", img.toString(), "20M");
        assertThat(r.status()).as(r.output()).isZero();
        try (BlockBackend d = RawImage.open(img, true)) {
            Partition p = PartitionTable.read(d).get(0);
            assertThat(ExtFs.open(d, p.offset(), p.length(), "partition 1").orElseThrow().label()).isEqualTo("inpart");
        }
        Path whole = tmp.resolve("whole.img");
        assertThat(Images.run("mke2fs", "-q", "-F", "-t", "ext4", whole.toString(), "8M").status()).isZero();
        assertThat(read(whole)).isEmpty();
    }
}
