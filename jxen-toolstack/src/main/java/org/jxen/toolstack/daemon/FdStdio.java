package org.jxen.toolstack.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jxen.sys.Errno;
import org.jxen.sys.EventFd;
import org.jxen.sys.Fd;
import org.jxen.sys.LibC;
import org.jxen.sys.SysException;
import org.jxen.sys.Terminal;

/**
 * The client's standard descriptors, received over the launcher socket. Reads wait on the
 * descriptor and on a cancel event together, so {@link #cancel()} (the client went away) ends a
 * blocked read with EOF; the raw mode {@link #rawMode()} sets is restored by {@link #close()}
 * whatever happened.
 *
 * <p>Threads: the command's thread reads and writes; the connection's watcher calls
 * {@link #cancel()}.
 */
final class FdStdio implements Stdio {
    private final Fd in;
    private final Fd out;
    private final Fd err;
    private final EventFd cancel;
    private final OutputStream output;
    private final OutputStream error;
    private Terminal raw;
    private boolean closed;

    FdStdio(Fd in, Fd out, Fd err) throws SysException {
        this.in = in;
        this.out = out;
        this.err = err;
        this.cancel = new EventFd("xl cancel");
        this.output = writer(out, "standard output");
        this.error = writer(err, "standard error");
    }

    @Override
    public void endInput() {
        cancel();
    }

    void cancel() {
        try {
            cancel.signal();
        } catch (SysException | IllegalStateException e) {
            // Closed already: nothing to wake.
        }
    }

    private final InputStream input = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            try {
                short[] r = LibC.poll(new int[] {in.get(), cancel.get()}, new short[] {LibC.POLLIN, LibC.POLLIN}, -1);
                if (r[1] != 0) {
                    return -1;
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Math.min(len, 65536));
                    long n;
                    do {
                        n = LibC.readRaw(in.get(), buf, buf.byteSize());
                    } while (n == -Errno.EINTR);
                    if (n < 0) {
                        throw new IOException("cannot read the client's standard input: " + Errno.describe((int) -n));
                    }
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                    return n == 0 ? -1 : (int) n;
                }
            } catch (SysException | IllegalStateException e) {
                throw new InterruptedIOException("the client went away");
            }
        }
    };

    private OutputStream writer(Fd fd, String name) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(Math.max(1, len));
                    MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
                    long done = 0;
                    while (done < len) {
                        long n = LibC.writeRaw(fd.get(), buf.asSlice(done), len - done);
                        if (n == -Errno.EINTR) {
                            continue;
                        }
                        if (n < 0) {
                            throw new IOException("cannot write to the client's " + name + ": " + Errno.describe((int) -n));
                        }
                        done += n;
                    }
                } catch (IllegalStateException e) {
                    throw new IOException("the client's " + name + " is closed");
                }
            }
        };
    }


    @Override
    public InputStream in() {
        return input;
    }

    @Override
    public OutputStream out() {
        return output;
    }

    @Override
    public OutputStream err() {
        return error;
    }

    @Override
    public boolean stdinIsTerminal() {
        return in.isOpen() && Terminal.isTerminal(in.get());
    }

    @Override
    public synchronized AutoCloseable rawMode() throws IOException {
        if (!stdinIsTerminal() || raw != null) {
            return () -> { };
        }
        try {
            raw = Terminal.raw(in.get());
        } catch (SysException e) {
            throw new IOException("cannot put the client's terminal in raw mode: " + e.getMessage());
        }
        return this::restore;
    }

    private synchronized void restore() {
        if (raw != null) {
            raw.close();
            raw = null;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        restore();
        in.close();
        out.close();
        err.close();
        cancel.close();
    }
}
