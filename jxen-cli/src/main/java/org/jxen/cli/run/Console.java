package org.jxen.cli.run;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.jxen.sys.SysException;
import org.jxen.sys.Terminal;
import org.jxen.vmm.device.legacy.Uart8250;

/**
 * The VM's serial console on this process's standard streams: COM1's output goes to stdout
 * unbuffered; stdin is forwarded to COM1. When stdin is a terminal it is put in raw mode (so
 * the guest does its own line editing and receives Ctrl-C), restored on every exit, and
 * Ctrl-] leaves the console, as with {@code xl console}.
 *
 * <p>Threads: a daemon "console-input" thread reads stdin; the UART's vCPU thread writes stdout.
 */
final class Console implements AutoCloseable {
    /** Ctrl-], the escape character of xl console (and telnet). */
    static final int ESCAPE = 0x1d;

    private final OutputStream out;
    private final PrintStream err;
    private final AtomicReference<Uart8250> target = new AtomicReference<>();
    private final CompletableFuture<Void> detached = new CompletableFuture<>();
    private final boolean interactive;
    private Terminal terminal;
    /**
     * The last byte the guest wrote since jxen-run's own last line, or {@link #NOTHING}: written
     * by the vCPU thread, read by {@link #message} on the main thread. A race between the two
     * only misplaces one line break.
     */
    private volatile int lastGuestByte = NOTHING;
    private static final int NOTHING = -1;
    /** Set once stdout failed: by whichever vCPU wrote the byte, under the UART's lock. */
    private boolean outputLost;

    Console(boolean interactive) {
        this(interactive, new FileOutputStream(FileDescriptor.out), System.err);
    }

    /** A console writing the guest's output to {@code out} and jxen-run's messages to {@code err}. */
    Console(boolean interactive, OutputStream out, PrintStream err) {
        this.interactive = interactive;
        this.out = out;
        this.err = err;
    }

    /** Whether stdin is a terminal (so raw mode and Ctrl-] apply). */
    static boolean stdinIsTerminal() {
        return Terminal.isTerminal(0);
    }

    /** The sink the UART writes to. */
    Uart8250.Sink sink() {
        return b -> {
            lastGuestByte = b;
            try {
                out.write(b);
            } catch (IOException e) {
                // stdout closed (a pipe whose reader left) or full: the guest runs on, as a
                // machine whose serial line is unplugged would; say so once.
                if (!outputLost) {
                    outputLost = true;
                    err.println("jxen-run: warning: cannot write the console to standard output: "
                            + Printable.escape(String.valueOf(e.getMessage())) + "; the guest's output is lost");
                    err.flush();
                }
            }
        };
    }

    /** Points the input at a (new) UART, e.g. after a reboot. */
    void attach(Uart8250 uart) {
        target.set(uart);
    }

    /** Completes when the user presses Ctrl-]. */
    CompletableFuture<Void> detached() {
        return detached;
    }

    /** Starts forwarding stdin; switches the terminal to raw mode when interactive. */
    void start() throws SysException {
        if (interactive) {
            terminal = Terminal.raw(0);
        }
        Thread.ofPlatform().daemon(true).name("console-input").start(() -> pump(System.in));
    }

    private void pump(InputStream in) {
        byte[] buf = new byte[256];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                int len = n;
                if (interactive) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == ESCAPE) {
                            len = i;
                            detached.complete(null);
                            break;
                        }
                    }
                }
                Uart8250 u = target.get();
                if (u != null && len > 0) {
                    u.receive(buf, 0, len);
                }
                if (detached.isDone()) {
                    return;
                }
            }
        } catch (IOException e) {
            // stdin closed: the guest just gets no more input.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes a line of jxen-run's own to stderr. On a terminal stderr and the console share the
     * screen, so the line starts on a line of its own when the guest left one unfinished ("abc"
     * and no newline). In raw mode the terminal does not turn "\n" into "\r\n", so lines end
     * in "\r\n", and a guest's bare "\n" gets a "\r" to return to the first column.
     */
    void message(String text) {
        String eol = interactive ? "\r\n" : "\n";
        int last = lastGuestByte;
        String start = last == NOTHING ? "" : last != '\n' ? eol : interactive ? "\r" : "";
        lastGuestByte = NOTHING;
        err.print(start + Printable.escape(text) + eol);
        err.flush();
    }

    @Override
    public void close() {
        if (terminal != null) {
            terminal.close();
        }
    }
}
