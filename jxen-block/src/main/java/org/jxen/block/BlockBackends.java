package org.jxen.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.jxen.block.qcow2.Qcow2Image;
import org.jxen.block.raw.RawImage;

/** Opens a disk image by the format xl's disk spec names ({@code format=raw|qcow2}), or by its magic. */
public final class BlockBackends {
    /** The image formats jxen reads and writes. */
    public enum Format {
        RAW,
        QCOW2,
        /** qcow2 when the file starts with its magic, else raw (xl's default is raw). */
        DETECT
    }

    private BlockBackends() {}

    public static BlockBackend open(Path path, Format format, boolean readOnly) throws IOException {
        Format f = format == Format.DETECT ? detect(path) : format;
        return f == Format.QCOW2 ? Qcow2Image.open(path, readOnly) : RawImage.open(path, readOnly);
    }

    /**
     * Opens an image file for reading, and for writing unless {@code readOnly}; a missing or
     * forbidden file is an {@link ImageException} naming the {@code kind} ("raw image") and path.
     */
    public static FileChannel openFile(Path path, boolean readOnly, String kind) throws ImageException, IOException {
        try {
            return FileChannel.open(path, readOnly ? java.util.Set.of(StandardOpenOption.READ)
                    : java.util.Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ImageException(kind + " " + path + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ImageException(kind + " " + path + ": permission denied"
                    + (readOnly ? "" : " (for writing; access=r opens it read-only)"));
        }
    }

    static Format detect(Path path) throws IOException {
        try (FileChannel ch = openFile(path, true, "disk image")) {
            ByteBuffer magic = ByteBuffer.allocate(4);
            ch.read(magic, 0);
            return magic.position() == 4 && magic.getInt(0) == Qcow2Image.MAGIC ? Format.QCOW2 : Format.RAW;
        }
    }
}
