package org.jxen.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.CProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jxen.vmm.boot.TestImages.le32;
import static org.jxen.vmm.boot.TestImages.le64;

class ElfImageTest {
    static final Path FILE = Path.of("/boot/test-kernel");

    static byte[] patched(byte[] image, int at, ByteBuffer with) {
        byte[] out = image.clone();
        System.arraycopy(with.array(), 0, out, at, with.capacity());
        return out;
    }

    static ByteBuffer u16(int v) {
        return ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v);
    }

    static ByteBuffer u32(int v) {
        return ByteBuffer.wrap(le32(v));
    }

    static ByteBuffer u64(long v) {
        return ByteBuffer.wrap(le64(v));
    }

    /** Asserts that parsing fails with a message naming the file and containing {@code problem}. */
    static void rejects(byte[] image, String problem) {
        assertThatThrownBy(() -> ElfImage.parse(FILE, image)).isInstanceOf(BootException.class)
                .hasMessageStartingWith(FILE + ": ").hasMessageContaining(problem);
    }

    @Test
    void parsesAnElf64WithItsSegmentsAndPvhNote() throws Exception {
        byte[] img = new TestImages.Elf().entry(0xFFFF_FFFF_8100_0000L)
                .load(0xFFFF_FFFF_8100_0000L, 0x100_0000, TestImages.pattern(100, 0), 0x3000)
                .pvhNote(0x100_0040).note("Linux", 1, new byte[3]).build();
        ElfImage elf = ElfImage.parse(FILE, img);
        assertThat(elf.path()).isEqualTo(FILE);
        assertThat(elf.is64()).isTrue();
        assertThat(elf.machine()).isEqualTo(62);
        assertThat(elf.entry()).isEqualTo(0xFFFF_FFFF_8100_0000L);
        assertThat(elf.loads()).hasSize(1);
        ElfImage.Segment s = elf.loads().getFirst();
        assertThat(s.vaddr()).isEqualTo(0xFFFF_FFFF_8100_0000L);
        assertThat(s.paddr()).isEqualTo(0x100_0000);
        assertThat(s.fileSize()).isEqualTo(100);
        assertThat(s.memSize()).isEqualTo(0x3000);
        assertThat(Arrays.copyOfRange(img, (int) s.offset(), (int) s.offset() + 100)).isEqualTo(TestImages.pattern(100, 0));
        assertThat(elf.notes()).extracting(ElfImage.Note::name).containsExactly("Xen", "Linux");
        assertThat(elf.pvhEntry()).isEqualTo(0x100_0040L);
        assertThat(elf.isLinux()).isTrue();
    }

    @Test
    void parsesAnElf32AndItsPvhNote() throws Exception {
        byte[] img = new TestImages.Elf().elf32().entry(0x10_0000).load(0x10_0000, new byte[16], 16).pvhNote(0x10_0000).build();
        ElfImage elf = ElfImage.parse(FILE, img);
        assertThat(elf.is64()).isFalse();
        assertThat(elf.machine()).isEqualTo(3);
        assertThat(elf.pvhEntry()).isEqualTo(0x10_0000L);
        assertThat(elf.isLinux()).isFalse();
    }

    @Test
    void eightBytePvhNoteIsReadInFull() throws Exception {
        byte[] img = new TestImages.Elf().load(0x10_0000, new byte[16], 16)
                .note("Xen", ElfImage.XEN_ELFNOTE_PHYS32_ENTRY, le64(0x1_0010_0000L)).build();
        assertThat(ElfImage.parse(FILE, img).pvhEntry()).isEqualTo(0x1_0010_0000L);
    }

    @Test
    void otherXenNotesAndShortDescriptorsAreNoPvhEntry() throws Exception {
        byte[] img = new TestImages.Elf().load(0x10_0000, new byte[16], 16)
                .note("Xen", 6, le32(0x10_0000)) // XEN_ELFNOTE_LOADER
                .note("Xen", ElfImage.XEN_ELFNOTE_PHYS32_ENTRY, new byte[2])
                .note("NotXen", ElfImage.XEN_ELFNOTE_PHYS32_ENTRY, le32(0x10_0000)).build();
        assertThat(ElfImage.parse(FILE, img).pvhEntry()).isNull();
    }

    @Test
    void rejectsTruncatedHeaders() {
        rejects(new byte[0], "truncated ELF header (0 bytes)");
        rejects(Arrays.copyOf(TestImages.pvhElf(), 51), "truncated ELF header (51 bytes)");
        rejects(Arrays.copyOf(TestImages.pvhElf(), 60), "truncated ELF64 header (60 bytes)");
    }

    @Test
    void rejectsFilesWithoutTheElfMagic() {
        byte[] img = TestImages.pvhElf();
        img[1] = 'X';
        rejects(img, "not an ELF file");
        rejects(new byte[64], "not an ELF file");
    }

    @Test
    void rejectsUnknownClass() {
        byte[] img = TestImages.pvhElf();
        img[4] = 3;
        rejects(img, "unknown ELF class 3");
        img[4] = 0;
        rejects(img, "unknown ELF class 0");
    }

    @Test
    void rejectsBigEndian() {
        byte[] img = TestImages.pvhElf();
        img[5] = 2;
        rejects(img, "big-endian ELF");
    }

    @Test
    void rejectsWrongMachine() {
        rejects(patched(TestImages.pvhElf(), 18, u16(183)), "ELF for machine 183 (expected: 62 for x86-64 or 3 for i386)");
        rejects(patched(TestImages.pvhElf(), 18, u16(40)), "machine 40");
    }

    @Test
    void rejectsRelocatableObjects() {
        rejects(patched(TestImages.pvhElf(), 16, u16(1)), "ELF type 1 is not an executable");
    }

    @Test
    void rejectsNoProgramHeaders() {
        rejects(patched(TestImages.pvhElf(), 56, u16(0)), "no program headers");
    }

    @Test
    void rejectsProgramHeaderTableTooBigOrWithShortEntries() {
        rejects(patched(TestImages.pvhElf(), 56, u16(257)), "257 entries");
        rejects(patched(TestImages.pvhElf(), 54, u16(32)), "of 32 bytes");
    }

    @Test
    void rejectsProgramHeadersPastEndOfFile() {
        byte[] img = TestImages.pvhElf();
        rejects(patched(img, 32, u64(img.length - 10)), "program headers at file offset 0x" + Integer.toHexString(img.length - 10)
                + " run past the end");
        rejects(patched(img, 32, u64(Long.MAX_VALUE - 10)), "run past the end");
        rejects(patched(img, 32, u64(-64)), "run past the end");
        rejects(Arrays.copyOf(img, 64 + 56), "run past the end");
    }

    /** The file offset of program header {@code i} in a {@link TestImages.Elf} ELF64 (the note comes first). */
    static int phdr(int i) {
        return 64 + 56 * i;
    }

    @Test
    void rejectsSegmentPastEndOfFile() {
        byte[] img = TestImages.pvhElf();
        rejects(patched(img, phdr(1) + 32, u64(img.length)), "segment 1 needs 0x" + Integer.toHexString(img.length)
                + " bytes at file offset 0x");
        rejects(patched(img, phdr(1) + 8, u64(img.length + 1)), "segment 1 needs 0x40 bytes at file offset 0x"
                + Integer.toHexString(img.length + 1));
        rejects(patched(img, phdr(1) + 8, u64(Long.MAX_VALUE)), "truncated ELF");
        rejects(patched(img, phdr(1) + 32, u64(-1)), "truncated ELF");
    }

    @Test
    void rejectsMemszSmallerThanFilesz() {
        rejects(patched(TestImages.pvhElf(), phdr(1) + 40, u64(0x20)), "segment 1 has memsz 0x20 < filesz 0x40");
    }

    @Test
    void printsSixtyFourBitFieldsUnsignedInHex() {
        byte[] img = TestImages.pvhElf();
        rejects(patched(img, 32, u64(-64)), "program headers at file offset 0xffffffffffffffc0 run past the end");
        rejects(patched(img, phdr(1) + 8, u64(-0x100)),
                "segment 1 needs 0x40 bytes at file offset 0xffffffffffffff00, past the end of the " + img.length + "-byte file");
        rejects(patched(img, phdr(1) + 32, u64(-1)),
                "segment 1 needs 0xffffffffffffffff bytes at file offset 0x");
        rejects(patched(img, phdr(1) + 40, u64(0x20)), "segment 1 has memsz 0x20 < filesz 0x40");
    }

    @Test
    void memszAboveTwoToTheSixtyThreeIsNotBelowFilesz() throws Exception {
        // Unsigned, 2^64 - 1 is the largest memsz, not -1: parsing keeps it and the loader's
        // range check rejects it (PvhLoaderTest).
        ElfImage elf = ElfImage.parse(FILE, patched(TestImages.pvhElf(), phdr(1) + 40, u64(-1)));
        assertThat(Long.toUnsignedString(elf.loads().getFirst().memSize())).isEqualTo("18446744073709551615");
    }

    @Test
    void rejectsMalformedNotes() {
        byte[] img = TestImages.pvhElf();
        int note = 64 + 2 * 56; // the note data follows the two program headers
        rejects(patched(img, note, u32(0x7FFF_FFFF)), "malformed ELF note at file offset " + note);
        rejects(patched(img, note + 4, u32(-1)), "malformed ELF note");
        rejects(patched(img, note + 4, u32(64)), "malformed ELF note");
    }

    @Test
    void rejectsAnElfWithNothingToLoad() {
        byte[] img = new TestImages.Elf().pvhNote(0x10_0000).build();
        rejects(img, "no PT_LOAD segment");
    }

    @Test
    void ignoresProgramHeadersOfOtherTypes() throws Exception {
        byte[] img = patched(TestImages.pvhElf(), phdr(0), u32(0x6474e551)); // PT_GNU_STACK in place of the note
        ElfImage elf = ElfImage.parse(FILE, img);
        assertThat(elf.notes()).isEmpty();
        assertThat(elf.pvhEntry()).isNull();
    }

    @Test
    void elfConstantsMatchElfH() throws Exception {
        Map<String, Long> expected = Map.of("EI_CLASS", (long) ElfImage.EI_CLASS, "EI_DATA", (long) ElfImage.EI_DATA,
                "ELFCLASS32", (long) ElfImage.ELFCLASS32, "ELFCLASS64", (long) ElfImage.ELFCLASS64,
                "ELFDATA2LSB", (long) ElfImage.ELFDATA2LSB, "ET_EXEC", (long) ElfImage.ET_EXEC, "ET_DYN", (long) ElfImage.ET_DYN,
                "EM_386", (long) ElfImage.EM_386, "EM_X86_64", (long) ElfImage.EM_X86_64, "PT_LOAD", (long) ElfImage.PT_LOAD);
        Map<String, Long> more = Map.of("PT_NOTE", (long) ElfImage.PT_NOTE,
                "XEN_ELFNOTE_PHYS32_ENTRY", (long) ElfImage.XEN_ELFNOTE_PHYS32_ENTRY,
                "sizeof(Elf64_Ehdr)", 64L, "sizeof(Elf32_Ehdr)", 52L, "sizeof(Elf64_Phdr)", 56L, "sizeof(Elf32_Phdr)", 32L,
                "offsetof(Elf64_Ehdr, e_phnum)", 56L, "offsetof(Elf32_Ehdr, e_phnum)", 44L,
                "offsetof(Elf64_Phdr, p_memsz)", 40L, "offsetof(Elf32_Phdr, p_memsz)", 20L);
        var all = new java.util.LinkedHashMap<String, Long>(expected);
        all.putAll(more);
        Map<String, Long> actual = CProbe.values(List.of("elf.h", "xen/elfnote.h"), List.copyOf(all.keySet()));
        assertThat(all).containsExactlyInAnyOrderEntriesOf(actual);
    }
}
