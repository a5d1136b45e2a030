package org.jxen.toolstack.api;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The socket files of jxend's servers (the API's {@code jxend.sock}, the launcher's
 * {@code xl.sock}): a stale one is replaced and a live one refused before binding; after
 * binding, mode 0600 or 0660 with the access group; at the end, removed only if it is still
 * this server's own file (another jxend may have replaced it meanwhile).
 */
public final class SocketFiles {
    private SocketFiles() {}

    /** Prepares {@code path} for binding: its directory exists, and no live socket or other file is there. */
    public static void prepare(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
            throw new IOException("cannot listen on " + path + ": it exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new IOException("another jxend is already listening on " + path);
        } catch (IOException refused) {
            if (refused.getMessage() != null && refused.getMessage().startsWith("another jxend")) {
                throw refused;
            }
            // Nobody answers: a socket left by a daemon that was killed.
            Files.delete(path);
        }
    }

    /** Sets the bound socket's mode and group; returns its file key for {@link #removeIfOwn}. */
    public static Object restrict(Path path, Optional<String> group) throws IOException {
        if (group.isPresent()) {
            GroupPrincipal g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group.get());
            Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(g);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        } else {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        }
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** Deletes {@code path} if it is still the file {@code fileKey} names. */
    public static void removeIfOwn(Path path, Object fileKey) throws IOException {
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey != null && fileKey.equals(now)) {
                Files.delete(path);
            }
        } catch (NoSuchFileException e) {
            // Already gone.
        }
    }
}
