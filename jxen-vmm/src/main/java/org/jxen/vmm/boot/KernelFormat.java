package org.jxen.vmm.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Which boot protocol a kernel file speaks, decided from its first bytes. */
public enum KernelFormat {
    /** An ELF with a {@code XEN_ELFNOTE_PHYS32_ENTRY} note. */
    PVH_ELF,
    /** A Multiboot v1 kernel (ELF or a.out-kludge image). */
    MULTIBOOT,
    /** A Linux bzImage ("HdrS" setup header, boot protocol 2.12 or later). */
    BZIMAGE;

    /** Largest kernel jxen reads (a bzImage is ~10 MiB; this bounds a hostile file). */
    public static final long MAX_KERNEL_BYTES = 512L << 20;
    /** Bytes per FileChannel.read of a kernel, and so the size of the JDK's temporary direct buffer. */
    private static final int READ_CHUNK = 1 << 20;

    /**
     * Reads {@code kernel} and picks its format: PVH note first (as Xen and Firecracker do),
     * then bzImage, then Multiboot.
     */
    public static KernelFormat detect(Path kernel, byte[] image) throws BootException {
        if (image.length >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F') {
            ElfImage elf = ElfImage.parse(kernel, image);
            if (elf.pvhEntry() != null) {
                return PVH_ELF;
            }
            if (MultibootLoader.findHeader(image) >= 0) {
                return MULTIBOOT;
            }
            throw new BootException(kernel + ": this ELF has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) and no "
                    + "Multiboot header; jxen boots PVH ELF, Multiboot and bzImage kernels");
        }
        if (BzImageLoader.isBzImage(image)) {
            return BZIMAGE;
        }
        if (MultibootLoader.findHeader(image) >= 0) {
            return MULTIBOOT;
        }
        throw new BootException(kernel + ": not a kernel jxen can boot (neither an ELF with a PVH note, a "
                + "Multiboot image nor a Linux bzImage)");
    }

    /**
     * Reads a whole kernel file that must exist, be readable, be non-empty and at most
     * {@code max} bytes, into a heap array for the parsers. Read a chunk at a time: a heap
     * buffer handed to FileChannel.read gets a temporary direct buffer of its remaining size,
     * which the JDK then keeps cached on this thread.
     */
    public static byte[] readFile(Path file, String what, long max) throws BootException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new BootException(what + " " + file + " is empty");
            }
            if (size > max) {
                throw new BootException(what + " " + file + " is " + size + " bytes (expected: at most " + max + ")");
            }
            byte[] image;
            try {
                image = new byte[Math.toIntExact(size)];
            } catch (OutOfMemoryError e) {
                throw new BootException(what + " " + file + " is " + (size >> 20) + " MiB, more than the Java heap has "
                        + "room for (raise -Xmx)");
            }
            ByteBuffer buf = ByteBuffer.wrap(image);
            while (buf.hasRemaining()) {
                buf.limit(Math.min(image.length, buf.position() + READ_CHUNK));
                if (ch.read(buf) < 0) {
                    break;
                }
            }
            if (buf.position() != size || ch.size() != size) {
                throw new BootException(String.format("%s %s changed size while it was read (%d bytes when opened, %d now)",
                        what, file, size, ch.size()));
            }
            return image;
        } catch (NoSuchFileException e) {
            throw new BootException(what + " " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new BootException(what + " " + file + " is not readable (permission denied)");
        } catch (IOException e) {
            throw new BootException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
