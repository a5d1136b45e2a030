package org.jxen.vmm.boot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jxen.vmm.boot.TestImages.MB_AOUT_KLUDGE;
import static org.jxen.vmm.boot.TestImages.MB_MEMORY_INFO;
import static org.jxen.vmm.boot.TestImages.MB_PAGE_ALIGN;

/** Multiboot v1 (Multiboot Specification 0.6.96, 3.1-3.3) into real guest memory. */
class MultibootLoaderTest {
    static final AddressMap MAP = new AddressMap(32 * AddressMap.MIB);
    static final int FLAGS = MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_AOUT_KLUDGE;
    static GuestMemory mem;

    @TempDir
    Path dir;

    @BeforeAll
    static void create() throws Exception {
        mem = GuestMemory.create("mb-test", MAP);
    }

    @AfterAll
    static void close() {
        mem.close();
    }

    @BeforeEach
    void dirty() {
        mem.write(AddressMap.MULTIBOOT_INFO, TestImages.pattern(0x1000, 0x33));
        mem.write(0x10_0000, TestImages.pattern(0x8000, 0x44));
    }

    BootSpec spec(Path initrd, String cmdline) {
        return new BootSpec(dir.resolve("mb-kernel"), initrd, cmdline, MAP, 0xE_0000);
    }

    /** 8 KiB of image at 1 MiB, BSS to 1 MiB + 12 KiB, entry 0x40 in. */
    static byte[] flat() {
        return TestImages.multibootFlat(FLAGS, 0x10_2000, 0x10_3000, 0x10_0040, 0x2000);
    }

    static String cString(GuestMemory m, long at) {
        StringBuilder s = new StringBuilder();
        for (byte b; (b = m.readByte(at)) != 0; at++) {
            s.append((char) b);
        }
        return s.toString();
    }

    @Test
    void entersWithTheMagicAndTheInfoAddress() throws Exception {
        EntryState e = MultibootLoader.load(mem, spec(null, ""), flat());
        assertThat(e.mode()).isEqualTo(EntryState.Mode.PROTECTED_32);
        assertThat(e.rip()).isEqualTo(0x10_0040);
        assertThat(e.rax()).isEqualTo(0x2BADB002L);
        assertThat(e.rbx()).isEqualTo(AddressMap.MULTIBOOT_INFO);
    }

    @Test
    void loadsTheImageByItsAddressFieldsAndZeroesTheBss() throws Exception {
        byte[] img = flat();
        MultibootLoader.load(mem, spec(null, ""), img);
        assertThat(mem.read(0x10_0000, 0x2000)).isEqualTo(img);
        assertThat(mem.read(0x10_2000, 0x1000)).containsOnly(0);
        assertThat(mem.readByte(0x10_3000)).isEqualTo(TestImages.pattern(0x8000, 0x44)[0x3000]);
    }

    @Test
    void infoCarriesMemorySizesMapCommandLineAndLoaderName() throws Exception {
        MultibootLoader.load(mem, spec(null, "quiet loglevel=3"), flat());
        long mbi = AddressMap.MULTIBOOT_INFO;
        // mem, cmdline, mmap, boot_loader_name; no modules.
        assertThat(mem.readU32(mbi)).isEqualTo(1 | 1 << 2 | 1 << 6 | 1 << 9);
        assertThat(mem.readU32(mbi + 4)).as("mem_lower KiB").isEqualTo(640);
        assertThat(mem.readU32(mbi + 8)).as("mem_upper KiB").isEqualTo((int) ((MAP.lowEnd() - AddressMap.MIB) / 1024));
        assertThat(cString(mem, Integer.toUnsignedLong(mem.readU32(mbi + 16)))).isEqualTo("quiet loglevel=3");
        assertThat(mem.readU32(mbi + 20)).as("mods_count").isZero();
        assertThat(cString(mem, Integer.toUnsignedLong(mem.readU32(mbi + 64)))).isEqualTo("jxen");
        List<AddressMap.MapEntry> map = MAP.memoryMap();
        assertThat(mem.readU32(mbi + 44)).as("mmap_length").isEqualTo(map.size() * 24);
        long mmap = Integer.toUnsignedLong(mem.readU32(mbi + 48));
        for (int i = 0; i < map.size(); i++) {
            long e = mmap + 24L * i;
            assertThat(mem.readU32(e)).as("entry size, not counting itself").isEqualTo(20);
            assertThat(new AddressMap.MapEntry(mem.readU64(e + 4), mem.readU64(e + 12), mem.readU32(e + 20)))
                    .isEqualTo(map.get(i));
        }
    }

    @Test
    void initrdBecomesModuleZeroPageAlignedAboveTheBss() throws Exception {
        byte[] data = TestImages.pattern(3000, 8);
        Path initrd = Files.write(dir.resolve("initrd"), data);
        MultibootLoader.load(mem, spec(initrd, ""), flat());
        long mbi = AddressMap.MULTIBOOT_INFO;
        assertThat(mem.readU32(mbi) & (1 << 3)).isEqualTo(1 << 3);
        assertThat(mem.readU32(mbi + 20)).isEqualTo(1);
        long mods = Integer.toUnsignedLong(mem.readU32(mbi + 24));
        long start = Integer.toUnsignedLong(mem.readU32(mods));
        long end = Integer.toUnsignedLong(mem.readU32(mods + 4));
        assertThat(end - start).isEqualTo(3000);
        assertThat(start % 4096).isZero();
        assertThat(start).isGreaterThanOrEqualTo(0x10_3000);
        assertThat(end).isLessThanOrEqualTo(MAP.lowEnd());
        assertThat(mem.read(start, 3000)).isEqualTo(data);
        assertThat(cString(mem, Integer.toUnsignedLong(mem.readU32(mods + 8)))).isEqualTo("initrd");
        assertThat(cString(mem, Integer.toUnsignedLong(mem.readU32(mbi + 64)))).isEqualTo("jxen");
    }

    @Test
    void elfKernelIsLoadedByItsProgramHeadersAndEntersAtThePhysicalEntry() throws Exception {
        byte[] code = TestImages.multibootHeader(MB_PAGE_ALIGN | MB_MEMORY_INFO);
        byte[] seg = new byte[0x100];
        System.arraycopy(code, 0, seg, 0, code.length);
        // Linked at 0xC0100000, loaded at 1 MiB: the entry is translated through the segment.
        byte[] img = new TestImages.Elf().elf32().entry(0xC010_0020L).load(0xC010_0000L, 0x10_0000, seg, 0x1000).build();
        assertThat(KernelFormat.detect(dir.resolve("k"), img)).isEqualTo(KernelFormat.MULTIBOOT);
        EntryState e = MultibootLoader.load(mem, spec(null, ""), img);
        assertThat(e.rip()).isEqualTo(0x10_0020);
        assertThat(mem.read(0x10_0000, 0x100)).isEqualTo(seg);
        assertThat(mem.read(0x10_0100, 0xF00)).containsOnly(0);
    }

    @Test
    void rejectsAnInitrdThatDoesNotFitBelowFourGibWithOneLine() throws Exception {
        // Multiboot's mod_start and mod_end are 32-bit (0.6.96, 3.3): RAM above 4 GiB is no use.
        Path initrd = TestImages.sparseInitrd(dir.resolve("initrd-3g"), 3 * AddressMap.GIB);
        AddressMap big = new AddressMap(6 * AddressMap.GIB);
        try (GuestMemory m = GuestMemory.create("mb-3g", big)) {
            assertThatThrownBy(() -> MultibootLoader.load(m, new BootSpec(dir.resolve("mb"), initrd, "", big, 0), flat()))
                    .isInstanceOf(BootException.class).hasMessageContaining("initrd " + initrd + " (3072 MiB) does not fit")
                    .hasMessageContaining("and 0xc0000000; use a smaller initrd");
        }
    }

    @Test
    void rejectsRequiredFeaturesJxenDoesNotProvide() {
        byte[] img = TestImages.multibootFlat(FLAGS | 1 << 3, 0x10_2000, 0x10_3000, 0x10_0040, 0x2000);
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("requires features 0x8");
    }

    @Test
    void rejectsBssEndingBeforeTheLoadedImage() {
        byte[] img = TestImages.multibootFlat(FLAGS, 0x10_2000, 0x10_1000, 0x10_0040, 0x2000);
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("bss_end_addr 0x101000 is below the end of the loaded image 0x102000");
        byte[] below = TestImages.multibootFlat(FLAGS, 0x10_2000, 0x8_0000, 0x10_0040, 0x2000);
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), below)).isInstanceOf(BootException.class);
    }

    @Test
    void rejectsLoadEndBeyondTheFile() {
        byte[] img = TestImages.multibootFlat(FLAGS, 0x10_4000, 0, 0x10_0040, 0x2000);
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("truncated Multiboot image");
    }

    @Test
    void rejectsLoadEndBelowLoadAddressInHex() {
        byte[] img = TestImages.multibootFlat(FLAGS, 0xF_F000, 0, 0x10_0040, 0x2000);
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("load_end_addr 0xff000 is not above load_addr 0x100000");
    }

    @Test
    void rejectsHeaderAddressThatPutsTheImageBeforeTheFile() {
        byte[] img = TestImages.multibootFlat(FLAGS, 0x10_2000, 0, 0x10_0040, 0x2000);
        java.nio.ByteBuffer.wrap(img).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(12, 0x10_1000); // header_addr
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("header_addr 0x101000 is 0x1000 bytes above load_addr 0x100000, but the header "
                        + "is at file offset 0x0");
    }

    @Test
    void rejectsEntryOutsideTheImage() {
        byte[] img = TestImages.multibootFlat(FLAGS, 0x10_2000, 0x10_3000, 0x20_0000, 0x2000);
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("entry 0x200000 is outside the image [0x100000, 0x103000)");
    }

    @Test
    void rejectsAnImageBeyondRam() {
        byte[] img = TestImages.multibootFlat(FLAGS, 0x10_2000, 0x1_0000_0000L - 1, 0x10_0040, 0x2000);
        assertThatThrownBy(() -> MultibootLoader.load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("outside guest RAM");
    }

    @Test
    void findsTheHeaderOnlyWithAValidChecksumInTheFirst8KiB() {
        byte[] img = new byte[9000];
        byte[] hdr = TestImages.multibootHeader(0);
        System.arraycopy(hdr, 0, img, 8180, 12);
        assertThat(MultibootLoader.findHeader(img)).isEqualTo(8180);
        img = new byte[9000];
        System.arraycopy(hdr, 0, img, 8184, 12);
        assertThat(MultibootLoader.findHeader(img)).as("runs past 8 KiB").isEqualTo(-1);
        img = new byte[100];
        System.arraycopy(hdr, 0, img, 20, 12);
        img[28]++;
        assertThat(MultibootLoader.findHeader(img)).as("bad checksum").isEqualTo(-1);
        assertThat(MultibootLoader.findHeader(new byte[0])).isEqualTo(-1);
        assertThat(MultibootLoader.findHeader(hdr)).isZero();
    }

    @Test
    void realMultibootGuestLoads() throws Exception {
        Path guest = Path.of(System.getProperty("jxen.root", "../"), "guests/build/hello.mb.elf");
        Assumptions.assumeTrue(Files.isRegularFile(guest), "skipped: " + guest + " is not built (make -C guests)");
        byte[] img = Files.readAllBytes(guest);
        assertThat(KernelFormat.detect(guest, img)).isEqualTo(KernelFormat.MULTIBOOT);
        EntryState e = MultibootLoader.load(mem, new BootSpec(guest, null, "", MAP, 0xE_0000), img);
        assertThat(e.rip()).isBetween(AddressMap.HIMEM_START, MAP.lowEnd());
        assertThat(new String(mem.read(AddressMap.MULTIBOOT_LOADER_NAME, 4), StandardCharsets.US_ASCII)).isEqualTo("jxen");
    }
}
