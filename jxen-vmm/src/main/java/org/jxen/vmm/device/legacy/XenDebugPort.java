package org.jxen.vmm.device.legacy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.jxen.vmm.bus.BusDevice;

/**
 * Xen's HVM debug port, 0xE9 (the same port Bochs and QEMU's isa-debugcon use): each byte the
 * guest writes is a character of its early log, which guests use before their console exists.
 * Complete lines go to the sink (a line longer than {@link #MAX_LINE} is cut there); control
 * characters other than tab are dropped. Reading the port gives 0xE9, so a guest can tell it is
 * there.
 *
 * <p>Threads: vCPU threads; one lock.
 */
public final class XenDebugPort implements BusDevice {
    public static final int PORT = 0xE9;
    public static final int MAX_LINE = 1024;

    private final Consumer<String> lines;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    public XenDebugPort(Consumer<String> lines) {
        this.lines = lines;
    }

    @Override
    public long read(long offset, int size) {
        return PORT;
    }

    @Override
    public void write(long offset, int size, long value) {
        String done = null;
        synchronized (this) {
            for (int i = 0; i < size; i++) {
                int b = (int) (value >>> (8 * i)) & 0xff;
                if (b == '\n') {
                    done = take();
                    break; // a write wider than a byte ending a line: the rest is another line's start
                }
                if (b >= 0x20 && b != 0x7f || b == '\t' || b >= 0x80) {
                    line.write(b);
                }
                if (line.size() >= MAX_LINE) {
                    done = take();
                }
            }
        }
        if (done != null) {
            lines.accept(done);
        }
    }

    private String take() {
        String s = line.toString(StandardCharsets.UTF_8);
        line.reset();
        return s;
    }

    /** What the guest wrote after its last newline (flushed when the VM ends). */
    public synchronized String partial() {
        return line.toString(StandardCharsets.UTF_8);
    }
}
