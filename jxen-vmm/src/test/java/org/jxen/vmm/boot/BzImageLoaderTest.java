package org.jxen.vmm.boot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jxen.kvm.Sregs;
import org.jxen.testkit.CProbe;
import org.jxen.testkit.HeapGrowth;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.vcpu.PageWalker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jxen.vmm.boot.BzImageLoader.*;

/** The Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst) on a bzImage built in the test. */
class BzImageLoaderTest {
    static final AddressMap MAP = new AddressMap(64 * AddressMap.MIB);
    static final long RSDP = 0xE_0000;
    static final long ZP = AddressMap.ZERO_PAGE;
    static GuestMemory mem;

    @TempDir
    Path dir;

    @BeforeAll
    static void create() throws Exception {
        mem = GuestMemory.create("bz-test", MAP);
    }

    @AfterAll
    static void close() {
        mem.close();
    }

    @BeforeEach
    void dirty() {
        mem.write(ZP, TestImages.pattern(0x1000, 0x11));
        mem.write(AddressMap.PML4, TestImages.pattern(0x6000, 0x22));
    }

    BootSpec spec(Path initrd, String cmdline) {
        return new BootSpec(dir.resolve("bzImage"), initrd, cmdline, MAP, RSDP);
    }

    @Test
    void bootParamsOffsetsMatchTheKernelHeader() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        String bp = "offsetof(struct boot_params, ";
        expected.put(bp + "hdr.setup_sects)", (long) SETUP_SECTS);
        expected.put(bp + "hdr.boot_flag)", (long) BOOT_FLAG);
        expected.put(bp + "hdr.header)", (long) HEADER);
        expected.put(bp + "hdr.version)", (long) VERSION);
        expected.put(bp + "hdr.type_of_loader)", (long) TYPE_OF_LOADER);
        expected.put(bp + "hdr.loadflags)", (long) LOADFLAGS);
        expected.put(bp + "hdr.ramdisk_image)", (long) RAMDISK_IMAGE);
        expected.put(bp + "hdr.ramdisk_size)", (long) RAMDISK_SIZE);
        expected.put(bp + "hdr.heap_end_ptr)", (long) HEAP_END_PTR);
        expected.put(bp + "hdr.cmd_line_ptr)", (long) CMD_LINE_PTR);
        expected.put(bp + "hdr.initrd_addr_max)", (long) INITRD_ADDR_MAX);
        expected.put(bp + "hdr.kernel_alignment)", (long) KERNEL_ALIGNMENT);
        expected.put(bp + "hdr.relocatable_kernel)", (long) RELOCATABLE_KERNEL);
        expected.put(bp + "hdr.xloadflags)", (long) XLOADFLAGS);
        expected.put(bp + "hdr.cmdline_size)", (long) CMDLINE_SIZE);
        expected.put(bp + "hdr.pref_address)", (long) PREF_ADDRESS);
        expected.put(bp + "hdr.init_size)", (long) INIT_SIZE);
        expected.put(bp + "acpi_rsdp_addr)", (long) BP_ACPI_RSDP_ADDR);
        expected.put(bp + "ext_ramdisk_image)", (long) BP_EXT_RAMDISK_IMAGE);
        expected.put(bp + "ext_ramdisk_size)", (long) BP_EXT_RAMDISK_SIZE);
        expected.put(bp + "ext_cmd_line_ptr)", (long) BP_EXT_CMD_LINE_PTR);
        expected.put(bp + "e820_entries)", (long) BP_E820_ENTRIES);
        expected.put(bp + "e820_table)", (long) BP_E820_TABLE);
        expected.put("sizeof(struct boot_e820_entry)", (long) E820_ENTRY_SIZE);
        expected.put("E820_MAX_ENTRIES_ZEROPAGE", (long) E820_MAX_ENTRIES);
        expected.put("sizeof(struct boot_params)", 4096L);
        expected.put("XLF_KERNEL_64", (long) XLF_KERNEL_64);
        expected.put("XLF_CAN_BE_LOADED_ABOVE_4G", (long) XLF_CAN_BE_LOADED_ABOVE_4G);
        expected.put("LOADED_HIGH", (long) LOADFLAGS_LOADED_HIGH);
        expected.put("CAN_USE_HEAP", (long) LOADFLAGS_CAN_USE_HEAP);
        Map<String, Long> actual = CProbe.values(List.of("asm/bootparam.h"), List.copyOf(expected.keySet()));
        assertThat(expected).containsExactlyEntriesOf(actual);
    }

    @Test
    void recognisesABzImageByItsBootFlagAndHeaderMagic() {
        byte[] img = new TestImages.BzImage().build();
        assertThat(BzImageLoader.isBzImage(img)).isTrue();
        byte[] noFlag = img.clone();
        noFlag[BOOT_FLAG] = 0;
        assertThat(BzImageLoader.isBzImage(noFlag)).isFalse();
        byte[] noHdrS = img.clone();
        noHdrS[HEADER] = 'h';
        assertThat(BzImageLoader.isBzImage(noHdrS)).isFalse();
        assertThat(BzImageLoader.isBzImage(new byte[INIT_SIZE + 3])).isFalse();
    }

    @Test
    void entersStartup64OnIdentityPageTablesWithTheZeroPageInRsi() throws Exception {
        EntryState e = BzImageLoader.load(mem, spec(null, ""), new TestImages.BzImage().build());
        assertThat(e.mode()).isEqualTo(EntryState.Mode.LONG_64);
        assertThat(e.rip()).isEqualTo(0x100_0000 + 0x200);
        assertThat(e.rsi()).isEqualTo(ZP);
        assertThat(e.cr3()).isEqualTo(AddressMap.PML4);
    }

    @Test
    void loadsTheProtectedModeKernelAtItsPreferredAddress() throws Exception {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.prefAddress = 0x200_0000;
        EntryState e = BzImageLoader.load(mem, spec(null, ""), bz.build());
        assertThat(mem.read(0x200_0000, bz.kernel.length)).isEqualTo(bz.kernel);
        assertThat(e.rip()).isEqualTo(0x200_0200);
    }

    @Test
    void preferredAddressBelowOneMibFallsBackToSixteenMib() throws Exception {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.prefAddress = 0x1_0000;
        EntryState e = BzImageLoader.load(mem, spec(null, ""), bz.build());
        assertThat(e.rip()).isEqualTo(0x100_0200);
        assertThat(mem.read(0x100_0000, bz.kernel.length)).isEqualTo(bz.kernel);
    }

    @Test
    void zeroPageCarriesTheSetupHeaderLoaderCommandLineAndRsdp() throws Exception {
        byte[] img = new TestImages.BzImage().build();
        BzImageLoader.load(mem, spec(null, "console=ttyS0 panic=-1"), img);
        // The whole setup header, from 0x1F1 to 0x202 + the jump byte, is copied...
        assertThat(mem.readU16(ZP + VERSION)).isEqualTo(0x020F);
        assertThat(mem.readU32(ZP + HEADER)).isEqualTo(0x53726448);
        assertThat(mem.readU32(ZP + INIT_SIZE)).isEqualTo(0x20_0000);
        assertThat(mem.readU32(ZP + CMDLINE_SIZE)).isEqualTo(2047);
        // ...then the loader's fields are set over it, and the rest of the page is zero.
        assertThat(mem.readByte(ZP + TYPE_OF_LOADER) & 0xff).isEqualTo(0xFF);
        assertThat(mem.readByte(ZP + LOADFLAGS) & 0x81).isEqualTo(0x81);
        assertThat(mem.readU16(ZP + HEAP_END_PTR)).isEqualTo(0xFE00);
        long cmdline = Integer.toUnsignedLong(mem.readU32(ZP + CMD_LINE_PTR)) | (long) mem.readU32(ZP + BP_EXT_CMD_LINE_PTR) << 32;
        assertThat(cmdline).isEqualTo(AddressMap.CMDLINE);
        assertThat(new String(mem.read(cmdline, 23))).isEqualTo("console=ttyS0 panic=-1\0");
        assertThat(mem.readU64(ZP + BP_ACPI_RSDP_ADDR)).isEqualTo(RSDP);
        assertThat(mem.readU32(ZP + RAMDISK_IMAGE)).isZero();
        assertThat(mem.readU32(ZP + RAMDISK_SIZE)).isZero();
        assertThat(mem.read(ZP, SETUP_SECTS)).as("boot_params before the header, bar the fields we set")
                .isEqualTo(expectedLowZeroPage());
    }

    /** The zero page below the setup header: zero except acpi_rsdp_addr, e820_entries and e820_table. */
    byte[] expectedLowZeroPage() {
        byte[] b = new byte[SETUP_SECTS];
        System.arraycopy(TestImages.le64(RSDP), 0, b, BP_ACPI_RSDP_ADDR, 8);
        b[BP_E820_ENTRIES] = (byte) MAP.memoryMap().size();
        return b;
    }

    @Test
    void e820TableIsTheMemoryMap() throws Exception {
        BzImageLoader.load(mem, spec(null, ""), new TestImages.BzImage().build());
        List<AddressMap.MapEntry> map = MAP.memoryMap();
        assertThat(mem.readByte(ZP + BP_E820_ENTRIES)).isEqualTo((byte) map.size());
        for (int i = 0; i < map.size(); i++) {
            long e = ZP + BP_E820_TABLE + 20L * i;
            assertThat(new AddressMap.MapEntry(mem.readU64(e), mem.readU64(e + 8), mem.readU32(e + 16))).isEqualTo(map.get(i));
        }
        assertThat(mem.read(ZP + BP_E820_TABLE + 20L * map.size(), 20)).containsOnly(0);
    }

    @Test
    void initrdIsPlacedPageAlignedAboveTheKernelFootprintAndBelowInitrdAddrMax() throws Exception {
        byte[] data = TestImages.pattern(10_000, 3);
        Path initrd = Files.write(dir.resolve("initrd.img"), data);
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.initrdAddrMax = 0x200_0000 - 1; // 32 MiB, below the end of RAM (64 MiB)
        BzImageLoader.load(mem, spec(initrd, ""), bz.build());
        long at = Integer.toUnsignedLong(mem.readU32(ZP + RAMDISK_IMAGE)) | (long) mem.readU32(ZP + BP_EXT_RAMDISK_IMAGE) << 32;
        assertThat(mem.readU32(ZP + RAMDISK_SIZE)).isEqualTo(10_000);
        assertThat(mem.readU32(ZP + BP_EXT_RAMDISK_SIZE)).isZero();
        assertThat(at % 4096).isZero();
        assertThat(at).as("above load address + init_size").isGreaterThanOrEqualTo(0x100_0000 + bz.initSize);
        assertThat(at + data.length).isLessThanOrEqualTo(0x200_0000);
        assertThat(mem.read(at, data.length)).isEqualTo(data);
    }

    @Test
    void rejectsAnInitrdThatDoesNotFitUnderInitrdAddrMax() throws Exception {
        Path initrd = Files.write(dir.resolve("initrd.img"), new byte[64 * 1024]);
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.initrdAddrMax = 0x120_0000; // the kernel's footprint ends at 0x1200000
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(initrd, ""), bz.build())).isInstanceOf(BootException.class)
                .hasMessageContaining("initrd " + initrd).hasMessageContaining("does not fit");
    }

    @Test
    void streamsASparseThreeGibInitrdAboveFourGibWhenTheKernelAllowsIt() throws Exception {
        long size = 3 * AddressMap.GIB;
        Path initrd = TestImages.sparseInitrd(dir.resolve("initrd-3g"), size);
        AddressMap big = new AddressMap(6 * AddressMap.GIB);
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
        bz.initrdAddrMax = 0x7FFF_FFFFL;
        try (GuestMemory m = GuestMemory.create("bz-3g", big)) {
            long grew = HeapGrowth.of(() -> BzImageLoader.load(m,
                    new BootSpec(dir.resolve("bzImage"), initrd, "", big, 0), bz.build()));
            long at = Integer.toUnsignedLong(m.readU32(ZP + RAMDISK_IMAGE)) | (long) m.readU32(ZP + BP_EXT_RAMDISK_IMAGE) << 32;
            long n = Integer.toUnsignedLong(m.readU32(ZP + RAMDISK_SIZE)) | (long) m.readU32(ZP + BP_EXT_RAMDISK_SIZE) << 32;
            assertThat(n).isEqualTo(size);
            assertThat(at).isGreaterThanOrEqualTo(AddressMap.FOUR_GIB).isEqualTo((big.ramTop() - size) & ~4095L);
            TestImages.assertMarkersAt(m, at, size);
            assertThat(grew).as("heap and direct-buffer growth while loading a 3 GiB initrd").isLessThan(32L << 20);
        }
    }

    @Test
    void keepsTheInitrdUnderInitrdAddrMaxWithoutXlfCanBeLoadedAbove4g() throws Exception {
        Path initrd = TestImages.sparseInitrd(dir.resolve("initrd-3g"), 3 * AddressMap.GIB);
        AddressMap big = new AddressMap(6 * AddressMap.GIB);
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.initrdAddrMax = 0x7FFF_FFFFL;
        try (GuestMemory m = GuestMemory.create("bz-3g-low", big)) {
            assertThatThrownBy(() -> BzImageLoader.load(m, new BootSpec(dir.resolve("bzImage"), initrd, "", big, 0),
                    bz.build())).isInstanceOf(BootException.class)
                    .hasMessageContaining("initrd " + initrd + " (3072 MiB) does not fit")
                    .hasMessageContaining("and 0x80000000; use a smaller initrd");
        }
    }

    @Test
    void identityPageTablesMapTheFirstFourGib() throws Exception {
        BzImageLoader.load(mem, spec(null, ""), new TestImages.BzImage().build());
        assertThat(mem.readU64(AddressMap.PML4)).isEqualTo(AddressMap.PDPT | 3);
        assertThat(mem.readU64(AddressMap.PML4 + 8)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(mem.readU64(AddressMap.PDPT + 8L * i)).isEqualTo(AddressMap.PD + 4096L * i | 3);
            assertThat(mem.readU64(AddressMap.PD + 4096L * i)).isEqualTo((long) i << 30 | 0x83);
            assertThat(mem.readU64(AddressMap.PD + 4096L * i + 511 * 8)).isEqualTo((long) i << 30 | 511L << 21 | 0x83);
        }
        assertThat(mem.readU64(AddressMap.PDPT + 32)).isZero();
        // Walked as the MMU would: identity for every address below 4 GiB, nothing above.
        Sregs s = new Sregs().cr0(Sregs.CR0_PE | Sregs.CR0_PG).cr4(Sregs.CR4_PAE).efer(Sregs.EFER_LME | Sregs.EFER_LMA)
                .cr3(AddressMap.PML4);
        for (long a : new long[] {0, 0x1234, 0x100_0200, 0x3FFF_FFFFL, 0xC000_0000L, 0xFEE0_0300L, 0xFFFF_FFFFL}) {
            assertThat(PageWalker.translate(mem, s, a)).as("0x%x", a).isEqualTo(a);
        }
        assertThat(PageWalker.translate(mem, s, 0x1_0000_0000L)).isEqualTo(-1);
    }

    @Test
    void rejectsTooOldABootProtocol() {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.version = 0x020B;
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(null, ""), bz.build())).isInstanceOf(BootException.class)
                .hasMessageStartingWith(dir.resolve("bzImage") + ": Linux boot protocol 2.11 is too old");
    }

    @Test
    void rejectsAKernelWithoutA64BitEntry() {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.xloadflags = 0x2; // XLF_CAN_BE_LOADED_ABOVE_4G alone
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(null, ""), bz.build())).isInstanceOf(BootException.class)
                .hasMessageContaining("XLF_KERNEL_64");
    }

    @Test
    void rejectsATruncatedImage() {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.kernel = new byte[0];
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(null, ""), bz.build())).isInstanceOf(BootException.class)
                .hasMessageContaining("truncated bzImage");
    }

    @Test
    void rejectsASetupHeaderThatEndsTooEarly() {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.jump = 0x20;
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(null, ""), bz.build())).isInstanceOf(BootException.class)
                .hasMessageContaining("malformed bzImage setup header");
    }

    @Test
    void rejectsAKernelWhoseInitSizeDoesNotFit() {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.initSize = 0xFFFF_FFFFL;
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(null, ""), bz.build())).isInstanceOf(BootException.class)
                .hasMessageContaining("outside guest RAM");
        bz.initSize = 0x10_0000;
        bz.prefAddress = 0x7FFF_FFFF_FFFF_0000L; // would wrap
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(null, ""), bz.build())).isInstanceOf(BootException.class)
                .hasMessageContaining("outside guest RAM");
    }

    @Test
    void rejectsACommandLineLongerThanTheKernelTakes() {
        TestImages.BzImage bz = new TestImages.BzImage();
        bz.cmdlineSize = 10;
        assertThatThrownBy(() -> BzImageLoader.load(mem, spec(null, "console=ttyS0"), bz.build()))
                .isInstanceOf(BootException.class).hasMessageContaining("command line is 13 bytes (expected: at most 10)");
    }
}
