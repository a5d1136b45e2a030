package org.jxen.toolstack.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code jxend.pid}: holds the running daemon's process id, and a lock on it (fcntl, through
 * {@link FileChannel#tryLock()}) that says "a jxend runs here". The kernel drops the lock when
 * the process dies, even by {@code kill -9}, so a stale file never blocks a new daemon, and two
 * daemons never share one run directory.
 *
 * <p>Called from jxend's main thread at start and from its shutdown hook.
 */
public final class PidFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private PidFile(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another live jxend holds the file. */
    public static final class AlreadyRunningException extends IOException {
        public AlreadyRunningException(String message) {
            super(message);
        }
    }

    /** Takes the pid file for this process, or says which process has it. */
    public static PidFile acquire(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String other = readPid(ch);
            ch.close();
            throw new AlreadyRunningException("jxend is already running" + (other.isEmpty() ? "" : " (process " + other + ")")
                    + ": " + path + " is locked");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new PidFile(path, ch, lock);
    }

    private static String readPid(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
    }

    public Path path() {
        return path;
    }

    /** Removes the file and drops the lock; idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        // Deleted while still locked: a daemon starting now either finds no file, or the
        // unlinked one is not the one it creates.
        Files.deleteIfExists(path);
        lock.release();
        channel.close();
    }
}
