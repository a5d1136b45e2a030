package org.jxen.vmm.boot;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Opening an initrd and streaming it into guest memory (a memfd, no KVM), holes and all. */
class InitrdFileTest {
    static final AddressMap MAP = new AddressMap(64 * AddressMap.MIB);
    static final long AT = 16 * AddressMap.MIB;
    static GuestMemory mem;

    @TempDir
    Path dir;

    @BeforeAll
    static void create() throws Exception {
        mem = GuestMemory.create("initrd-test", MAP);
    }

    @AfterAll
    static void close() {
        mem.close();
    }

    /** Guest memory full of junk where the initrd goes, so that a hole left unzeroed shows. */
    static void dirty(long length) {
        byte[] junk = new byte[(int) length];
        Arrays.fill(junk, (byte) 0xa5);
        mem.write(AT, junk);
    }

    @Test
    void copiesDataAndZeroesHolesThatStartAndEndInsidePages() throws Exception {
        Path f = dir.resolve("holes");
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(3 * AddressMap.MIB + 777); // ends in the middle of a page, in a hole
            r.write(TestImages.pattern(5000, 1)); // data to beyond the first page
            r.seek(AddressMap.MIB + 123);
            r.write(TestImages.pattern(10_000, 2)); // unaligned, in the middle
        }
        byte[] expected = Files.readAllBytes(f);
        dirty(expected.length + 4096);
        try (InitrdFile initrd = InitrdFile.open(f)) {
            assertThat(initrd.size()).isEqualTo(expected.length);
            initrd.copyTo(mem, AT);
        }
        assertThat(mem.read(AT, expected.length)).isEqualTo(expected);
        assertThat(mem.readByte(AT + expected.length)).as("past the end: untouched").isEqualTo((byte) 0xa5);
    }

    @Test
    void copiesAFileWithoutHoles() throws Exception {
        byte[] data = TestImages.pattern(300_001, 7);
        Path f = Files.write(dir.resolve("dense"), data);
        dirty(data.length);
        try (InitrdFile initrd = InitrdFile.open(f)) {
            initrd.copyTo(mem, AT);
        }
        assertThat(mem.read(AT, data.length)).isEqualTo(data);
    }

    @Test
    void rejectsAFileThatGrewAfterItWasPlaced() throws Exception {
        Path f = Files.write(dir.resolve("grows"), TestImages.pattern(8192, 3));
        try (InitrdFile initrd = InitrdFile.open(f)) {
            Files.write(f, TestImages.pattern(4096, 4), java.nio.file.StandardOpenOption.APPEND);
            assertThatThrownBy(() -> initrd.copyTo(mem, AT)).isInstanceOf(BootException.class)
                    .hasMessage("initrd " + f + " changed size while it was read (8192 bytes when opened, 12288 now)");
        }
    }

    @Test
    void rejectsAFileThatShrankAfterItWasPlaced() throws Exception {
        Path f = Files.write(dir.resolve("shrinks"), TestImages.pattern(8192, 3));
        try (InitrdFile initrd = InitrdFile.open(f)) {
            try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
                r.setLength(100);
            }
            assertThatThrownBy(() -> initrd.copyTo(mem, AT)).isInstanceOf(BootException.class)
                    .hasMessage("initrd " + f + " changed size while it was read (8192 bytes when opened, 100 now)");
        }
    }

    @Test
    void rejectsMissingEmptyDirectoryAndOversizedFilesWithOneLine() throws Exception {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> InitrdFile.open(missing)).isInstanceOf(BootException.class)
                .hasMessage("initrd " + missing + " does not exist");
        Path empty = Files.createFile(dir.resolve("empty"));
        assertThatThrownBy(() -> InitrdFile.open(empty)).isInstanceOf(BootException.class)
                .hasMessage("initrd " + empty + " is empty");
        assertThatThrownBy(() -> InitrdFile.open(dir)).isInstanceOf(BootException.class)
                .hasMessage("initrd " + dir + " is a directory");
        Path big = dir.resolve("big");
        try (RandomAccessFile r = new RandomAccessFile(big.toFile(), "rw")) {
            r.setLength(InitrdFile.MAX_BYTES + 1);
        }
        assertThatThrownBy(() -> InitrdFile.open(big)).isInstanceOf(BootException.class)
                .hasMessage("initrd " + big + " is 4294967297 bytes (expected: at most 4294967296)");
        assertThat(InitrdFile.open(null)).isNull();
    }

    @Test
    void rejectsAFileThatIsNotRegular() throws Exception {
        Path dev = Path.of("/dev/null");
        assertThatThrownBy(() -> InitrdFile.open(dev)).isInstanceOf(BootException.class)
                .hasMessage("initrd /dev/null is not a regular file");
    }
}
