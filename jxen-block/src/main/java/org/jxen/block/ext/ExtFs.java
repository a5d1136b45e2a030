package org.jxen.block.ext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jxen.block.BlockBackend;
import org.jxen.block.ImageException;

/**
 * Reads files from an ext2, ext3 or ext4 filesystem on a disk or partition, without mounting
 * it (the bootloader's job: find the kernel, initrd and GRUB's config inside a guest's disk).
 * Read-only; a journal that needs recovery is read as it stands on disk.
 *
 * <p>Covered: 1 KiB to 64 KiB blocks, 32- and 64-bit group descriptors, flex_bg, extents (any
 * depth) and ext2/3 block maps (to triple indirect), linear and hashed directories (read
 * linearly), fast and slow symlinks, sparse files and unwritten extents (read as zeros).
 * Refused with a sentence: meta_bg, inline data, encryption, compression, a journal device.
 *
 * <p>The layouts are the kernel's {@code fs/ext4/ext4.h} and {@code ext4_extents.h}, as
 * documented in the kernel's "ext4 Data Structures and Algorithms". Every number read from the
 * disk is checked before it is used (block numbers against the block count, inode numbers
 * against the inode count, directory records against their block, tree depths and chain
 * lengths bounded), so a damaged filesystem is an {@link ImageException} naming the
 * filesystem and the place, never a wrong read or a loop.
 */
public final class ExtFs {
    static final int SUPERBLOCK_OFFSET = 1024;
    static final int MAGIC = 0xEF53;
    static final int ROOT_INODE = 2;
    // s_feature_incompat bits (ext4.h).
    static final int INCOMPAT_COMPRESSION = 0x1;
    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_JOURNAL_DEV = 0x8;
    static final int INCOMPAT_META_BG = 0x10;
    static final int INCOMPAT_EXTENTS = 0x40;
    static final int INCOMPAT_64BIT = 0x80;
    static final int INCOMPAT_INLINE_DATA = 0x8000;
    static final int INCOMPAT_ENCRYPT = 0x10000;
    // i_flags bits.
    static final int EXTENTS_FL = 0x80000;
    static final int INLINE_DATA_FL = 0x10000000;
    static final int EXTENT_MAGIC = 0xF30A;
    static final int MAX_EXTENT_DEPTH = 5;
    static final int MAX_SYMLINKS = 8;
    /** The largest file {@link #readFile} returns: kernels and initrds are far smaller. */
    public static final long MAX_READ = 1L << 30;

    /** The type of a directory entry or inode. */
    public enum Type { FILE, DIRECTORY, SYMLINK, OTHER }

    /** A directory entry: its name, inode number and type. */
    public record Entry(String name, long inode, Type type) {}

    private final BlockBackend disk;
    private final long base;
    private final long length;
    private final String where;
    private final int blockSize;
    private final long blocksCount;
    private final long inodesCount;
    private final long firstDataBlock;
    private final long inodesPerGroup;
    private final long blocksPerGroup;
    private final int inodeSize;
    private final int descSize;
    private final int incompat;
    private final String label;
    private final String uuid;

    private ExtFs(BlockBackend disk, long base, long length, String where, ByteBuffer sb) throws ImageException {
        this.disk = disk;
        this.base = base;
        this.length = length;
        this.where = where;
        int logBlock = sb.getInt(24);
        if (logBlock < 0 || logBlock > 6) {
            throw bad("block size 1024 << " + Integer.toUnsignedString(logBlock) + " (expected 1 KiB to 64 KiB)");
        }
        this.blockSize = 1024 << logBlock;
        this.incompat = sb.getInt(96);
        boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
        this.blocksCount = Integer.toUnsignedLong(sb.getInt(4)) | (is64 ? Integer.toUnsignedLong(sb.getInt(0x150)) << 32 : 0);
        this.inodesCount = Integer.toUnsignedLong(sb.getInt(0));
        this.firstDataBlock = Integer.toUnsignedLong(sb.getInt(20));
        this.blocksPerGroup = Integer.toUnsignedLong(sb.getInt(32));
        this.inodesPerGroup = Integer.toUnsignedLong(sb.getInt(40));
        int rev = sb.getInt(76);
        this.inodeSize = rev == 0 ? 128 : Short.toUnsignedInt(sb.getShort(88));
        int ds = Short.toUnsignedInt(sb.getShort(254));
        this.descSize = is64 ? ds : 32;
        byte[] u = new byte[16];
        sb.get(104, u);
        this.uuid = uuid(u);
        byte[] l = new byte[16];
        sb.get(120, l);
        String s = new String(l, StandardCharsets.UTF_8);
        this.label = s.indexOf('\0') >= 0 ? s.substring(0, s.indexOf('\0')) : s;
        if (blocksCount == 0 || blocksCount * blockSize > length) {
            throw bad(blocksCount + " blocks of " + blockSize + " bytes do not fit the " + length + " bytes it lies in");
        }
        if (inodesCount == 0 || inodesPerGroup == 0 || blocksPerGroup == 0 || blocksPerGroup > 8L * blockSize
                || inodesPerGroup > 8L * blockSize) {
            throw bad("inodes per group " + inodesPerGroup + ", blocks per group " + blocksPerGroup);
        }
        if (inodeSize < 128 || inodeSize > blockSize || Integer.bitCount(inodeSize) != 1) {
            throw bad("inode size " + inodeSize);
        }
        if (is64 && (descSize < 64 || descSize > 1024 || Integer.bitCount(descSize) != 1)) {
            throw bad("group descriptor size " + descSize);
        }
        if (firstDataBlock >= blocksCount) {
            throw bad("first data block " + firstDataBlock);
        }
        String refused = (incompat & INCOMPAT_META_BG) != 0 ? "meta_bg"
                : (incompat & INCOMPAT_INLINE_DATA) != 0 ? "inline_data"
                : (incompat & INCOMPAT_ENCRYPT) != 0 ? "encrypt"
                : (incompat & INCOMPAT_COMPRESSION) != 0 ? "compression"
                : (incompat & INCOMPAT_JOURNAL_DEV) != 0 ? "journal_dev" : null;
        if (refused != null) {
            throw new ImageException(where + ": the ext filesystem uses " + refused + ", which jxen cannot read");
        }
    }

    /**
     * Opens the filesystem that lies at {@code offset} for {@code length} bytes of {@code disk},
     * or empty when there is no ext superblock there (another filesystem, swap, nothing).
     *
     * @throws ImageException when the superblock is there but damaged
     */
    public static Optional<ExtFs> open(BlockBackend disk, long offset, long length, String where) throws IOException {
        if (length < SUPERBLOCK_OFFSET + 1024 || offset < 0 || offset + length > disk.size()) {
            return Optional.empty();
        }
        ByteBuffer sb = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        disk.read(offset + SUPERBLOCK_OFFSET, sb);
        if (Short.toUnsignedInt(sb.getShort(56)) != MAGIC) {
            return Optional.empty();
        }
        return Optional.of(new ExtFs(disk, offset, length, where, sb));
    }

    public int blockSize() {
        return blockSize;
    }

    public String label() {
        return label;
    }

    /** The filesystem's UUID, as {@code blkid} and {@code root=UUID=} write it. */
    public String uuid() {
        return uuid;
    }

    /** The entries of the directory at {@code path} ("." and ".." included). */
    public List<Entry> list(String path) throws IOException {
        Inode dir = resolve(path, true);
        if (dir.type() != Type.DIRECTORY) {
            throw new ImageException(where + ": " + path + " is not a directory");
        }
        return entries(dir, path);
    }

    /** The type of what {@code path} names (following symlinks), or empty when nothing is there. */
    public Optional<Type> type(String path) throws IOException {
        try {
            return Optional.of(resolve(path, true).type());
        } catch (NoSuchFile e) {
            return Optional.empty();
        }
    }

    /** The target of the symlink at {@code path} (not followed). */
    public String readLink(String path) throws IOException {
        Inode i = resolve(path, false);
        if (i.type() != Type.SYMLINK) {
            throw new ImageException(where + ": " + path + " is not a symbolic link");
        }
        return symlinkTarget(i);
    }

    /** The canonical path {@code path} names, symlinks followed ("/vmlinuz" → "/boot/vmlinuz-6.1.0-..."). */
    public String realPath(String path) throws IOException {
        List<String> out = new ArrayList<>();
        walk(path, true, out);
        return "/" + String.join("/", out);
    }

    /** The whole content of the regular file at {@code path} (symlinks followed). */
    public byte[] readFile(String path) throws IOException {
        Inode i = resolve(path, true);
        if (i.type() != Type.FILE) {
            throw new ImageException(where + ": " + path + " is not a regular file");
        }
        if (i.size() > MAX_READ) {
            throw new ImageException(where + ": " + path + " is " + i.size() + " bytes, more than jxen reads (" + MAX_READ + ")");
        }
        return content(i, path);
    }

    /** No such file: not damage, an answer. */
    public static final class NoSuchFile extends ImageException {
        NoSuchFile(String message) {
            super(message);
        }
    }

    // ---- inodes

    record Inode(long number, int mode, long size, int flags, ByteBuffer blockArea) {
        Type type() {
            return switch (mode & 0xF000) {
                case 0x8000 -> Type.FILE;
                case 0x4000 -> Type.DIRECTORY;
                case 0xA000 -> Type.SYMLINK;
                default -> Type.OTHER;
            };
        }
    }

    Inode inode(long number) throws IOException {
        if (number < 1 || number > inodesCount) {
            throw bad("inode " + number + " is outside 1.." + inodesCount);
        }
        long group = (number - 1) / inodesPerGroup;
        long index = (number - 1) % inodesPerGroup;
        long table = inodeTable(group);
        long byteInTable = index * inodeSize;
        long block = table + byteInTable / blockSize;
        checkBlock(block, "inode table of group " + group);
        ByteBuffer b = bytes(base + block * blockSize + byteInTable % blockSize, inodeSize);
        int mode = Short.toUnsignedInt(b.getShort(0));
        long size = Integer.toUnsignedLong(b.getInt(4)) | Integer.toUnsignedLong(b.getInt(0x6C)) << 32;
        int flags = b.getInt(0x20);
        ByteBuffer area = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
        area.put(0, b, 0x28, 60);
        if (size < 0) {
            throw bad("inode " + number + " has a negative size");
        }
        return new Inode(number, mode, size, flags, area);
    }

    private long inodeTable(long group) throws IOException {
        long groups = (blocksCount - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup;
        if (group >= groups) {
            throw bad("group " + group + " is outside the " + groups + " groups");
        }
        long descBlock = firstDataBlock + 1 + group * descSize / blockSize;
        checkBlock(descBlock, "group descriptor table");
        ByteBuffer d = bytes(base + descBlock * blockSize + group * descSize % blockSize, descSize);
        long table = Integer.toUnsignedLong(d.getInt(8)) | (descSize >= 64 ? Integer.toUnsignedLong(d.getInt(0x28)) << 32 : 0);
        checkBlock(table, "inode table of group " + group);
        return table;
    }

    // ---- file content

    /** The physical block of each logical block of the file, 0 for a hole, in order. */
    private long[] blockMap(Inode i, String path) throws IOException {
        long nblocks = (i.size() + blockSize - 1) / blockSize;
        if (nblocks > Integer.MAX_VALUE / 2) {
            throw bad(path + " has " + nblocks + " blocks");
        }
        long[] map = new long[(int) nblocks];
        if ((i.flags() & INLINE_DATA_FL) != 0) {
            throw new ImageException(where + ": " + path + " keeps its data inline, which jxen cannot read");
        }
        if ((i.flags() & EXTENTS_FL) != 0) {
            extents(i.blockArea(), 0, map, path, 0);
        } else {
            ByteBuffer a = i.blockArea();
            int[] at = {0};
            for (int k = 0; k < 12 && at[0] < map.length; k++) {
                map[at[0]++] = checkedData(Integer.toUnsignedLong(a.getInt(4 * k)), path);
            }
            for (int level = 1; level <= 3 && at[0] < map.length; level++) {
                indirect(checkedData(Integer.toUnsignedLong(a.getInt(4 * (11 + level))), path), level, map, at, path);
            }
        }
        return map;
    }

    private void indirect(long block, int level, long[] map, int[] at, String path) throws IOException {
        long per = blockSize / 4;
        long span = 1;
        for (int k = 1; k < level; k++) {
            span *= per;
        }
        if (block == 0) {
            at[0] = (int) Math.min(map.length, at[0] + span * per); // A hole the size of the whole subtree.
            return;
        }
        ByteBuffer b = block(block);
        for (int k = 0; k < per && at[0] < map.length; k++) {
            long child = checkedData(Integer.toUnsignedLong(b.getInt(4 * k)), path);
            if (level == 1) {
                map[at[0]++] = child;
            } else {
                indirect(child, level - 1, map, at, path);
            }
        }
    }

    private void extents(ByteBuffer node, int nodeOffset, long[] map, String path, int depthSeen) throws IOException {
        int magic = Short.toUnsignedInt(node.getShort(nodeOffset));
        int entries = Short.toUnsignedInt(node.getShort(nodeOffset + 2));
        int max = Short.toUnsignedInt(node.getShort(nodeOffset + 4));
        int depth = Short.toUnsignedInt(node.getShort(nodeOffset + 6));
        int room = (node.limit() - nodeOffset - 12) / 12;
        if (magic != EXTENT_MAGIC || entries > max || max > room || depth > MAX_EXTENT_DEPTH || depthSeen > MAX_EXTENT_DEPTH) {
            throw bad(path + ": a damaged extent node (magic 0x" + Integer.toHexString(magic) + ", " + entries + " of "
                    + max + " entries, depth " + depth + ")");
        }
        for (int k = 0; k < entries; k++) {
            int e = nodeOffset + 12 + 12 * k;
            long logical = Integer.toUnsignedLong(node.getInt(e));
            if (depth == 0) {
                int len = Short.toUnsignedInt(node.getShort(e + 4));
                boolean unwritten = len > 32768;
                if (unwritten) {
                    len -= 32768; // Allocated but never written: reads as zeros.
                }
                long start = Short.toUnsignedLong(node.getShort(e + 6)) << 32 | Integer.toUnsignedLong(node.getInt(e + 8));
                if (start + len > blocksCount || start < firstDataBlock && len > 0) {
                    throw bad(path + ": an extent (blocks " + start + "+" + len + ") lies outside the filesystem");
                }
                for (int j = 0; j < len; j++) {
                    long at = logical + j;
                    if (at < map.length && !unwritten) {
                        map[(int) at] = start + j;
                    }
                }
            } else {
                long leaf = Short.toUnsignedLong(node.getShort(e + 8)) << 32 | Integer.toUnsignedLong(node.getInt(e + 4));
                checkBlock(leaf, path + ": extent index");
                extents(block(leaf), 0, map, path, depthSeen + 1);
            }
        }
    }

    private byte[] content(Inode i, String path) throws IOException {
        long[] map = blockMap(i, path);
        byte[] out = new byte[(int) i.size()];
        // Runs of contiguous blocks are read at once.
        int k = 0;
        while (k < map.length) {
            if (map[k] == 0) {
                k++;
                continue;
            }
            int run = 1;
            while (k + run < map.length && map[k + run] == map[k] + run && run < 256) {
                run++;
            }
            long off = (long) k * blockSize;
            int n = (int) Math.min((long) run * blockSize, out.length - off);
            ByteBuffer dst = ByteBuffer.allocate(((n + BlockBackend.SECTOR - 1) / BlockBackend.SECTOR) * BlockBackend.SECTOR);
            disk.read(base + map[k] * blockSize, dst);
            System.arraycopy(dst.array(), 0, out, (int) off, n);
            k += run;
        }
        return out;
    }

    private String symlinkTarget(Inode i) throws IOException {
        if (i.size() > blockSize || i.size() > 4096) {
            throw bad("symlink inode " + i.number() + " is " + i.size() + " bytes long");
        }
        byte[] t;
        if ((i.flags() & EXTENTS_FL) == 0 && i.size() < 60) {
            t = new byte[(int) i.size()];
            i.blockArea().get(0, t);
        } else {
            t = content(i, "symlink inode " + i.number());
        }
        return new String(t, StandardCharsets.UTF_8);
    }

    // ---- directories and paths

    private List<Entry> entries(Inode dir, String path) throws IOException {
        byte[] data = content(dir, path);
        List<Entry> out = new ArrayList<>();
        boolean fileType = (incompat & INCOMPAT_FILETYPE) != 0;
        for (int blockStart = 0; blockStart < data.length; blockStart += blockSize) {
            ByteBuffer b = ByteBuffer.wrap(data, blockStart, Math.min(blockSize, data.length - blockStart)).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
            int at = 0;
            while (at + 8 <= b.limit()) {
                long ino = Integer.toUnsignedLong(b.getInt(at));
                int recLen = Short.toUnsignedInt(b.getShort(at + 4));
                if (recLen == 0 && blockSize == 65536) {
                    recLen = 65536; // ext4's encoding of a 64 KiB record.
                }
                int nameLen = fileType ? b.get(at + 6) & 0xff : Short.toUnsignedInt(b.getShort(at + 6));
                if (recLen < 8 || recLen % 4 != 0 || at + recLen > b.limit() || 8 + nameLen > recLen) {
                    throw bad("directory " + path + ": a damaged entry at byte " + (blockStart + at) + " (record length "
                            + recLen + ", name length " + nameLen + ")");
                }
                if (ino != 0 && nameLen > 0) {
                    if (ino > inodesCount) {
                        throw bad("directory " + path + ": an entry names inode " + ino + ", outside 1.." + inodesCount);
                    }
                    byte[] name = new byte[nameLen];
                    b.get(at + 8, name);
                    int ft = fileType ? b.get(at + 7) & 0xff : 0;
                    Type t = switch (ft) {
                        case 1 -> Type.FILE;
                        case 2 -> Type.DIRECTORY;
                        case 7 -> Type.SYMLINK;
                        default -> Type.OTHER;
                    };
                    out.add(new Entry(new String(name, StandardCharsets.UTF_8), ino, t));
                }
                at += recLen;
            }
        }
        return out;
    }

    private Inode resolve(String path, boolean followLast) throws IOException {
        return walk(path, followLast, new ArrayList<>());
    }

    /** Walks {@code path} from the root; {@code names} ends as the canonical path's components. */
    private Inode walk(String path, boolean followLast, List<String> names) throws IOException {
        int[] links = {0};
        return walkFrom(inode(ROOT_INODE), path, followLast, names, links);
    }

    private Inode walkFrom(Inode start, String path, boolean followLast, List<String> names, int[] links) throws IOException {
        if (path.startsWith("/")) {
            start = inode(ROOT_INODE);
            names.clear();
        }
        Inode cur = start;
        String[] parts = path.split("/");
        for (int k = 0; k < parts.length; k++) {
            String p = parts[k];
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (cur.type() != Type.DIRECTORY) {
                throw new NoSuchFile(where + ": " + path + ": " + String.join("/", names) + " is not a directory");
            }
            if (p.equals("..")) {
                if (!names.isEmpty()) {
                    names.remove(names.size() - 1);
                }
                cur = walkFrom(inode(ROOT_INODE), "/" + String.join("/", names), true, new ArrayList<>(), links);
                continue;
            }
            Entry found = null;
            for (Entry e : entries(cur, "/" + String.join("/", names))) {
                if (e.name().equals(p)) {
                    found = e;
                    break;
                }
            }
            if (found == null) {
                throw new NoSuchFile(where + ": no " + path);
            }
            Inode next = inode(found.inode());
            boolean last = k == parts.length - 1 || java.util.Arrays.stream(parts, k + 1, parts.length)
                    .allMatch(s -> s.isEmpty() || s.equals("."));
            if (next.type() == Type.SYMLINK && (!last || followLast)) {
                if (++links[0] > MAX_SYMLINKS) {
                    throw bad(path + ": more than " + MAX_SYMLINKS + " symbolic links (a loop?)");
                }
                String target = symlinkTarget(next);
                List<String> base = new ArrayList<>(names);
                next = walkFrom(cur, target, true, base, links);
                names.clear();
                names.addAll(base);
            } else {
                names.add(p);
            }
            cur = next;
        }
        return cur;
    }

    // ---- helpers

    /** {@code len} bytes at any byte offset of the disk, read as the whole sectors around them. */
    private ByteBuffer bytes(long offset, int len) throws IOException {
        long start = offset - offset % BlockBackend.SECTOR;
        long end = offset + len;
        long alignedEnd = (end + BlockBackend.SECTOR - 1) / BlockBackend.SECTOR * BlockBackend.SECTOR;
        ByteBuffer all = ByteBuffer.allocate((int) (alignedEnd - start));
        disk.read(start, all);
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, all, (int) (offset - start), len);
        return b;
    }

    private ByteBuffer block(long n) throws IOException {
        checkBlock(n, "block");
        ByteBuffer b = ByteBuffer.allocate(blockSize).order(ByteOrder.LITTLE_ENDIAN);
        disk.read(base + n * blockSize, b);
        return b.flip().limit(blockSize);
    }

    private long checkedData(long block, String path) throws ImageException {
        if (block != 0 && (block >= blocksCount || block < firstDataBlock)) {
            throw bad(path + ": block " + block + " is outside the filesystem's " + blocksCount);
        }
        return block;
    }

    private void checkBlock(long block, String what) throws ImageException {
        if (block < 1 || block >= blocksCount) {
            throw bad(what + " at block " + block + ", outside the filesystem's " + blocksCount + " blocks");
        }
    }

    private ImageException bad(String what) {
        return new ImageException(where + ": damaged ext filesystem: " + what);
    }

    private static String uuid(byte[] u) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < 16; k++) {
            if (k == 4 || k == 6 || k == 8 || k == 10) {
                s.append('-');
            }
            s.append(String.format("%02x", u[k]));
        }
        return s.toString();
    }
}
