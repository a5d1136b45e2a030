package org.jxen.vmm.boot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Format detection and file reading, and the property that matters most for hostile kernels:
 * whatever the bytes, parsing, detecting and loading end in a {@link BootException} or
 * success, never another exception.
 */
class KernelFormatTest {
    static final Path FILE = Path.of("/var/lib/jxen/kernel");

    @TempDir
    Path dir;

    @Test
    void detectsAPvhElf() throws Exception {
        assertThat(KernelFormat.detect(FILE, TestImages.pvhElf())).isEqualTo(KernelFormat.PVH_ELF);
    }

    @Test
    void pvhNoteWinsOverAMultibootHeader() throws Exception {
        byte[] seg = TestImages.multibootHeader(TestImages.MB_PAGE_ALIGN);
        byte[] img = new TestImages.Elf().load(0x10_0000, seg, 0x1000).pvhNote(0x10_0000).build();
        assertThat(MultibootLoader.findHeader(img)).isNotNegative();
        assertThat(KernelFormat.detect(FILE, img)).isEqualTo(KernelFormat.PVH_ELF);
    }

    @Test
    void detectsMultibootElfAndFlatImages() throws Exception {
        byte[] elf = new TestImages.Elf().elf32().load(0x10_0000, TestImages.multibootHeader(3), 0x1000).build();
        assertThat(KernelFormat.detect(FILE, elf)).isEqualTo(KernelFormat.MULTIBOOT);
        byte[] flat = TestImages.multibootFlat(0x1_0003, 0x10_1000, 0, 0x10_0020, 0x1000);
        assertThat(KernelFormat.detect(FILE, flat)).isEqualTo(KernelFormat.MULTIBOOT);
    }

    @Test
    void detectsABzImage() throws Exception {
        assertThat(KernelFormat.detect(FILE, new TestImages.BzImage().build())).isEqualTo(KernelFormat.BZIMAGE);
    }

    @Test
    void rejectsAnElfWithNeitherPvhNoteNorMultibootHeader() {
        byte[] img = new TestImages.Elf().load(0x10_0000, new byte[64], 64).build();
        assertThatThrownBy(() -> KernelFormat.detect(FILE, img)).isInstanceOf(BootException.class)
                .hasMessageStartingWith(FILE + ": this ELF has no Xen PVH entry note");
    }

    @Test
    void rejectsGarbage() {
        for (byte[] junk : new byte[][] {new byte[0], "#!/bin/sh\necho hi\n".getBytes(), new byte[100_000],
                TestImages.pattern(4096, 0)}) {
            assertThatThrownBy(() -> KernelFormat.detect(FILE, junk)).isInstanceOf(BootException.class)
                    .hasMessage(FILE + ": not a kernel jxen can boot (neither an ELF with a PVH note, a Multiboot image nor a "
                            + "Linux bzImage)");
        }
    }

    @Test
    void realPvhGuestIsDetected() throws Exception {
        Path guest = Path.of(System.getProperty("jxen.root", "../"), "guests/build/hello.elf");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(guest), "skipped: " + guest + " is not built");
        byte[] img = Files.readAllBytes(guest);
        assertThat(KernelFormat.detect(guest, img)).isEqualTo(KernelFormat.PVH_ELF);
        assertThat(ElfImage.parse(guest, img).pvhEntry()).isBetween(AddressMap.HIMEM_START, 0x1000_0000L);
    }

    @Test
    void readFileReadsTheWholeFile() throws Exception {
        byte[] data = TestImages.pattern(70_000, 1);
        Path f = Files.write(dir.resolve("k"), data);
        assertThat(KernelFormat.readFile(f, "kernel", 1 << 20)).isEqualTo(data);
    }

    @Test
    void readFileRejectsAMissingFile() {
        Path f = dir.resolve("missing");
        assertThatThrownBy(() -> KernelFormat.readFile(f, "kernel", 1 << 20)).isInstanceOf(BootException.class)
                .hasMessage("kernel " + f + " does not exist");
    }

    @Test
    void readFileRejectsAnEmptyFile() throws Exception {
        Path f = Files.createFile(dir.resolve("empty"));
        assertThatThrownBy(() -> KernelFormat.readFile(f, "initrd", 1 << 20)).isInstanceOf(BootException.class)
                .hasMessage("initrd " + f + " is empty");
    }

    @Test
    void readFileRejectsADirectory() {
        assertThatThrownBy(() -> KernelFormat.readFile(dir, "kernel", 1 << 20)).isInstanceOf(BootException.class)
                .hasMessageContaining("kernel " + dir);
    }

    @Test
    void readFileRejectsAFileOverTheLimit() throws Exception {
        Path f = Files.write(dir.resolve("big"), new byte[1025]);
        assertThatThrownBy(() -> KernelFormat.readFile(f, "kernel", 1024)).isInstanceOf(BootException.class)
                .hasMessage("kernel " + f + " is 1025 bytes (expected: at most 1024)");
    }

    // --- properties --------------------------------------------------------------------------

    static GuestMemory mem;
    static final AddressMap MAP = new AddressMap(32 * AddressMap.MIB);

    @BeforeContainer
    @org.junit.jupiter.api.BeforeAll
    static void createMemory() throws Exception {
        mem = GuestMemory.create("fuzz", MAP);
    }

    @AfterContainer
    @org.junit.jupiter.api.AfterAll
    static void closeMemory() {
        mem.close();
    }

    /** A seed image and the header fields a loader reads from it: {offset, width} pairs. */
    record Seed(String what, byte[] image, int[][] fields) {}

    /** ELF header fields (System V ABI) and those of the program headers and the first note. */
    static int[][] elfFields(byte[] img) {
        boolean is64 = img[4] == 2;
        List<int[]> f = new ArrayList<>(List.of(new int[] {4, 1}, new int[] {5, 1}, new int[] {16, 2}, new int[] {18, 2}));
        int phnum;
        int phoff;
        int phentsize;
        if (is64) {
            f.addAll(List.of(new int[] {24, 8}, new int[] {32, 8}, new int[] {54, 2}, new int[] {56, 2}));
            phoff = 64;
            phentsize = 56;
            phnum = img[56];
        } else {
            f.addAll(List.of(new int[] {24, 4}, new int[] {28, 4}, new int[] {42, 2}, new int[] {44, 2}));
            phoff = 52;
            phentsize = 32;
            phnum = img[44];
        }
        int[][] ph = is64 ? new int[][] {{0, 4}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8}}
                : new int[][] {{0, 4}, {4, 4}, {8, 4}, {12, 4}, {16, 4}, {20, 4}};
        for (int i = 0; i < phnum; i++) {
            for (int[] x : ph) {
                f.add(new int[] {phoff + i * phentsize + x[0], x[1]});
            }
        }
        int notes = phoff + phnum * phentsize; // TestImages.Elf puts the notes right after the headers
        for (int k = 0; k < 4; k++) {
            f.add(new int[] {notes + 4 * k, 4});
        }
        return f.toArray(int[][]::new);
    }

    /** Seeds: each kind of kernel, and the real test guests when they are built. */
    static List<Seed> seeds() {
        List<Seed> s = new ArrayList<>();
        byte[] pvh64 = TestImages.pvhElf();
        byte[] pvh32 = new TestImages.Elf().elf32().load(0x10_0000, TestImages.pattern(64, 1), 0x1000).pvhNote(0x10_0010).build();
        byte[] mbElf = new TestImages.Elf().elf32().entry(0x10_0000).load(0x10_0000, TestImages.multibootHeader(3), 0x1000)
                .note("Xen", 6, new byte[4]).build();
        s.add(new Seed("PVH ELF64", pvh64, elfFields(pvh64)));
        s.add(new Seed("PVH ELF32", pvh32, elfFields(pvh32)));
        s.add(new Seed("Multiboot ELF32", mbElf, elfFields(mbElf)));
        // Multiboot 0.6.96, 3.1.1: flags, then header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr.
        s.add(new Seed("Multiboot flat", TestImages.multibootFlat(0x1_0003, 0x10_1000, 0x10_2000, 0x10_0020, 0x1000),
                new int[][] {{4, 4}, {12, 4}, {16, 4}, {20, 4}, {24, 4}, {28, 4}}));
        // boot.rst: setup_sects, the jump byte, version, initrd_addr_max, xloadflags, cmdline_size, pref_address, init_size.
        s.add(new Seed("bzImage", new TestImages.BzImage().build(),
                new int[][] {{0x1F1, 1}, {0x201, 1}, {0x206, 2}, {0x22C, 4}, {0x236, 2}, {0x238, 4}, {0x258, 8}, {0x260, 4}}));
        for (String name : new String[] {"hello.elf", "hello.mb.elf"}) {
            Path p = Path.of(System.getProperty("jxen.root", "../"), "guests/build", name);
            try {
                if (Files.isRegularFile(p) && Files.size(p) < (1 << 20)) {
                    byte[] img = Files.readAllBytes(p);
                    s.add(new Seed(name, img, new int[][] {{16, 2}, {18, 2}, {24, 8}, {32, 8}, {54, 2}, {56, 2}}));
                }
            } catch (java.io.IOException e) {
                // not built: the synthetic seeds still run
            }
        }
        return s;
    }

    /** Values worth trying in a field of {@code width} bytes holding {@code original}. */
    static long[] extremes(long original, int width, int fileLength) {
        return new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL,
                original + 1, original - 1, original + 0x1000, original - 0x1000, original * 2, fileLength, fileLength - 1,
                (1L << (8 * width - 1)) - 1};
    }

    static long getLe(byte[] b, int at, int width) {
        long v = 0;
        for (int k = 0; k < width && at + k < b.length; k++) {
            v |= (b[at + k] & 0xffL) << (8 * k);
        }
        return v;
    }

    static void putLe(byte[] b, int at, int width, long v) {
        for (int k = 0; k < width && at + k < b.length; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    /** A seed with some bytes or header fields overwritten, and maybe truncated. */
    @Provide
    Arbitrary<byte[]> mutatedKernels() {
        List<Seed> seeds = seeds();
        return Arbitraries.randomValue(r -> mutate(seeds.get(r.nextInt(seeds.size())), r));
    }

    static byte[] mutate(Seed seed, Random r) {
        byte[] b = seed.image().clone();
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(4)) {
                case 0, 1 -> { // a header field set to an extreme or moved a little
                    int[] f = seed.fields()[r.nextInt(seed.fields().length)];
                    long[] vs = extremes(getLe(b, f[0], f[1]), f[1], b.length);
                    putLe(b, f[0], f[1], r.nextInt(4) == 0 ? r.nextLong() : vs[r.nextInt(vs.length)]);
                }
                case 2 -> b[r.nextInt(Math.min(b.length, 0x300))] = (byte) r.nextInt(256);
                default -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
        }
        return r.nextInt(8) == 0 ? Arrays.copyOf(b, r.nextInt(b.length + 1)) : b;
    }

    @Test
    void everyHeaderFieldAtEveryExtremeFailsOnlyWithBootException() {
        int loads = 0;
        for (Seed seed : seeds()) {
            for (int[] f : seed.fields()) {
                for (long v : extremes(getLe(seed.image(), f[0], f[1]), f[1], seed.image().length)) {
                    byte[] b = seed.image().clone();
                    putLe(b, f[0], f[1], v);
                    try {
                        parseAndDetect(b);
                        loads += loadIfBootable(b) ? 1 : 0;
                    } catch (RuntimeException | AssertionError e) {
                        throw new AssertionError("%s with the %d-byte field at 0x%x set to 0x%x".formatted(seed.what(), f[1], f[0], v), e);
                    }
                }
            }
        }
        assertThat(loads).as("some variations still load").isPositive();
    }

    @Property(tries = 3000)
    void randomBytesOnlyEverFailWithBootException(@ForAll @Size(max = 2048) byte[] junk) {
        parseAndDetect(junk);
        byte[] elfish = junk.clone();
        if (elfish.length >= 6) {
            elfish[0] = 0x7f;
            elfish[1] = 'E';
            elfish[2] = 'L';
            elfish[3] = 'F';
            elfish[4] = (byte) (1 + (elfish[4] & 1));
            elfish[5] = 1;
        }
        parseAndDetect(elfish);
    }

    @Property(tries = 3000)
    void mutatedKernelsOnlyEverFailWithBootException(@ForAll("mutatedKernels") byte[] image) {
        parseAndDetect(image);
    }

    @Property(tries = 1500)
    void loadingMutatedKernelsOnlyEverFailsWithBootException(@ForAll("mutatedKernels") byte[] image) {
        loadIfBootable(image);
    }

    /** Loads as KernelLoader.load does, without the file; returns whether it loaded. */
    static boolean loadIfBootable(byte[] image) {
        BootSpec spec = new BootSpec(FILE, null, "console=ttyS0", MAP, 0xE_0000);
        try {
            switch (KernelFormat.detect(FILE, image)) {
                case PVH_ELF -> PvhLoader.load(mem, spec, ElfImage.parse(FILE, image), image);
                case MULTIBOOT -> MultibootLoader.load(mem, spec, image);
                case BZIMAGE -> BzImageLoader.load(mem, spec, image);
            }
            return true;
        } catch (BootException e) {
            assertThat(e.getMessage()).isNotBlank();
            return false;
        }
    }

    /** Parses and detects; a BootException must name the file. */
    static void parseAndDetect(byte[] image) {
        try {
            ElfImage.parse(FILE, image);
        } catch (BootException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
        }
        try {
            KernelFormat.detect(FILE, image);
        } catch (BootException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
        }
    }
}
