package org.jxen.block.part;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

import org.jxen.block.BlockBackend;
import org.jxen.block.ImageException;

/**
 * Reads a disk's partition table without the kernel: an MBR (with logical partitions in the
 * chain of extended boot records) or a GPT (the primary header at LBA 1, or the backup at the
 * last LBA when the primary's CRC is wrong). A disk with no MBR signature has no table (a
 * filesystem on the whole disk, as xen-tools makes them). Everything read from the disk is
 * checked before use: entries must lie inside the disk, chains and entry counts are bounded,
 * and a damaged table is an {@link ImageException} saying what and where.
 *
 * <p>Layouts: MBR per the IBM PC convention (the table at byte 446, four 16-byte entries, the
 * signature 0x55 0xAA at 510); GPT per UEFI 2.10 §5.3 (header fields and CRC32 over the header
 * with its CRC zeroed, and over the entry array).
 */
public final class PartitionTable {
    private static final int SECTOR = BlockBackend.SECTOR;
    private static final int MBR_TABLE = 446;
    private static final int MBR_ENTRY = 16;
    private static final int TYPE_GPT_PROTECTIVE = 0xEE;
    private static final long GPT_SIGNATURE = 0x5452415020494645L; // "EFI PART", little-endian
    /** Logical partitions: at most this many links in an EBR chain (Linux's own limit is lower in practice). */
    private static final int MAX_LOGICAL = 128;
    /** GPT entries: at most this many, of at most this size (real tables: 128 of 128 bytes). */
    private static final int MAX_GPT_ENTRIES = 1024;
    private static final int MAX_GPT_ENTRY_SIZE = 4096;

    private PartitionTable() {}

    /** The disk's partitions in Linux's numbering; empty when the disk has no partition table. */
    public static List<Partition> read(BlockBackend disk) throws IOException {
        if (disk.size() < SECTOR) {
            return List.of();
        }
        ByteBuffer mbr = sector(disk, 0);
        if ((mbr.get(510) & 0xff) != 0x55 || (mbr.get(511) & 0xff) != 0xAA) {
            return List.of();
        }
        List<Partition> out = new ArrayList<>();
        boolean protective = false;
        for (int i = 0; i < 4; i++) {
            int e = MBR_TABLE + i * MBR_ENTRY;
            int type = mbr.get(e + 4) & 0xff;
            if (type == TYPE_GPT_PROTECTIVE) {
                protective = true;
            }
        }
        if (protective) {
            return gpt(disk);
        }
        if (looksLikeFilesystemBootSector(mbr)) {
            return List.of();
        }
        Long extended = null;
        for (int i = 0; i < 4; i++) {
            int e = MBR_TABLE + i * MBR_ENTRY;
            int status = mbr.get(e) & 0xff;
            int type = mbr.get(e + 4) & 0xff;
            long start = Integer.toUnsignedLong(mbr.getInt(e + 8));
            long count = Integer.toUnsignedLong(mbr.getInt(e + 12));
            if (type == 0 || count == 0) {
                continue;
            }
            if (status != 0 && status != 0x80) {
                throw new ImageException(disk.describe() + ": MBR entry " + (i + 1) + " has boot flag 0x"
                        + Integer.toHexString(status) + " (expected 0x00 or 0x80): not a partition table");
            }
            Partition p = checked(disk, "MBR entry " + (i + 1), i + 1, start, count, type, status == 0x80);
            out.add(p);
            if (isExtended(type)) {
                if (extended != null) {
                    throw new ImageException(disk.describe() + ": the MBR has two extended partitions");
                }
                extended = start;
            }
        }
        if (extended != null) {
            logical(disk, extended, out);
        }
        return List.copyOf(out);
    }

    private static boolean isExtended(int type) {
        return type == 0x05 || type == 0x0F || type == 0x85;
    }

    /**
     * A FAT or NTFS boot sector also ends in 55 AA; its entries would be garbage. Such a sector
     * starts with a jump (EB xx 90 or E9) and names its filesystem at byte 3 or 54/82.
     */
    private static boolean looksLikeFilesystemBootSector(ByteBuffer s) {
        int b0 = s.get(0) & 0xff;
        if (b0 != 0xEB && b0 != 0xE9) {
            return false;
        }
        String oem = ascii(s, 3, 8);
        String fat16 = ascii(s, 54, 5);
        String fat32 = ascii(s, 82, 5);
        return oem.startsWith("NTFS") || oem.startsWith("EXFAT") || fat16.equals("FAT12") || fat16.equals("FAT16")
                || fat32.equals("FAT32");
    }

    private static String ascii(ByteBuffer s, int at, int n) {
        byte[] b = new byte[n];
        s.get(at, b);
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static void logical(BlockBackend disk, long extendedStart, List<Partition> out) throws IOException {
        long ebr = extendedStart;
        Set<Long> seen = new HashSet<>();
        int number = 5;
        while (true) {
            if (!seen.add(ebr) || seen.size() > MAX_LOGICAL) {
                throw new ImageException(disk.describe() + ": the chain of logical partitions loops or is longer than "
                        + MAX_LOGICAL + " (at sector " + ebr + ")");
            }
            if ((ebr + 1) * SECTOR > disk.size()) {
                throw new ImageException(disk.describe() + ": an extended boot record at sector " + ebr
                        + " lies past the end of the disk");
            }
            ByteBuffer s = sector(disk, ebr);
            if ((s.get(510) & 0xff) != 0x55 || (s.get(511) & 0xff) != 0xAA) {
                throw new ImageException(disk.describe() + ": the extended boot record at sector " + ebr + " has no signature");
            }
            int type = s.get(MBR_TABLE + 4) & 0xff;
            long start = Integer.toUnsignedLong(s.getInt(MBR_TABLE + 8));
            long count = Integer.toUnsignedLong(s.getInt(MBR_TABLE + 12));
            if (type != 0 && count != 0) {
                out.add(checked(disk, "logical partition " + number, number, ebr + start, count, type,
                        (s.get(MBR_TABLE) & 0xff) == 0x80));
                number++;
            }
            int nextType = s.get(MBR_TABLE + MBR_ENTRY + 4) & 0xff;
            long next = Integer.toUnsignedLong(s.getInt(MBR_TABLE + MBR_ENTRY + 8));
            if (nextType == 0 || next == 0) {
                return;
            }
            ebr = extendedStart + next;
        }
    }

    private static Partition checked(BlockBackend disk, String what, int number, long startLba, long sectors, int type,
            boolean bootable) throws ImageException {
        long diskSectors = disk.size() / SECTOR;
        if (startLba == 0 || startLba >= diskSectors || sectors > diskSectors - startLba) {
            throw new ImageException(disk.describe() + ": " + what + " (sectors " + startLba + " to "
                    + (startLba + sectors - 1) + ") lies outside the disk of " + diskSectors + " sectors");
        }
        return new Partition(number, startLba * SECTOR, sectors * SECTOR, String.format("%02x", type), "", bootable);
    }

    private static List<Partition> gpt(BlockBackend disk) throws IOException {
        long lastLba = disk.size() / SECTOR - 1;
        String primaryProblem;
        try {
            return gptAt(disk, 1, lastLba);
        } catch (ImageException e) {
            primaryProblem = e.getMessage();
        }
        try {
            return gptAt(disk, lastLba, lastLba);
        } catch (ImageException e) {
            throw new ImageException(disk.describe() + ": both GPT headers are damaged (primary: " + primaryProblem
                    + "; backup: " + e.getMessage() + ")");
        }
    }

    private static List<Partition> gptAt(BlockBackend disk, long lba, long lastLba) throws IOException {
        ByteBuffer h = sector(disk, lba);
        if (h.getLong(0) != GPT_SIGNATURE) {
            throw new ImageException("no \"EFI PART\" signature at LBA " + lba);
        }
        int headerSize = h.getInt(12);
        if (headerSize < 92 || headerSize > SECTOR) {
            throw new ImageException("header size " + headerSize + " at LBA " + lba + " (expected 92 to 512)");
        }
        int crc = h.getInt(16);
        ByteBuffer copy = ByteBuffer.allocate(headerSize).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(0, h, 0, headerSize);
        copy.putInt(16, 0);
        if (crc32(copy.array(), headerSize) != crc) {
            throw new ImageException("the header CRC at LBA " + lba + " is wrong");
        }
        long entriesLba = h.getLong(72);
        long count = Integer.toUnsignedLong(h.getInt(80));
        long size = Integer.toUnsignedLong(h.getInt(84));
        int entriesCrc = h.getInt(88);
        if (count > MAX_GPT_ENTRIES || size < 128 || size > MAX_GPT_ENTRY_SIZE || size % 8 != 0) {
            throw new ImageException(count + " entries of " + size + " bytes (expected at most " + MAX_GPT_ENTRIES
                    + " of 128 to " + MAX_GPT_ENTRY_SIZE + ")");
        }
        long bytes = count * size;
        long sectors = (bytes + SECTOR - 1) / SECTOR;
        if (entriesLba < 2 && lba == 1 || entriesLba > lastLba || sectors > lastLba - entriesLba + 1) {
            throw new ImageException("the entry array at LBA " + entriesLba + " lies outside the disk");
        }
        ByteBuffer entries = ByteBuffer.allocate((int) (sectors * SECTOR)).order(ByteOrder.LITTLE_ENDIAN);
        disk.read(entriesLba * SECTOR, entries);
        if (crc32(entries.array(), (int) bytes) != entriesCrc) {
            throw new ImageException("the entry array's CRC is wrong");
        }
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int e = (int) (i * size);
            long typeLo = entries.getLong(e);
            long typeHi = entries.getLong(e + 8);
            if (typeLo == 0 && typeHi == 0) {
                continue;
            }
            long first = entries.getLong(e + 32);
            long last = entries.getLong(e + 40);
            if (first < 1 || last < first || last > lastLba) {
                throw new ImageException("entry " + (i + 1) + " (LBA " + first + " to " + last + ") lies outside the disk");
            }
            byte[] name = new byte[72];
            entries.get(e + 56, name);
            String n = new String(name, StandardCharsets.UTF_16LE);
            int nul = n.indexOf('\0');
            out.add(new Partition(i + 1, first * SECTOR, (last - first + 1) * SECTOR, guid(entries, e),
                    nul >= 0 ? n.substring(0, nul) : n, (entries.getLong(e + 48) & 4) != 0));
        }
        return List.copyOf(out);
    }

    /** A GUID as text: the first three fields are little-endian, the last two big-endian (UEFI appendix A). */
    private static String guid(ByteBuffer b, int at) {
        return String.format("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", b.getInt(at), b.getShort(at + 4),
                b.getShort(at + 6), b.get(at + 8), b.get(at + 9), b.get(at + 10), b.get(at + 11), b.get(at + 12),
                b.get(at + 13), b.get(at + 14), b.get(at + 15));
    }

    private static int crc32(byte[] b, int len) {
        CRC32 c = new CRC32();
        c.update(b, 0, len);
        return (int) c.getValue();
    }

    private static ByteBuffer sector(BlockBackend disk, long lba) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        disk.read(lba * SECTOR, b);
        return b;
    }
}
