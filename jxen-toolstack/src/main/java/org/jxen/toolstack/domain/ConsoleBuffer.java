package org.jxen.toolstack.domain;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jxen.vmm.device.legacy.Uart8250;

/**
 * One domain's console, multiplexed as Xen's xenconsoled does: the guest's serial output goes
 * to a backlog of the last {@code backlogBytes} (so a reader that comes late first sees the boot
 * messages), to every attached reader, and to the log file ({@code console/guest-NAME.log}).
 *
 * <p>The guest never waits for anyone: {@link #write(int)} runs on vCPU threads and only appends
 * to memory. Each reader has a bounded buffer; a reader that falls more than
 * {@link #READER_LIMIT} bytes behind loses the oldest bytes and reads a one-line notice saying
 * how many. The log is written by its own thread; a failed write (disk full) is reported once
 * and the guest carries on.
 */
public final class ConsoleBuffer implements Uart8250.Sink, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.toolstack.domain");
    /** How far one reader may fall behind before it loses output. */
    static final int READER_LIMIT = 1 << 20;
    /** How much log output may wait for the disk before the oldest is dropped. */
    static final int LOG_LIMIT = 4 << 20;

    private final Object lock = new Object();
    private final byte[] backlog;
    private long written;
    private final List<Reader> readers = new CopyOnWriteArrayList<>();
    private final Path logFile;
    private final Chunks pendingLog = new Chunks(LOG_LIMIT);
    private final Thread logger;
    private volatile String name;
    private boolean closed;

    public ConsoleBuffer(String domainName, Path logFile, int backlogBytes) {
        this.name = domainName;
        this.backlog = new byte[backlogBytes];
        this.logFile = logFile;
        this.logger = logFile == null ? null : Thread.ofVirtual().name("console-log-" + domainName).start(this::logLoop);
    }

    /** A byte from the guest (vCPU thread): never blocks. */
    @Override
    public void write(int b) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            backlog[(int) (written++ % backlog.length)] = (byte) b;
            for (Reader r : readers) {
                r.queue.add((byte) b);
            }
            if (logFile != null) {
                pendingLog.add((byte) b);
            }
            lock.notifyAll();
        }
    }

    /** Attaches a reader: it first reads the backlog, then what comes. */
    public ConsoleAttachment attach(ConsoleInput toGuest) {
        Reader r = new Reader(toGuest);
        synchronized (lock) {
            long have = Math.min(written, backlog.length);
            for (long i = written - have; i < written; i++) {
                r.queue.add(backlog[(int) (i % backlog.length)]);
            }
            if (closed) {
                r.detached = true;
            } else {
                readers.add(r);
            }
        }
        return r;
    }

    public void rename(String newName) {
        this.name = newName;
    }

    /** Readers see the end of the stream; the log gets what is pending. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        if (logger != null) {
            try {
                logger.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void logLoop() {
        boolean failed = false;
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "console log of " + name + ": cannot create " + logFile.getParent() + ": "
                    + e.getMessage() + " (the console carries on without a log)");
            failed = true;
        }
        try (OutputStream out = failed ? OutputStream.nullOutputStream() : Files.newOutputStream(logFile,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (true) {
                byte[] chunk;
                synchronized (lock) {
                    while (pendingLog.isEmpty() && !closed) {
                        lock.wait();
                    }
                    if (pendingLog.isEmpty()) {
                        return;
                    }
                    chunk = pendingLog.take(65536);
                }
                if (!failed) {
                    try {
                        out.write(chunk);
                        out.flush();
                    } catch (IOException e) {
                        failed = true;
                        LOG.log(System.Logger.Level.WARNING, "console log of " + name + ": cannot write " + logFile + ": "
                                + e.getMessage() + " (the console carries on; the log stops here)");
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "console log of " + name + ": cannot open " + logFile + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A byte queue with a cap: past it, the oldest bytes go and are counted. */
    static final class Chunks {
        private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
        private final int limit;
        private byte[] tail = new byte[256];
        private int tailLen;
        private long size;
        long dropped;

        Chunks(int limit) {
            this.limit = limit;
        }

        void add(byte b) {
            if (tailLen == tail.length) {
                chunks.add(tail);
                tail = new byte[Math.min(tail.length * 2, 65536)];
                tailLen = 0;
            }
            tail[tailLen++] = b;
            size++;
            while (size > limit && !chunks.isEmpty()) {
                byte[] old = chunks.poll();
                size -= old.length;
                dropped += old.length;
            }
        }

        boolean isEmpty() {
            return size == 0;
        }

        /** About {@code max} bytes from the front: whole chunks, then the tail once they are gone. */
        byte[] take(int max) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (out.size() < max && !chunks.isEmpty()) {
                byte[] c = chunks.poll();
                out.write(c, 0, c.length);
                size -= c.length;
            }
            if (out.size() < max && chunks.isEmpty() && tailLen > 0) {
                out.write(tail, 0, tailLen);
                size -= tailLen;
                tailLen = 0;
            }
            return out.toByteArray();
        }
    }

    private final class Reader implements ConsoleAttachment {
        final Chunks queue = new Chunks(READER_LIMIT);
        final ConsoleInput toGuest;
        boolean detached;
        private long reportedDrops;
        private byte[] current = new byte[0];
        private int pos;

        Reader(ConsoleInput toGuest) {
            this.toGuest = toGuest;
        }

        private final InputStream output = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (pos == current.length) {
                    synchronized (lock) {
                        try {
                            while (queue.isEmpty() && !closed && !detached) {
                                lock.wait();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted while reading the console");
                        }
                        if (queue.isEmpty()) {
                            return -1;
                        }
                        byte[] data = queue.take(65536);
                        long lost = queue.dropped - reportedDrops;
                        reportedDrops = queue.dropped;
                        if (lost > 0) {
                            byte[] note = ("\r\n[jxen: " + lost + " bytes of console output dropped: this reader fell behind]\r\n")
                                    .getBytes(StandardCharsets.US_ASCII);
                            byte[] both = java.util.Arrays.copyOf(note, note.length + data.length);
                            System.arraycopy(data, 0, both, note.length, data.length);
                            data = both;
                        }
                        current = data;
                        pos = 0;
                    }
                }
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }
        };

        private final OutputStream input = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    toGuest.write(b, off, len);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while typing to the console");
                }
            }
        };

        @Override
        public InputStream output() {
            return output;
        }

        @Override
        public OutputStream input() {
            return input;
        }

        @Override
        public void close() {
            synchronized (lock) {
                detached = true;
                readers.remove(this);
                lock.notifyAll();
            }
        }
    }
}
