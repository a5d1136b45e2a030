package org.jxen.vmm.device.legacy;

import java.util.ArrayDeque;

import org.jxen.vmm.bus.BusDevice;

/**
 * The keyboard controller, reduced to what guests use without a keyboard: the controller
 * self-tests, the command byte, and the CPU reset line (command 0xFE, or the output port with
 * bit 0 clear), which is how Linux's {@code reboot=k} and many small kernels reset the PC.
 * Registered at port 0x60 over five bytes; offset 0 is the data port, offset 4 the
 * status/command port 0x64 (IBM PC/AT Technical Reference, 8042 section).
 *
 * <p>Threads: vCPU threads; guarded by this object's monitor.
 */
public final class I8042 implements BusDevice {
    private static final int DATA = 0;
    private static final int COMMAND = 4;

    private static final int STATUS_OBF = 0x01;
    private static final int STATUS_SYS = 0x04;
    private static final int STATUS_CMD = 0x08;

    private static final int CMD_READ_CCB = 0x20;
    private static final int CMD_WRITE_CCB = 0x60;
    private static final int CMD_DISABLE_AUX = 0xA7;
    private static final int CMD_ENABLE_AUX = 0xA8;
    private static final int CMD_TEST_AUX = 0xA9;
    private static final int CMD_SELF_TEST = 0xAA;
    private static final int CMD_TEST_KBD = 0xAB;
    private static final int CMD_DISABLE_KBD = 0xAD;
    private static final int CMD_ENABLE_KBD = 0xAE;
    private static final int CMD_READ_OUTPUT = 0xD0;
    private static final int CMD_WRITE_OUTPUT = 0xD1;
    private static final int CMD_PULSE_RESET = 0xFE;

    private final Runnable reset;
    private final ArrayDeque<Integer> output = new ArrayDeque<>();
    private int commandByte = 0x45;
    private int pendingCommand = -1;
    private int status = STATUS_SYS;
    private int outputPort = 0x01;

    /** {@code reset} runs (on the vCPU thread) when the guest pulls the CPU reset line. */
    public I8042(Runnable reset) {
        this.reset = reset;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset == DATA) {
            Integer b = output.poll();
            return b == null ? 0 : b;
        }
        if (offset == COMMAND) {
            return status | (output.isEmpty() ? 0 : STATUS_OBF);
        }
        return 0xff;
    }

    @Override
    public void write(long offset, int size, long value) {
        boolean doReset;
        synchronized (this) {
            int v = (int) value & 0xff;
            doReset = offset == COMMAND ? command(v) : offset == DATA && data(v);
        }
        if (doReset) {
            reset.run();
        }
    }

    /** Returns whether the command resets the CPU. */
    private boolean command(int cmd) {
        status |= STATUS_CMD;
        pendingCommand = -1;
        switch (cmd) {
            case CMD_READ_CCB -> output.add(commandByte);
            case CMD_WRITE_CCB, CMD_WRITE_OUTPUT -> pendingCommand = cmd;
            case CMD_SELF_TEST -> output.add(0x55);
            case CMD_TEST_KBD, CMD_TEST_AUX -> output.add(0x00);
            case CMD_READ_OUTPUT -> output.add(outputPort);
            case CMD_DISABLE_KBD -> commandByte |= 0x10;
            case CMD_ENABLE_KBD -> commandByte &= ~0x10;
            case CMD_DISABLE_AUX -> commandByte |= 0x20;
            case CMD_ENABLE_AUX -> commandByte &= ~0x20;
            default -> {
                // 0xF0-0xFF pulse output-port lines low for 6 us; a low bit 0 resets the CPU.
                if ((cmd & 0xF0) == 0xF0) {
                    return (cmd & 0x01) == 0 || cmd == CMD_PULSE_RESET;
                }
            }
        }
        return false;
    }

    /** Returns whether the data byte resets the CPU. */
    private boolean data(int v) {
        status &= ~STATUS_CMD;
        int cmd = pendingCommand;
        pendingCommand = -1;
        if (cmd == CMD_WRITE_CCB) {
            commandByte = v;
        } else if (cmd == CMD_WRITE_OUTPUT) {
            outputPort = v;
            return (v & 0x01) == 0;
        }
        // Bytes for the (absent) keyboard are dropped.
        return false;
    }
}
