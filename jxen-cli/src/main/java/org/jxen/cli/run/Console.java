package org.jxen.cli.run;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

    private final OutputStream out = new FileOutputStream(FileDescriptor.out);
    private final AtomicReference<Uart8250> target = new AtomicReference<>();
    private final CompletableFuture<Void> detached = new CompletableFuture<>();
    private final boolean interactive;
    private Terminal terminal;

    Console(boolean interactive) {
        this.interactive = interactive;
    }

    /** Whether stdin is a terminal (so raw mode and Ctrl-] apply). */
    static boolean stdinIsTerminal() {
        return Terminal.isTerminal(0);
    }

    /** The sink the UART writes to. */
    Uart8250.Sink sink() {
        return b -> {
            try {
                out.write(b);
            } catch (IOException e) {
                // stdout closed (a pipe whose reader left): the guest's output has nowhere to go.
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

    /** Writes a line of jxen-run's own to stderr, starting on a fresh line in raw mode. */
    void message(String text) {
        System.err.print((interactive ? "\r\n" : "") + Printable.escape(text) + (interactive ? "\r\n" : "\n"));
        System.err.flush();
    }

    @Override
    public void close() {
        if (terminal != null) {
            terminal.close();
        }
    }
}
