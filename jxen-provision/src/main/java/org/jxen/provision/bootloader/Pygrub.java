package org.jxen.provision.bootloader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jxen.block.BlockBackend;
import org.jxen.block.ImageException;
import org.jxen.block.ext.ExtFs;
import org.jxen.block.part.Partition;
import org.jxen.block.part.PartitionTable;

/**
 * pygrub's job, without mounting anything: finds the boot menu on a guest's disk and reads the
 * chosen entry's kernel and initrd out of it.
 *
 * <p>Where it looks, in order: each partition that can hold a filesystem (or the whole disk
 * when it has no partition table, as xen-tools makes them), and on the first ext2/3/4
 * filesystem that has one, {@code /boot/grub/grub.cfg}, {@code /grub/grub.cfg} (a separate
 * {@code /boot}), {@code /boot/grub2/grub.cfg}, {@code /grub2/grub.cfg}, then GRUB legacy's
 * {@code /boot/grub/menu.lst} and {@code /grub/menu.lst}. With no menu anywhere, Debian's
 * {@code /vmlinuz} and {@code /initrd.img} links (or {@code /boot/vmlinuz}) on the first
 * filesystem that has them make one entry, booted with {@code root=UUID=<that filesystem> ro}.
 */
public final class Pygrub {
    static final List<String> GRUB2 = List.of("/boot/grub/grub.cfg", "/grub/grub.cfg", "/boot/grub2/grub.cfg", "/grub2/grub.cfg");
    static final List<String> LEGACY = List.of("/boot/grub/menu.lst", "/grub/menu.lst", "/boot/grub/grub.conf", "/grub/grub.conf");

    private Pygrub() {}

    /**
     * What was found: the menu, and where (for messages and {@code -l}).
     *
     * @param fs the filesystem the menu's paths are in
     */
    public record Found(GrubMenu menu, String source, ExtFs fs) {}

    /** The chosen entry with its files' bytes. */
    public record Boot(BootEntry entry, byte[] kernel, Optional<byte[]> ramdisk) {}

    /**
     * pygrub's options that choose what boots ({@code bootloader_args} in xl.cfg):
     * {@code --entry=N|TITLE}, {@code --kernel=PATH}, {@code --ramdisk=PATH}, {@code --args=ARGS}.
     */
    public record Choice(Optional<String> entry, Optional<String> kernel, Optional<String> ramdisk, Optional<String> args) {
        public static final Choice DEFAULT = new Choice(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

        /**
         * Reads pygrub's choosing options from {@code bootloader_args}.
         *
         * @throws IllegalArgumentException naming an argument it does not know
         */
        public static Choice parse(List<String> args) {
            Optional<String> entry = Optional.empty();
            Optional<String> kernel = Optional.empty();
            Optional<String> ramdisk = Optional.empty();
            Optional<String> cmdline = Optional.empty();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                String key = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
                String value;
                if (a.contains("=")) {
                    value = a.substring(a.indexOf('=') + 1);
                } else if (List.of("--entry", "--kernel", "--ramdisk", "--args").contains(a) && i + 1 < args.size()) {
                    value = args.get(++i);
                } else if (List.of("-q", "--quiet", "-i", "--interactive", "-n", "--not-really").contains(a)) {
                    continue; // No menu is shown and nothing is written here anyway.
                } else {
                    throw new IllegalArgumentException("bootloader argument " + a + " is not one pygrub takes"
                            + " (--entry=, --kernel=, --ramdisk=, --args=)");
                }
                switch (key) {
                    case "--entry" -> entry = Optional.of(value);
                    case "--kernel" -> kernel = Optional.of(value);
                    case "--ramdisk" -> ramdisk = Optional.of(value);
                    case "--args" -> cmdline = Optional.of(value);
                    default -> throw new IllegalArgumentException("bootloader argument " + a + " is not one pygrub takes"
                            + " (--entry=, --kernel=, --ramdisk=, --args=)");
                }
            }
            return new Choice(entry, kernel, ramdisk, cmdline);
        }
    }

    /**
     * Finds the boot menu on {@code disk}.
     *
     * @throws ImageException when no filesystem on the disk has a menu or a kernel link, or the
     *     disk's partition table or filesystem is damaged
     */
    public static Found scan(BlockBackend disk) throws IOException {
        return scan(disk, -1);
    }

    /**
     * As {@link #scan(BlockBackend)}, but with {@code offset} at or above 0, only the filesystem
     * that starts at that byte of the disk (pygrub's {@code --offset}).
     */
    public static Found scan(BlockBackend disk, long offset) throws IOException {
        List<Partition> parts = offset >= 0 ? List.of() : PartitionTable.read(disk);
        List<ExtFs> filesystems = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (offset >= 0) {
            if (offset % BlockBackend.SECTOR != 0 || offset >= disk.size()) {
                throw new ImageException(disk.describe() + ": --offset=" + offset + " is not a sector inside the disk");
            }
            ExtFs.open(disk, offset, disk.size() - offset, disk.describe() + " at offset " + offset).ifPresent(fs -> {
                filesystems.add(fs);
                names.add("offset " + offset);
            });
        } else if (parts.isEmpty()) {
            ExtFs.open(disk, 0, disk.size(), disk.describe()).ifPresent(fs -> {
                filesystems.add(fs);
                names.add("the whole disk");
            });
        } else {
            for (Partition p : parts) {
                if (p.holdsNoFilesystem()) {
                    continue;
                }
                String where = "partition " + p.number();
                Optional<ExtFs> fs = ExtFs.open(disk, p.offset(), p.length(), disk.describe() + " " + where);
                if (fs.isPresent()) {
                    filesystems.add(fs.get());
                    names.add(where);
                }
            }
        }
        if (filesystems.isEmpty()) {
            throw new ImageException(disk.describe() + ": no ext2/3/4 filesystem " + (parts.isEmpty() ? "on the disk"
                    : "in its " + parts.size() + " partition(s)") + " (pygrub reads ext2, ext3 and ext4)");
        }
        for (int i = 0; i < filesystems.size(); i++) {
            ExtFs fs = filesystems.get(i);
            for (String cfg : GRUB2) {
                if (isFile(fs, cfg)) {
                    return new Found(GrubMenu.parseGrub2(text(fs, cfg)), cfg + " on " + names.get(i), fs);
                }
            }
            for (String cfg : LEGACY) {
                if (isFile(fs, cfg)) {
                    return new Found(GrubMenu.parseLegacy(text(fs, cfg)), cfg + " on " + names.get(i), fs);
                }
            }
        }
        for (int i = 0; i < filesystems.size(); i++) {
            ExtFs fs = filesystems.get(i);
            for (String dir : List.of("/", "/boot/")) {
                if (isFile(fs, dir + "vmlinuz")) {
                    List<String> initrd = isFile(fs, dir + "initrd.img") ? List.of(dir + "initrd.img") : List.of();
                    BootEntry e = new BootEntry("Linux (" + fs.realPath(dir + "vmlinuz") + ")", dir + "vmlinuz", initrd,
                            "root=UUID=" + fs.uuid() + " ro");
                    return new Found(new GrubMenu(List.of(e), 0), dir + "vmlinuz on " + names.get(i), fs);
                }
            }
        }
        throw new ImageException(disk.describe() + ": no GRUB menu (grub.cfg, menu.lst) and no /vmlinuz on any of its "
                + filesystems.size() + " filesystem(s)");
    }

    /**
     * The entry {@code choice} picks from {@code found}, with its kernel's and initrds' bytes (several
     * initrds are joined, as GRUB loads them).
     */
    public static Boot load(Found found, Choice choice) throws IOException {
        List<BootEntry> entries = found.menu().entries();
        BootEntry e;
        if (choice.entry().isPresent()) {
            String want = choice.entry().get();
            e = null;
            if (want.matches("\\d+")) {
                int n = Integer.parseInt(want);
                if (n >= entries.size()) {
                    throw new ImageException("--entry=" + want + ": " + found.source() + " has " + entries.size() + " entries (0 to "
                            + (entries.size() - 1) + ")");
                }
                e = entries.get(n);
            } else {
                for (BootEntry x : entries) {
                    if (x.title().equals(want)) {
                        e = x;
                        break;
                    }
                }
                if (e == null) {
                    throw new ImageException("--entry=" + want + ": no entry of that title in " + found.source());
                }
            }
        } else if (entries.isEmpty()) {
            if (choice.kernel().isEmpty()) {
                throw new ImageException(found.source() + " has no entry with a kernel");
            }
            e = new BootEntry("", choice.kernel().get(), List.of(), "");
        } else {
            e = entries.get(found.menu().defaultIndex());
        }
        e = new BootEntry(e.title(), choice.kernel().orElse(e.kernel()),
                choice.ramdisk().map(List::of).orElse(e.initrds()), choice.args().orElse(e.args()));
        ExtFs fs = found.fs();
        byte[] kernel = readBootFile(fs, e.kernel(), "kernel", found);
        Optional<byte[]> ramdisk = Optional.empty();
        if (!e.initrds().isEmpty()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (String p : e.initrds()) {
                all.writeBytes(readBootFile(fs, p, "initrd", found));
            }
            ramdisk = Optional.of(all.toByteArray());
        }
        return new Boot(e, kernel, ramdisk);
    }

    private static byte[] readBootFile(ExtFs fs, String path, String what, Found found) throws IOException {
        try {
            return fs.readFile(path);
        } catch (ExtFs.NoSuchFile ex) {
            throw new ImageException("the " + what + " " + path + " named by " + found.source() + " is not there");
        }
    }

    private static boolean isFile(ExtFs fs, String path) throws IOException {
        return fs.type(path).filter(t -> t == ExtFs.Type.FILE).isPresent();
    }

    private static String text(ExtFs fs, String path) throws IOException {
        byte[] b = fs.readFile(path);
        if (b.length > 4 << 20) {
            throw new ImageException(path + " is " + b.length + " bytes: not a boot menu");
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
