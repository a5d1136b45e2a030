package org.jxen.cli.run;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that remembers its first write error. PrintStream and PrintWriter (System.out,
 * picocli's help) swallow errors, so "jxen-run --help > /dev/full" or output into a closed pipe
 * would exit 0 with nothing written; jxen-run puts this under System.out and asks it at exit.
 * Any thread; the first error wins.
 */
final class CheckedOutput extends FilterOutputStream {
    private volatile IOException error;

    CheckedOutput(OutputStream out) {
        super(out);
    }

    /** The first write or flush error, or null. */
    IOException error() {
        return error;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw record(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw record(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw record(e);
        }
    }

    private IOException record(IOException e) {
        if (error == null) {
            error = e;
        }
        return e;
    }
}
