package org.jxen.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An ELF executable as a loader sees it (System V ABI, "ELF Header" and "Program Header";
 * constants from elf.h): class, machine, entry, the PT_LOAD segments and the notes. Every
 * offset and size read from the file is checked against the file, so a truncated or hostile
 * image fails with a message instead of an exception from deep inside.
 */
public final class ElfImage {
    // elf.h
    static final int EI_CLASS = 4;
    static final int EI_DATA = 5;
    static final int ELFCLASS32 = 1;
    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ET_EXEC = 2;
    static final int ET_DYN = 3;
    static final int EM_386 = 3;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    /** xen/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY. */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    /** Largest number of program headers read (Linux has a handful). */
    static final int MAX_PHDRS = 256;

    /** One PT_LOAD segment. */
    public record Segment(long offset, long vaddr, long paddr, long fileSize, long memSize) {}

    /** One ELF note. */
    public record Note(String name, int type, byte[] desc) {}

    private final Path path;
    private final boolean is64;
    private final int machine;
    private final long entry;
    private final List<Segment> loads;
    private final List<Note> notes;

    private ElfImage(Path path, boolean is64, int machine, long entry, List<Segment> loads, List<Note> notes) {
        this.path = path;
        this.is64 = is64;
        this.machine = machine;
        this.entry = entry;
        this.loads = loads;
        this.notes = notes;
    }

    public static ElfImage parse(Path path, byte[] image) throws BootException {
        if (image.length < 52) {
            throw new BootException(path + ": truncated ELF header (" + image.length + " bytes)");
        }
        if (image[0] != 0x7f || image[1] != 'E' || image[2] != 'L' || image[3] != 'F') {
            throw new BootException(path + ": not an ELF file (no \\x7fELF magic)");
        }
        int cls = image[EI_CLASS];
        if (cls != ELFCLASS32 && cls != ELFCLASS64) {
            throw new BootException(path + ": unknown ELF class " + cls + " (expected: 1 for ELF32 or 2 for ELF64)");
        }
        if (image[EI_DATA] != ELFDATA2LSB) {
            throw new BootException(path + ": big-endian ELF (expected: little-endian, for x86)");
        }
        boolean is64 = cls == ELFCLASS64;
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (is64 && image.length < 64) {
            throw new BootException(path + ": truncated ELF64 header (" + image.length + " bytes)");
        }
        int type = Short.toUnsignedInt(b.getShort(16));
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != EM_X86_64 && machine != EM_386) {
            throw new BootException(path + ": ELF for machine " + machine + " (expected: 62 for x86-64 or 3 for i386)");
        }
        if (type != ET_EXEC && type != ET_DYN) {
            throw new BootException(path + ": ELF type " + type + " is not an executable (expected: 2 EXEC or 3 DYN)");
        }
        long entry = is64 ? b.getLong(24) : Integer.toUnsignedLong(b.getInt(24));
        long phoff = is64 ? b.getLong(32) : Integer.toUnsignedLong(b.getInt(28));
        int phentsize = Short.toUnsignedInt(b.getShort(is64 ? 54 : 42));
        int phnum = Short.toUnsignedInt(b.getShort(is64 ? 56 : 44));
        int minEntry = is64 ? 56 : 32;
        if (phnum == 0) {
            throw new BootException(path + ": ELF has no program headers, so nothing to load");
        }
        if (phnum > MAX_PHDRS || phentsize < minEntry) {
            throw new BootException(path + ": ELF program header table has " + phnum + " entries of " + phentsize
                    + " bytes (expected: at most " + MAX_PHDRS + " entries of at least " + minEntry + ")");
        }
        // Compared without adding to phoff, which comes from the file and may be near 2^63.
        if (phoff < 0 || phoff > image.length || (long) phnum * phentsize > image.length - phoff) {
            throw new BootException(String.format("%s: truncated ELF: program headers at file offset 0x%x run past the "
                    + "end of the %d-byte file", path, phoff, image.length));
        }
        List<Segment> loads = new ArrayList<>();
        List<Note> notes = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * phentsize);
            int ptype = b.getInt(at);
            long offset;
            long vaddr;
            long paddr;
            long filesz;
            long memsz;
            if (is64) {
                offset = b.getLong(at + 8);
                vaddr = b.getLong(at + 16);
                paddr = b.getLong(at + 24);
                filesz = b.getLong(at + 32);
                memsz = b.getLong(at + 40);
            } else {
                offset = Integer.toUnsignedLong(b.getInt(at + 4));
                vaddr = Integer.toUnsignedLong(b.getInt(at + 8));
                paddr = Integer.toUnsignedLong(b.getInt(at + 12));
                filesz = Integer.toUnsignedLong(b.getInt(at + 16));
                memsz = Integer.toUnsignedLong(b.getInt(at + 20));
            }
            if (ptype != PT_LOAD && ptype != PT_NOTE) {
                continue;
            }
            // The fields are unsigned 64-bit (elf.h Elf64_Off, Elf64_Xword): a value of 2^63 or
            // more is negative as a long, so compare unsigned and print in hex.
            if (offset < 0 || filesz < 0 || offset > image.length || filesz > image.length - offset) {
                throw new BootException(String.format("%s: truncated ELF: segment %d needs 0x%x bytes at file offset 0x%x, "
                        + "past the end of the %d-byte file", path, i, filesz, offset, image.length));
            }
            if (ptype == PT_LOAD) {
                if (Long.compareUnsigned(memsz, filesz) < 0) {
                    throw new BootException(String.format("%s: ELF segment %d has memsz 0x%x < filesz 0x%x", path, i,
                            memsz, filesz));
                }
                loads.add(new Segment(offset, vaddr, paddr, filesz, memsz));
            } else {
                readNotes(path, b, (int) offset, (int) filesz, notes);
            }
        }
        if (loads.isEmpty()) {
            throw new BootException(path + ": ELF has no PT_LOAD segment, so nothing to load");
        }
        return new ElfImage(path, is64, machine, entry, List.copyOf(loads), List.copyOf(notes));
    }

    private static void readNotes(Path path, ByteBuffer b, int start, int size, List<Note> out) throws BootException {
        int at = start;
        int end = start + size;
        while (at + 12 <= end) {
            int namesz = b.getInt(at);
            int descsz = b.getInt(at + 4);
            int type = b.getInt(at + 8);
            long nameEnd = at + 12L + align4(namesz);
            long descEnd = nameEnd + align4(descsz);
            if (namesz < 0 || descsz < 0 || descEnd > end) {
                throw new BootException(path + ": malformed ELF note at file offset " + at);
            }
            byte[] name = new byte[Math.max(0, namesz - 1)];
            b.get(at + 12, name);
            byte[] desc = new byte[descsz];
            b.get((int) nameEnd, desc);
            out.add(new Note(new String(name, StandardCharsets.US_ASCII), type, desc));
            at = (int) descEnd;
        }
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    public Path path() {
        return path;
    }

    public boolean is64() {
        return is64;
    }

    public int machine() {
        return machine;
    }

    public long entry() {
        return entry;
    }

    public List<Segment> loads() {
        return loads;
    }

    public List<Note> notes() {
        return notes;
    }

    /**
     * The PVH entry point from the {@code XEN_ELFNOTE_PHYS32_ENTRY} note, or null. The note's
     * descriptor is 32 bits per the Xen ABI; 64-bit descriptors (as QEMU also accepts) are read
     * in full.
     */
    public Long pvhEntry() {
        for (Note n : notes) {
            if (n.name().equals("Xen") && n.type() == XEN_ELFNOTE_PHYS32_ENTRY) {
                ByteBuffer d = ByteBuffer.wrap(n.desc()).order(ByteOrder.LITTLE_ENDIAN);
                if (n.desc().length >= 8) {
                    return d.getLong(0);
                }
                if (n.desc().length >= 4) {
                    return Integer.toUnsignedLong(d.getInt(0));
                }
            }
        }
        return null;
    }

    /** Whether the image carries Linux's own notes (a vmlinux), for the "Linux on emulated KVM" warning. */
    public boolean isLinux() {
        return notes.stream().anyMatch(n -> n.name().equals("Linux"));
    }
}
