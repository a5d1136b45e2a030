package org.jxen.vmm.boot;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Kernel images built byte by byte in the tests, from the layouts in elf.h (System V ABI),
 * xen/elfnote.h, the Multiboot Specification 0.6.96 (3.1) and Linux's boot.rst, so that the
 * loaders are tested without any prebuilt fixture.
 */
final class TestImages {
    private TestImages() {}

    /** An ELF executable: class, machine, entry, program headers for the segments and one note segment. */
    static final class Elf {
        record Seg(int type, long vaddr, long paddr, byte[] data, long memsz) {}

        boolean is64 = true;
        int machine = ElfImage.EM_X86_64;
        int type = ElfImage.ET_EXEC;
        long entry;
        final List<Seg> segs = new ArrayList<>();
        final ByteArrayOutputStream notes = new ByteArrayOutputStream();

        Elf elf32() {
            is64 = false;
            machine = ElfImage.EM_386;
            return this;
        }

        Elf entry(long e) {
            entry = e;
            return this;
        }

        Elf load(long paddr, byte[] data, long memsz) {
            segs.add(new Seg(ElfImage.PT_LOAD, paddr, paddr, data, memsz));
            return this;
        }

        Elf load(long vaddr, long paddr, byte[] data, long memsz) {
            segs.add(new Seg(ElfImage.PT_LOAD, vaddr, paddr, data, memsz));
            return this;
        }

        Elf note(String name, int type, byte[] desc) {
            byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.allocate(12 + align4(n.length) + align4(desc.length)).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(n.length).putInt(desc.length).putInt(type);
            b.put(n).position(12 + align4(n.length));
            b.put(desc);
            notes.writeBytes(b.array());
            return this;
        }

        /** XEN_ELFNOTE_PHYS32_ENTRY with a 32-bit descriptor, as the Xen ABI defines it. */
        Elf pvhNote(long entry32) {
            return note("Xen", ElfImage.XEN_ELFNOTE_PHYS32_ENTRY, le32((int) entry32));
        }

        byte[] build() {
            int ehsize = is64 ? 64 : 52;
            int phentsize = is64 ? 56 : 32;
            int phnum = segs.size() + (notes.size() > 0 ? 1 : 0);
            int dataStart = ehsize + phnum * phentsize;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            long[] offsets = new long[segs.size()];
            long noteOffset = dataStart;
            body.writeBytes(notes.toByteArray());
            for (int i = 0; i < segs.size(); i++) {
                while (body.size() % 16 != 0) {
                    body.write(0);
                }
                offsets[i] = dataStart + body.size();
                body.writeBytes(segs.get(i).data());
            }
            ByteBuffer b = ByteBuffer.allocate(dataStart + body.size()).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64 ? 2 : 1), 1, 1, 0});
            b.position(16);
            b.putShort((short) type).putShort((short) machine).putInt(1);
            if (is64) {
                b.putLong(entry).putLong(ehsize).putLong(0).putInt(0);
            } else {
                b.putInt((int) entry).putInt(ehsize).putInt(0).putInt(0);
            }
            b.putShort((short) ehsize).putShort((short) phentsize).putShort((short) phnum)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0);
            if (notes.size() > 0) {
                phdr(b, ElfImage.PT_NOTE, noteOffset, 0, 0, notes.size(), notes.size());
            }
            for (int i = 0; i < segs.size(); i++) {
                Seg s = segs.get(i);
                phdr(b, s.type(), offsets[i], s.vaddr(), s.paddr(), s.data().length, s.memsz());
            }
            b.put(body.toByteArray());
            return b.array();
        }

        private void phdr(ByteBuffer b, int ptype, long offset, long vaddr, long paddr, long filesz, long memsz) {
            if (is64) {
                b.putInt(ptype).putInt(7).putLong(offset).putLong(vaddr).putLong(paddr).putLong(filesz).putLong(memsz)
                        .putLong(16);
            } else {
                b.putInt(ptype).putInt((int) offset).putInt((int) vaddr).putInt((int) paddr).putInt((int) filesz)
                        .putInt((int) memsz).putInt(7).putInt(16);
            }
        }
    }

    static int align4(int v) {
        return (v + 3) & ~3;
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** {@code n} bytes of a recognisable pattern. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 7);
        }
        return b;
    }

    /**
     * A sparse file of {@code size} bytes whose only data are three 8-byte markers: at the start,
     * in the middle (page-aligned) and at the very end. Costs a few blocks on disk.
     */
    static Path sparseInitrd(Path file, long size) throws java.io.IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            for (long at : markerOffsets(size)) {
                f.seek(at);
                f.write(le64(marker(at)));
            }
        }
        return file;
    }

    static long[] markerOffsets(long size) {
        return new long[] {0, (size / 2) & ~4095L, size - 8};
    }

    /** The marker written at file offset {@code at}: its own offset, tagged, so a misplaced copy shows. */
    static long marker(long at) {
        return 0x4A58_454E_0000_0000L ^ at; // "JXEN" in the top bytes
    }

    /** Asserts that the markers of {@link #sparseInitrd} sit at guest {@code gpa} and a hole between them reads zero. */
    static void assertMarkersAt(org.jxen.vmm.memory.GuestMemory mem, long gpa, long size) {
        for (long at : markerOffsets(size)) {
            org.assertj.core.api.Assertions.assertThat(mem.readU64(gpa + at)).as("marker at initrd offset 0x%x", at)
                    .isEqualTo(marker(at));
        }
        org.assertj.core.api.Assertions.assertThat(mem.readU64(gpa + size / 4)).as("a hole of the file").isZero();
    }

    /** A PVH ELF64: one segment of code at 1 MiB (with BSS), entry 0x10 into it. */
    static byte[] pvhElf() {
        return new Elf().entry(0xFFFF_FFFF_8100_0000L).load(0x10_0000, pattern(0x40, 1), 0x2000).pvhNote(0x10_0010).build();
    }

    // Multiboot 0.6.96, 3.1.1: magic, flags, checksum, then the address fields for flag 16.
    static final int MB_PAGE_ALIGN = 1;
    static final int MB_MEMORY_INFO = 2;
    static final int MB_AOUT_KLUDGE = 1 << 16;

    /** A flat Multiboot image with the a.out-kludge address fields, loaded at 1 MiB. */
    static byte[] multibootFlat(int flags, long loadEnd, long bssEnd, long entry, int size) {
        byte[] img = pattern(size, 3);
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MultibootLoader.HEADER_MAGIC).putInt(4, flags).putInt(8, -(MultibootLoader.HEADER_MAGIC + flags));
        b.putInt(12, 0x10_0000).putInt(16, 0x10_0000).putInt(20, (int) loadEnd).putInt(24, (int) bssEnd)
                .putInt(28, (int) entry);
        return img;
    }

    /** A Multiboot header alone (no address fields), to embed in an ELF segment. */
    static byte[] multibootHeader(int flags) {
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(MultibootLoader.HEADER_MAGIC).putInt(flags)
                .putInt(-(MultibootLoader.HEADER_MAGIC + flags)).array();
    }

    /** A bzImage: boot sector and setup header as boot.rst lays them out, then the protected-mode kernel. */
    static final class BzImage {
        int version = 0x020F;
        int xloadflags = 1; // XLF_KERNEL_64
        int setupSects = 4;
        int jump = 0x6A; // the setup header runs to 0x202 + this
        long initSize = 0x20_0000;
        long prefAddress = 0x100_0000;
        int cmdlineSize = 2047;
        long initrdAddrMax = 0x37FF_FFFFL;
        byte[] kernel = pattern(0x1000, 9);

        byte[] build() {
            int setup = (setupSects == 0 ? 4 : setupSects) + 1;
            ByteBuffer b = ByteBuffer.allocate(setup * 512 + kernel.length).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0x1F1, (byte) setupSects);
            b.putShort(0x1FE, (short) 0xAA55);
            b.put(0x200, (byte) 0xEB).put(0x201, (byte) jump);
            b.putInt(0x202, 0x53726448); // "HdrS"
            b.putShort(0x206, (short) version);
            b.put(0x211, (byte) 0x01); // LOADED_HIGH
            b.putInt(0x22C, (int) initrdAddrMax);
            b.putInt(0x230, 0x20_0000); // kernel_alignment
            b.put(0x234, (byte) 1); // relocatable_kernel
            b.putShort(0x236, (short) xloadflags);
            b.putInt(0x238, cmdlineSize);
            b.putLong(0x258, prefAddress);
            b.putInt(0x260, (int) initSize);
            b.put(setup * 512, kernel);
            return b.array();
        }
    }
}
