package org.jxen.vmm.device.legacy;

import java.util.ArrayDeque;

import org.jxen.vmm.bus.BusDevice;
import org.jxen.vmm.irq.InterruptLine;

/**
 * A 16550A UART (National Semiconductor PC16550D data sheet, "Register Description"), the
 * guest's console on COM1. Transmitted bytes go to a {@link Sink} at once; received bytes come
 * from {@link #receive(byte[], int, int)} and raise the receive interrupt. There are no line
 * errors, so the line-status interrupt is accepted in IER but never raised. Loopback mode (MCR
 * bit 4) is modelled because Linux's 8250 driver probes the port with it.
 *
 * <p>Threads: vCPU threads access the registers, a console thread calls {@code receive}; all
 * state is guarded by this object's monitor. {@code receive} blocks while the receive buffer
 * is full, so typed input is never dropped.
 */
public final class Uart8250 implements BusDevice {
    /** Where transmitted bytes go. */
    public interface Sink {
        void write(int b);
    }

    // Register offsets (PC16550D, table II).
    private static final int RBR_THR_DLL = 0;
    private static final int IER_DLM = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private static final int IER_RDA = 0x01;
    private static final int IER_THRE = 0x02;
    private static final int IER_MS = 0x08;
    private static final int IIR_NONE = 0x01;
    private static final int IIR_MS = 0x00;
    private static final int IIR_THRE = 0x02;
    private static final int IIR_RDA = 0x04;
    private static final int IIR_FIFO_ENABLED = 0xC0;
    private static final int FCR_ENABLE = 0x01;
    private static final int FCR_CLEAR_RX = 0x02;
    private static final int LCR_DLAB = 0x80;
    private static final int MCR_DTR = 0x01;
    private static final int MCR_RTS = 0x02;
    private static final int MCR_OUT1 = 0x04;
    private static final int MCR_OUT2 = 0x08;
    private static final int MCR_LOOP = 0x10;
    private static final int LSR_DR = 0x01;
    private static final int LSR_THRE = 0x20;
    private static final int LSR_TEMT = 0x40;
    private static final int MSR_CTS = 0x10;
    private static final int MSR_DSR = 0x20;
    private static final int MSR_RI = 0x40;
    private static final int MSR_DCD = 0x80;

    /**
     * Bytes buffered for the guest. More than the 16550A's 16-byte FIFO, which no driver can
     * tell; bounded so that a guest that never reads cannot make jxen hold unbounded input.
     */
    static final int RX_CAPACITY = 4096;

    private final InterruptLine irq;
    private final Sink sink;
    private final ArrayDeque<Byte> rx = new ArrayDeque<>();

    private int ier;
    private int lcr = 0x03;
    private int mcr = MCR_OUT2;
    private int scr;
    private int dll = 0x0C;
    private int dlm;
    private boolean fifoEnabled;
    private boolean thrEmptyPending = false;
    private int msrDelta;

    public Uart8250(InterruptLine irq, Sink sink) {
        this.irq = irq;
        this.sink = sink;
    }

    @Override
    public synchronized long read(long offset, int size) {
        int v = switch ((int) offset) {
            case RBR_THR_DLL -> (lcr & LCR_DLAB) != 0 ? dll : readRbr();
            case IER_DLM -> (lcr & LCR_DLAB) != 0 ? dlm : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> (rx.isEmpty() ? 0 : LSR_DR) | LSR_THRE | LSR_TEMT;
            case MSR -> readMsr();
            case SCR -> scr;
            default -> 0xff;
        };
        update();
        return v & 0xff;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) value & 0xff;
        switch ((int) offset) {
            case RBR_THR_DLL -> {
                if ((lcr & LCR_DLAB) != 0) {
                    dll = v;
                } else {
                    transmit(v);
                }
            }
            case IER_DLM -> {
                if ((lcr & LCR_DLAB) != 0) {
                    dlm = v;
                } else {
                    boolean threWasOff = (ier & IER_THRE) == 0;
                    ier = v & 0x0f;
                    // Enabling the THRE interrupt with the holding register empty raises it at once.
                    if (threWasOff && (ier & IER_THRE) != 0) {
                        thrEmptyPending = true;
                    }
                }
            }
            case IIR_FCR -> {
                fifoEnabled = (v & FCR_ENABLE) != 0;
                if ((v & FCR_CLEAR_RX) != 0) {
                    rx.clear();
                    notifyAll();
                }
            }
            case LCR -> lcr = v;
            case MCR -> {
                int before = modemBits(mcr);
                mcr = v & 0x1f;
                int after = modemBits(mcr);
                // MSR bits 0-3: delta CTS, delta DSR, trailing edge of RI, delta DCD.
                int changed = before ^ after;
                msrDelta |= ((changed & MSR_CTS) != 0 ? 0x1 : 0) | ((changed & MSR_DSR) != 0 ? 0x2 : 0)
                        | ((before & MSR_RI) != 0 && (after & MSR_RI) == 0 ? 0x4 : 0)
                        | ((changed & MSR_DCD) != 0 ? 0x8 : 0);
            }
            case SCR -> scr = v;
            default -> { }
        }
        update();
    }

    private int readRbr() {
        if (rx.isEmpty()) {
            return 0;
        }
        int b = rx.poll() & 0xff;
        notifyAll();
        return b;
    }

    private int readIir() {
        int id = interruptId();
        if (id == IIR_THRE) {
            thrEmptyPending = false;
        }
        return id | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
    }

    private int readMsr() {
        int v = modemBits(mcr) | msrDelta;
        msrDelta = 0;
        return v;
    }

    /** The modem-status inputs: wired to the MCR outputs in loopback, else carrier and ready. */
    private static int modemBits(int mcr) {
        if ((mcr & MCR_LOOP) == 0) {
            return MSR_DCD | MSR_DSR | MSR_CTS;
        }
        return ((mcr & MCR_RTS) != 0 ? MSR_CTS : 0) | ((mcr & MCR_DTR) != 0 ? MSR_DSR : 0)
                | ((mcr & MCR_OUT1) != 0 ? MSR_RI : 0) | ((mcr & MCR_OUT2) != 0 ? MSR_DCD : 0);
    }

    private void transmit(int v) {
        if ((mcr & MCR_LOOP) != 0) {
            if (rx.size() < RX_CAPACITY) {
                rx.add((byte) v);
            }
        } else {
            sink.write(v);
        }
        // The byte leaves at once, so the holding register is empty again.
        thrEmptyPending = true;
    }

    /** The highest-priority pending interrupt (PC16550D table IV), or IIR_NONE. */
    private int interruptId() {
        if ((ier & IER_RDA) != 0 && !rx.isEmpty()) {
            return IIR_RDA;
        }
        if ((ier & IER_THRE) != 0 && thrEmptyPending) {
            return IIR_THRE;
        }
        if ((ier & IER_MS) != 0 && msrDelta != 0) {
            return IIR_MS;
        }
        return IIR_NONE;
    }

    private void update() {
        // OUT2 gates the interrupt output onto the bus on PC serial ports; loopback disconnects it.
        boolean level = interruptId() != IIR_NONE && (mcr & MCR_OUT2) != 0 && (mcr & MCR_LOOP) == 0;
        irq.set(level);
    }

    /**
     * Queues {@code len} bytes of input for the guest, blocking while the buffer is full.
     *
     * @throws InterruptedException if the calling (console) thread is interrupted
     */
    public void receive(byte[] data, int off, int len) throws InterruptedException {
        for (int i = 0; i < len; i++) {
            synchronized (this) {
                while (rx.size() >= RX_CAPACITY) {
                    wait();
                }
                if ((mcr & MCR_LOOP) == 0) {
                    rx.add(data[off + i]);
                }
                update();
            }
        }
    }

    /** Bytes waiting for the guest to read (for tests and diagnostics). */
    public synchronized int pendingInput() {
        return rx.size();
    }

    /** Whether the guest has unmasked any UART interrupt (IER non-zero). */
    public synchronized boolean interruptsEnabled() {
        return ier != 0;
    }
}
