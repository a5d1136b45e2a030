package org.jxen.vmm.device.legacy;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** The 16550A register model, driven as a guest driver would (PC16550D data sheet). */
class Uart8250Test {
    // Register offsets and bits (PC16550D, tables II and III).
    static final int RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;
    static final int IER_RDA = 1, IER_THRE = 2, IER_MS = 8;
    static final int IIR_NONE = 0x01, IIR_THRE = 0x02, IIR_RDA = 0x04, IIR_MS = 0x00;
    static final int MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 0x10;
    static final int LSR_DR = 1, LSR_THRE = 0x20, LSR_TEMT = 0x40;

    final TestLine irq = new TestLine();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final Uart8250 uart = new Uart8250(irq, out::write);

    int in(int reg) {
        return (int) uart.read(reg, 1);
    }

    void outb(int reg, int v) {
        uart.write(reg, 1, v);
    }

    void receive(String s) throws InterruptedException {
        byte[] b = s.getBytes();
        uart.receive(b, 0, b.length);
    }

    @Test
    void thrWritesGoToTheSink() {
        for (byte b : "hi\n".getBytes()) {
            outb(THR, b);
        }
        assertThat(out.toString()).isEqualTo("hi\n");
        assertThat(in(LSR) & (LSR_THRE | LSR_TEMT)).isEqualTo(LSR_THRE | LSR_TEMT);
    }

    @Test
    void receivedBytesSetDataReadyAndAreReadInOrder() throws Exception {
        assertThat(in(LSR) & LSR_DR).isZero();
        receive("ab");
        assertThat(uart.pendingInput()).isEqualTo(2);
        assertThat(in(LSR) & LSR_DR).isEqualTo(LSR_DR);
        assertThat(in(RBR)).isEqualTo('a');
        assertThat(in(RBR)).isEqualTo('b');
        assertThat(in(LSR) & LSR_DR).isZero();
        assertThat(in(RBR)).isZero();
    }

    @Test
    void receiveRaisesTheLineOnlyWithOut2AndRdaEnabled() throws Exception {
        outb(MCR, 0);
        outb(IER, IER_RDA);
        receive("x");
        assertThat(irq.level()).as("IER.RDA without OUT2").isFalse();
        assertThat(in(IIR) & 0x0F).as("pending even though gated").isEqualTo(IIR_RDA);

        outb(MCR, MCR_OUT2);
        assertThat(irq.level()).as("OUT2 and IER.RDA").isTrue();

        outb(IER, 0);
        assertThat(irq.level()).as("OUT2 without IER.RDA").isFalse();
        assertThat(uart.interruptsEnabled()).isFalse();

        outb(IER, IER_RDA);
        assertThat(irq.level()).isTrue();
        in(RBR);
        assertThat(irq.level()).as("buffer drained").isFalse();
        assertThat(in(IIR) & 0x0F).isEqualTo(IIR_NONE);
    }

    @Test
    void enablingEtbeiRaisesThreAndReadingIirClearsIt() {
        outb(MCR, MCR_OUT2);
        outb(IER, IER_THRE);
        assertThat(uart.interruptsEnabled()).isTrue();
        assertThat(irq.level()).isTrue();
        assertThat(in(IIR) & 0x0F).isEqualTo(IIR_THRE);
        assertThat(irq.level()).isFalse();
        assertThat(in(IIR) & 0x0F).isEqualTo(IIR_NONE);
        // Writing IER again with ETBEI still set does not re-raise it.
        outb(IER, IER_THRE);
        assertThat(irq.level()).isFalse();
        // A THR write empties at once, so THRE is pending again.
        outb(THR, 'z');
        assertThat(irq.level()).isTrue();
        assertThat(in(IIR) & 0x0F).isEqualTo(IIR_THRE);
        assertThat(irq.level()).isFalse();
        // Toggling ETBEI off and on raises it again (Linux's serial8250 relies on this).
        outb(IER, 0);
        outb(IER, IER_THRE);
        assertThat(irq.level()).isTrue();
    }

    @Test
    void iirReportsReceivedDataBeforeThreAndThreBeforeModemStatus() throws Exception {
        outb(MCR, MCR_OUT2);
        outb(IER, IER_RDA | IER_THRE | IER_MS);
        outb(MCR, MCR_OUT2 | MCR_LOOP); // changes the modem inputs: MSR deltas pending
        outb(MCR, MCR_OUT2);
        receive("q");
        assertThat(in(IIR) & 0x0F).isEqualTo(IIR_RDA);
        assertThat(in(IIR) & 0x0F).as("reading IIR does not clear RDA").isEqualTo(IIR_RDA);
        in(RBR);
        assertThat(in(IIR) & 0x0F).isEqualTo(IIR_THRE);
        assertThat(in(IIR) & 0x0F).as("THRE cleared by the IIR read").isEqualTo(IIR_MS);
        in(MSR);
        assertThat(in(IIR) & 0x0F).as("MSR read clears the deltas").isEqualTo(IIR_NONE);
    }

    @Test
    void dlabSwitchesOffsetsZeroAndOneToTheDivisorLatch() {
        outb(IER, IER_RDA);
        outb(LCR, 0x80 | 0x03);
        outb(DLL, 0x01);
        outb(DLM, 0x02);
        assertThat(in(DLL)).isEqualTo(0x01);
        assertThat(in(DLM)).isEqualTo(0x02);
        assertThat(out.size()).as("a divisor write is not a THR write").isZero();
        outb(LCR, 0x03);
        assertThat(in(LCR)).isEqualTo(0x03);
        assertThat(in(IER)).as("IER kept while DLAB was set").isEqualTo(IER_RDA);
        outb(THR, 'k');
        assertThat(out.toString()).isEqualTo("k");
        outb(LCR, 0x83);
        assertThat(in(DLL)).isEqualTo(0x01);
    }

    @Test
    void loopbackSendsThrToRbrNotTheSinkAndKeepsTheLineLow() {
        outb(IER, IER_RDA);
        outb(MCR, MCR_LOOP | MCR_OUT2);
        outb(THR, 0x5A);
        assertThat(out.size()).isZero();
        assertThat(in(LSR) & LSR_DR).isEqualTo(LSR_DR);
        assertThat(irq.level()).as("loopback disconnects the interrupt output").isFalse();
        assertThat(in(RBR)).isEqualTo(0x5A);
        outb(MCR, MCR_OUT2);
        outb(THR, 'o');
        assertThat(out.toString()).isEqualTo("o");
    }

    @Test
    void loopbackMsrReflectsMcrOutputs() {
        // Linux's probe: MCR = LOOP | OUT2 | RTS must read back DCD | CTS in MSR[7:4].
        outb(MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
        assertThat(in(MSR) & 0xF0).isEqualTo(0x90);
        outb(MCR, MCR_LOOP | MCR_DTR | MCR_OUT1);
        assertThat(in(MSR) & 0xF0).isEqualTo(0x60); // DSR | RI
        outb(MCR, MCR_LOOP | MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);
        in(MSR);
        assertThat(in(MSR)).isEqualTo(0xF0);
        outb(MCR, MCR_LOOP);
        // All four inputs dropped: delta CTS, delta DSR, trailing edge of RI, delta DCD.
        assertThat(in(MSR)).isEqualTo(0x0F);
        assertThat(in(MSR)).isZero();
        outb(MCR, MCR_OUT2);
        assertThat(in(MSR) & 0xF0).as("outside loopback: carrier, DSR, CTS").isEqualTo(0xB0);
    }

    @Test
    void receivedInputIsIgnoredInLoopback() throws Exception {
        outb(MCR, MCR_LOOP);
        receive("zz");
        assertThat(uart.pendingInput()).isZero();
    }

    @Test
    void fcrClearsTheReceiveBufferAndShowsFifoBitsInIir() throws Exception {
        receive("abc");
        outb(FCR, 0x01 | 0x02);
        assertThat(uart.pendingInput()).isZero();
        assertThat(in(LSR) & LSR_DR).isZero();
        assertThat(in(IIR)).isEqualTo(0xC0 | IIR_NONE);
        outb(FCR, 0);
        assertThat(in(IIR)).isEqualTo(IIR_NONE);
    }

    @Test
    void scratchRegisterHoldsAByte() {
        outb(SCR, 0xA5);
        assertThat(in(SCR)).isEqualTo(0xA5);
    }

    @Test
    void receiveBlocksWhileTheBufferIsFullAndResumesWhenTheGuestReads() throws Exception {
        byte[] fill = new byte[Uart8250.RX_CAPACITY];
        uart.receive(fill, 0, fill.length);
        assertThat(uart.pendingInput()).isEqualTo(Uart8250.RX_CAPACITY);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread console = Thread.ofPlatform().name("test-console").start(() -> {
            try {
                uart.receive(new byte[] {'!'}, 0, 1);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        awaitState(console, Thread.State.WAITING);
        assertThat(uart.pendingInput()).isEqualTo(Uart8250.RX_CAPACITY);
        assertThat(in(RBR)).isZero(); // the guest takes one byte of the fill
        console.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(console.isAlive()).as("receive() still blocked after the guest read").isFalse();
        assertThat(failure.get()).isNull();
        assertThat(uart.pendingInput()).isEqualTo(Uart8250.RX_CAPACITY);
    }

    @Test
    void blockedReceiveResumesWhenTheGuestClearsTheFifo() throws Exception {
        byte[] fill = new byte[Uart8250.RX_CAPACITY];
        uart.receive(fill, 0, fill.length);
        Thread console = Thread.ofPlatform().start(() -> {
            try {
                uart.receive(new byte[] {'1', '2'}, 0, 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        awaitState(console, Thread.State.WAITING);
        outb(FCR, 0x03);
        console.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(console.isAlive()).isFalse();
        assertThat(in(RBR)).isEqualTo('1');
        assertThat(in(RBR)).isEqualTo('2');
    }

    @Test
    void blockedReceiveCanBeInterrupted() throws Exception {
        byte[] fill = new byte[Uart8250.RX_CAPACITY];
        uart.receive(fill, 0, fill.length);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread console = Thread.ofPlatform().start(() -> {
            try {
                uart.receive(new byte[] {1}, 0, 1);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        awaitState(console, Thread.State.WAITING);
        console.interrupt();
        console.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(failure.get()).isInstanceOf(InterruptedException.class);
    }

    /** Waits, with a deadline, until {@code t} is parked in {@code state}. */
    static void awaitState(Thread t, Thread.State state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != state) {
            if (System.nanoTime() > deadline) {
                fail("thread " + t.getName() + " is " + t.getState() + ", not " + state + ", after 10 s; stack:\n"
                        + java.util.Arrays.toString(t.getStackTrace()));
            }
            Thread.onSpinWait();
        }
    }
}
