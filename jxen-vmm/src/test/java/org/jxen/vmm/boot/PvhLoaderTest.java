package org.jxen.vmm.boot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.CProbe;
import org.jxen.testkit.HeapGrowth;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The PVH loader into real guest memory, and its struct offsets against Xen's header. */
class PvhLoaderTest {
    static final AddressMap MAP = new AddressMap(64 * AddressMap.MIB);
    static final long RSDP = 0xE_0000;
    static GuestMemory mem;

    @TempDir
    Path dir;

    @BeforeAll
    static void create() throws Exception {
        mem = GuestMemory.create("pvh-test", MAP);
    }

    @AfterAll
    static void close() {
        mem.close();
    }

    @BeforeEach
    void dirty() {
        // Junk where the loader must write or zero, so that a missed field shows.
        mem.write(AddressMap.PVH_START_INFO, TestImages.pattern(0x1000, 0x55));
        mem.write(0x10_0000, TestImages.pattern(0x4000, 0x77));
    }

    BootSpec spec(Path initrd, String cmdline) {
        return new BootSpec(dir.resolve("kernel"), initrd, cmdline, MAP, RSDP);
    }

    static EntryState load(GuestMemory m, BootSpec spec, byte[] image) throws BootException {
        return PvhLoader.load(m, spec, ElfImage.parse(spec.kernel(), image), image);
    }

    @Test
    void startInfoLayoutMatchesXensHeader() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("XEN_HVM_START_MAGIC_VALUE", (long) PvhLoader.XEN_HVM_START_MAGIC_VALUE);
        expected.put("sizeof(struct hvm_start_info)", (long) PvhLoader.SI_SIZE);
        expected.put("offsetof(struct hvm_start_info, magic)", (long) PvhLoader.SI_MAGIC);
        expected.put("offsetof(struct hvm_start_info, version)", (long) PvhLoader.SI_VERSION);
        expected.put("offsetof(struct hvm_start_info, flags)", (long) PvhLoader.SI_FLAGS);
        expected.put("offsetof(struct hvm_start_info, nr_modules)", (long) PvhLoader.SI_NR_MODULES);
        expected.put("offsetof(struct hvm_start_info, modlist_paddr)", (long) PvhLoader.SI_MODLIST_PADDR);
        expected.put("offsetof(struct hvm_start_info, cmdline_paddr)", (long) PvhLoader.SI_CMDLINE_PADDR);
        expected.put("offsetof(struct hvm_start_info, rsdp_paddr)", (long) PvhLoader.SI_RSDP_PADDR);
        expected.put("offsetof(struct hvm_start_info, memmap_paddr)", (long) PvhLoader.SI_MEMMAP_PADDR);
        expected.put("offsetof(struct hvm_start_info, memmap_entries)", (long) PvhLoader.SI_MEMMAP_ENTRIES);
        expected.put("sizeof(struct hvm_modlist_entry)", (long) PvhLoader.MODLIST_ENTRY_SIZE);
        // The loader writes the entries' fields at these offsets.
        expected.put("offsetof(struct hvm_modlist_entry, paddr)", 0L);
        expected.put("offsetof(struct hvm_modlist_entry, size)", 8L);
        expected.put("offsetof(struct hvm_modlist_entry, cmdline_paddr)", 16L);
        expected.put("offsetof(struct hvm_modlist_entry, reserved)", 24L);
        expected.put("sizeof(struct hvm_memmap_table_entry)", (long) PvhLoader.MEMMAP_ENTRY_SIZE);
        expected.put("offsetof(struct hvm_memmap_table_entry, addr)", 0L);
        expected.put("offsetof(struct hvm_memmap_table_entry, size)", 8L);
        expected.put("offsetof(struct hvm_memmap_table_entry, type)", 16L);
        expected.put("offsetof(struct hvm_memmap_table_entry, reserved)", 20L);
        // The memory map's types are passed through unchanged.
        expected.put("XEN_HVM_MEMMAP_TYPE_RAM", (long) AddressMap.MapEntry.RAM);
        expected.put("XEN_HVM_MEMMAP_TYPE_RESERVED", (long) AddressMap.MapEntry.RESERVED);
        Map<String, Long> actual = CProbe.values(List.of("stdint.h", "xen/arch-x86/hvm/start_info.h"),
                new ArrayList<>(expected.keySet()));
        assertThat(expected).containsExactlyEntriesOf(actual);
        // The start info, the module list and the memory map do not overlap.
        assertThat(AddressMap.PVH_START_INFO + PvhLoader.SI_SIZE).isLessThanOrEqualTo(AddressMap.PVH_MODLIST);
        assertThat(AddressMap.PVH_MODLIST + PvhLoader.MODLIST_ENTRY_SIZE).isLessThanOrEqualTo(AddressMap.PVH_MEMMAP);
    }

    @Test
    void writesStartInfoMemmapAndCommandLine() throws Exception {
        EntryState e = load(mem, spec(null, "console=ttyS0 root=/dev/vda"), TestImages.pvhElf());
        assertThat(e.mode()).isEqualTo(EntryState.Mode.PROTECTED_32);
        assertThat(e.rip()).isEqualTo(0x10_0010);
        assertThat(e.rbx()).isEqualTo(AddressMap.PVH_START_INFO);
        long si = AddressMap.PVH_START_INFO;
        assertThat(mem.readU32(si + PvhLoader.SI_MAGIC)).isEqualTo(0x336ec578);
        assertThat(mem.readU32(si + PvhLoader.SI_VERSION)).isEqualTo(1);
        assertThat(mem.readU32(si + PvhLoader.SI_FLAGS)).isZero();
        assertThat(mem.readU32(si + PvhLoader.SI_NR_MODULES)).isZero();
        assertThat(mem.readU64(si + PvhLoader.SI_MODLIST_PADDR)).isZero();
        assertThat(mem.readU64(si + PvhLoader.SI_RSDP_PADDR)).isEqualTo(RSDP);
        assertThat(mem.readU32(si + 52)).as("reserved").isZero();
        long cmdline = mem.readU64(si + PvhLoader.SI_CMDLINE_PADDR);
        assertThat(new String(mem.read(cmdline, 28))).isEqualTo("console=ttyS0 root=/dev/vda\0");
        List<AddressMap.MapEntry> map = MAP.memoryMap();
        assertThat(mem.readU32(si + PvhLoader.SI_MEMMAP_ENTRIES)).isEqualTo(map.size());
        long mm = mem.readU64(si + PvhLoader.SI_MEMMAP_PADDR);
        for (int i = 0; i < map.size(); i++) {
            long at = mm + 24L * i;
            assertThat(new AddressMap.MapEntry(mem.readU64(at), mem.readU64(at + 8), mem.readU32(at + 16)))
                    .isEqualTo(map.get(i));
            assertThat(mem.readU32(at + 20)).isZero();
        }
    }

    @Test
    void loadsTheSegmentAndZeroesItsBss() throws Exception {
        load(mem, spec(null, ""), TestImages.pvhElf());
        assertThat(mem.read(0x10_0000, 0x40)).isEqualTo(TestImages.pattern(0x40, 1));
        assertThat(mem.read(0x10_0040, 0x2000 - 0x40)).containsOnly(0);
        assertThat(mem.readByte(0x10_2000)).as("past memsz, untouched").isEqualTo(TestImages.pattern(0x4000, 0x77)[0x2000]);
    }

    @Test
    void placesTheInitrdPageAlignedAboveTheKernelAndBelowTheEndOfRam() throws Exception {
        byte[] data = TestImages.pattern(5000, 42);
        Path initrd = Files.write(dir.resolve("initrd"), data);
        load(mem, spec(initrd, "x"), TestImages.pvhElf());
        long si = AddressMap.PVH_START_INFO;
        assertThat(mem.readU32(si + PvhLoader.SI_NR_MODULES)).isEqualTo(1);
        long mod = mem.readU64(si + PvhLoader.SI_MODLIST_PADDR);
        assertThat(mod).isEqualTo(AddressMap.PVH_MODLIST);
        long at = mem.readU64(mod);
        assertThat(mem.readU64(mod + 8)).isEqualTo(5000);
        assertThat(mem.readU64(mod + 16)).isZero();
        assertThat(mem.readU64(mod + 24)).isZero();
        assertThat(at % 4096).isZero();
        assertThat(at).isGreaterThanOrEqualTo(0x10_2000);
        assertThat(at + 5000).isLessThanOrEqualTo(MAP.lowEnd());
        assertThat(mem.read(at, 5000)).isEqualTo(data);
    }

    @Test
    void memmapIncludesRamAboveFourGib(@TempDir Path d) throws Exception {
        AddressMap big = new AddressMap(4 * AddressMap.GIB);
        try (GuestMemory m = GuestMemory.create("pvh-big", big)) {
            load(m, new BootSpec(d.resolve("k"), null, "", big, 0), TestImages.pvhElf());
            long si = AddressMap.PVH_START_INFO;
            int n = m.readU32(si + PvhLoader.SI_MEMMAP_ENTRIES);
            assertThat(n).isEqualTo(big.memoryMap().size()).isEqualTo(5);
            long last = AddressMap.PVH_MEMMAP + 24L * (n - 1);
            assertThat(m.readU64(last)).isEqualTo(AddressMap.FOUR_GIB);
            assertThat(m.readU64(last + 8)).isEqualTo(big.highSize());
            assertThat(m.readU64(si + PvhLoader.SI_RSDP_PADDR)).isZero();
        }
    }

    @Test
    void rejectsAnInitrdTooLargeForMemory() throws Exception {
        Path initrd = dir.resolve("huge-initrd");
        try (var f = new java.io.RandomAccessFile(initrd.toFile(), "rw")) {
            f.setLength(64 * AddressMap.MIB); // sparse: as large as all of RAM
        }
        assertThatThrownBy(() -> load(mem, spec(initrd, ""), TestImages.pvhElf())).isInstanceOf(BootException.class)
                .hasMessageContaining("initrd " + initrd).hasMessageContaining("does not fit");
    }

    @Test
    void streamsASparseThreeGibInitrdAboveFourGibWithoutCopyingItThroughTheHeap() throws Exception {
        long size = 3 * AddressMap.GIB;
        Path initrd = TestImages.sparseInitrd(dir.resolve("initrd-3g"), size);
        // 6 GiB: 3 GiB below the MMIO hole, 3 GiB + 384 KiB above 4 GiB. The memfd is sparse and
        // the file's holes are punched rather than written, so this costs a few pages.
        AddressMap big = new AddressMap(6 * AddressMap.GIB);
        try (GuestMemory m = GuestMemory.create("pvh-3g", big)) {
            long expectedAt = (big.ramTop() - size) & ~4095L;
            m.writeU64(expectedAt + size / 4, -1L); // junk where a hole of the file lands
            long grew = HeapGrowth.of(() -> load(m, new BootSpec(dir.resolve("k"), initrd, "", big, 0),
                    TestImages.pvhElf()));
            long mod = AddressMap.PVH_MODLIST;
            assertThat(m.readU32(AddressMap.PVH_START_INFO + PvhLoader.SI_NR_MODULES)).isEqualTo(1);
            long at = m.readU64(mod);
            assertThat(m.readU64(mod + 8)).isEqualTo(size);
            assertThat(at).as("above 4 GiB: no room below the MMIO hole").isEqualTo(expectedAt)
                    .isGreaterThanOrEqualTo(AddressMap.FOUR_GIB);
            TestImages.assertMarkersAt(m, at, size);
            assertThat(grew).as("heap and direct-buffer growth while loading a 3 GiB initrd").isLessThan(32L << 20);
        }
    }

    @Test
    void streamsATwoGibInitrdBelowTheMmioHole() throws Exception {
        long size = 2 * AddressMap.GIB;
        Path initrd = TestImages.sparseInitrd(dir.resolve("initrd-2g"), size);
        AddressMap big = new AddressMap(4 * AddressMap.GIB);
        try (GuestMemory m = GuestMemory.create("pvh-2g", big)) {
            load(m, new BootSpec(dir.resolve("k"), initrd, "", big, 0), TestImages.pvhElf());
            long at = m.readU64(AddressMap.PVH_MODLIST);
            assertThat(m.readU64(AddressMap.PVH_MODLIST + 8)).isEqualTo(size);
            assertThat(at).as("as high as fits below the hole").isEqualTo(big.lowEnd() - size);
            TestImages.assertMarkersAt(m, at, size);
        }
    }

    @Test
    void loadsADenseInitrdWithoutCopyingItThroughTheHeap() throws Exception {
        byte[] chunk = TestImages.pattern(1 << 20, 9);
        Path initrd = dir.resolve("initrd-dense");
        try (var out = Files.newOutputStream(initrd)) {
            for (int i = 0; i < 64; i++) {
                chunk[0] = (byte) i;
                out.write(chunk);
            }
        }
        AddressMap map = new AddressMap(256 * AddressMap.MIB);
        try (GuestMemory m = GuestMemory.create("pvh-dense", map)) {
            long grew = HeapGrowth.of(() -> load(m, new BootSpec(dir.resolve("k"), initrd, "", map, 0), TestImages.pvhElf()));
            long at = m.readU64(AddressMap.PVH_MODLIST);
            assertThat(m.readU64(AddressMap.PVH_MODLIST + 8)).isEqualTo(64L << 20);
            for (int i = 0; i < 64; i++) {
                chunk[0] = (byte) i;
                assertThat(m.read(at + ((long) i << 20), 1 << 20)).as("MiB %d", i).isEqualTo(chunk);
            }
            assertThat(grew).as("heap and direct-buffer growth while loading a 64 MiB initrd").isLessThan(16L << 20);
        }
    }

    @Test
    void linuxPvhKernelGetsItsInitrdBelowFourGibOnly() throws Exception {
        // Linux's PVH entry (arch/x86/platform/pvh/enlighten.c) copies the module's paddr and
        // size into the 32-bit ramdisk_image/ramdisk_size of boot_params.
        Path initrd = TestImages.sparseInitrd(dir.resolve("initrd-3g"), 3 * AddressMap.GIB);
        AddressMap big = new AddressMap(6 * AddressMap.GIB);
        byte[] linux = new TestImages.Elf().load(0x10_0000, new byte[16], 0x1000).pvhNote(0x10_0000)
                .note("Linux", 1, new byte[4]).build();
        try (GuestMemory m = GuestMemory.create("pvh-linux-3g", big)) {
            assertThatThrownBy(() -> load(m, new BootSpec(dir.resolve("vmlinux"), initrd, "", big, 0), linux))
                    .isInstanceOf(BootException.class).hasMessageContaining("initrd " + initrd + " (3072 MiB) does not fit")
                    .hasMessageContaining("and 0xc0000000; use a smaller initrd");
        }
    }

    @Test
    void rejectsAMissingInitrd() {
        Path initrd = dir.resolve("nope");
        assertThatThrownBy(() -> load(mem, spec(initrd, ""), TestImages.pvhElf())).isInstanceOf(BootException.class)
                .hasMessage("initrd " + initrd + " does not exist");
    }

    @Test
    void rejectsAnEntryOutsideTheImage() {
        byte[] img = new TestImages.Elf().load(0x10_0000, new byte[16], 0x1000).pvhNote(0x20_0000).build();
        assertThatThrownBy(() -> load(mem, spec(null, ""), img)).isInstanceOf(BootException.class)
                .hasMessageContaining("PVH entry 0x200000 is outside the loaded image [0x100000, 0x101000)");
    }

    @Test
    void rejectsSegmentsOutsideRam() {
        for (long paddr : new long[] {0xA_0000, 0xFEE0_0000L, 0x1_0000_0000L, MAP.lowEnd() - 8, 0x8000}) {
            byte[] img = new TestImages.Elf().load(paddr, new byte[16], 16).pvhNote(paddr).build();
            assertThatThrownBy(() -> load(mem, spec(null, ""), img)).as("segment at 0x%x", paddr)
                    .isInstanceOf(BootException.class).hasMessageContaining("is outside guest RAM");
        }
    }

    @Test
    void rejectsSegmentsWhoseEndWraps() {
        byte[] img = new TestImages.Elf().load(0x10_0000, new byte[16], 0x1000).pvhNote(0x10_0000).build();
        // memsz near 2^63: paddr + memsz wraps negative.
        byte[] patched = img.clone();
        java.nio.ByteBuffer.wrap(patched).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(64 + 56 + 40, Long.MAX_VALUE - 0x1000);
        assertThatThrownBy(() -> load(mem, spec(null, ""), patched)).isInstanceOf(BootException.class)
                .hasMessageContaining("outside guest RAM");
    }

    @Test
    void segmentRangeErrorsPrintSixtyFourBitFieldsUnsigned() {
        byte[] img = new TestImages.Elf().load(0x10_0000, new byte[16], 0x1000).pvhNote(0x10_0000).build();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(img.clone()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(64 + 56 + 40, -1L); // p_memsz = 2^64 - 1
        assertThatThrownBy(() -> load(mem, spec(null, ""), b.array())).isInstanceOf(BootException.class)
                .hasMessageContaining("ELF segment of 0xffffffffffffffff bytes at 0x100000 is outside guest RAM");
        b.putLong(64 + 56 + 40, 0x1000).putLong(64 + 56 + 24, -0x1000L); // p_paddr = 2^64 - 4096
        assertThatThrownBy(() -> load(mem, spec(null, ""), b.array())).isInstanceOf(BootException.class)
                .hasMessageContaining("ELF segment of 0x1000 bytes at 0xfffffffffffff000 is outside guest RAM");
    }

    @Test
    void rejectsBadCommandLines() {
        assertThatThrownBy(() -> load(mem, spec(null, "x".repeat(AddressMap.CMDLINE_MAX)), TestImages.pvhElf()))
                .isInstanceOf(BootException.class).hasMessageContaining("command line is 65536 bytes (expected: at most 65535)");
        assertThatThrownBy(() -> load(mem, spec(null, "a\0b"), TestImages.pvhElf())).isInstanceOf(BootException.class)
                .hasMessageContaining("NUL");
    }

    @Test
    void elf32PvhKernelLoadsToo() throws Exception {
        byte[] img = new TestImages.Elf().elf32().load(0x20_0000, TestImages.pattern(32, 5), 64).pvhNote(0x20_0004).build();
        EntryState e = load(mem, spec(null, ""), img);
        assertThat(e.rip()).isEqualTo(0x20_0004);
        assertThat(mem.read(0x20_0000, 32)).isEqualTo(TestImages.pattern(32, 5));
    }
}
