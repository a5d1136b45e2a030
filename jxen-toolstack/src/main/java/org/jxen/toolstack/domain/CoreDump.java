package org.jxen.toolstack.domain;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.memory.MemoryRegion;

/**
 * An ELF core file of a domain's memory ({@code on_crash = "coredump-destroy"} and
 * {@code "coredump-restart"}): ELF64, {@code ET_CORE}, {@code EM_X86_64}, one {@code PT_LOAD}
 * per guest RAM region with {@code p_paddr} (and {@code p_vaddr}) the guest-physical address.
 * Xen's own dumps use its xc_core layout; a plain ELF core is what {@code readelf}, {@code gdb}
 * and {@code crash} read. Pages of zeros are not written, so the file is sparse: a 4 GiB guest
 * that touched 20 MiB takes about 20 MiB on disk.
 *
 * <p>Called on a control thread while the guest's vCPUs are stopped.
 */
public final class CoreDump {
    // elf.h: e_ident, e_type, e_machine, p_type, p_flags.
    static final byte[] ELFMAG = {0x7f, 'E', 'L', 'F'};
    static final byte ELFCLASS64 = 2;
    static final byte ELFDATA2LSB = 1;
    static final byte EV_CURRENT = 1;
    static final short ET_CORE = 4;
    static final short EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PF_X = 1;
    static final int PF_W = 2;
    static final int PF_R = 4;
    /** sizeof(Elf64_Ehdr) and sizeof(Elf64_Phdr), elf.h. */
    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int PAGE = 4096;

    private CoreDump() {}

    /** One stretch of guest-physical memory and its bytes. */
    public record Region(long gpa, MemorySegment bytes) {}

    /** Writes the core of {@code memory}'s RAM regions to {@code file}. */
    public static void write(Path file, GuestMemory memory) throws IOException {
        List<Region> regions = memory.regions().stream()
                .map((MemoryRegion r) -> new Region(r.start(), memory.slice(r.start(), r.size()))).toList();
        write(file, regions);
    }

    public static void write(Path file, List<Region> regions) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        long headers = EHDR_SIZE + (long) PHDR_SIZE * regions.size();
        ByteBuffer h = ByteBuffer.allocate((int) headers).order(ByteOrder.LITTLE_ENDIAN);
        h.put(ELFMAG).put(ELFCLASS64).put(ELFDATA2LSB).put(EV_CURRENT).put(new byte[9]);
        h.putShort(ET_CORE).putShort(EM_X86_64).putInt(EV_CURRENT);
        h.putLong(0); // e_entry
        h.putLong(EHDR_SIZE); // e_phoff
        h.putLong(0); // e_shoff
        h.putInt(0); // e_flags
        h.putShort((short) EHDR_SIZE).putShort((short) PHDR_SIZE).putShort((short) regions.size());
        h.putShort((short) 0).putShort((short) 0).putShort((short) 0); // no sections
        long offset = align(headers);
        long[] offsets = new long[regions.size()];
        for (int i = 0; i < regions.size(); i++) {
            Region r = regions.get(i);
            offsets[i] = offset;
            long size = r.bytes().byteSize();
            h.putInt(PT_LOAD).putInt(PF_R | PF_W | PF_X).putLong(offset).putLong(r.gpa()).putLong(r.gpa())
                    .putLong(size).putLong(size).putLong(PAGE);
            offset = align(offset + size);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(h.flip(), 0);
            byte[] page = new byte[PAGE];
            for (int i = 0; i < regions.size(); i++) {
                MemorySegment s = regions.get(i).bytes();
                for (long p = 0; p < s.byteSize(); p += PAGE) {
                    int n = (int) Math.min(PAGE, s.byteSize() - p);
                    MemorySegment part = s.asSlice(p, n);
                    // Holes stay holes: the kernel reads them as zeros.
                    if (part.mismatch(MemorySegment.ofArray(new byte[n])) < 0) {
                        continue;
                    }
                    MemorySegment.copy(part, ValueLayout.JAVA_BYTE, 0, page, 0, n);
                    ByteBuffer b = ByteBuffer.wrap(page, 0, n);
                    while (b.hasRemaining()) {
                        ch.write(b, offsets[i] + p + b.position());
                    }
                }
            }
            // The size covers the last region even when it ends in zeros.
            if (ch.size() < offset) {
                ch.write(ByteBuffer.allocate(1), offset - 1);
            }
        }
    }

    private static long align(long n) {
        return (n + PAGE - 1) & -PAGE;
    }
}
