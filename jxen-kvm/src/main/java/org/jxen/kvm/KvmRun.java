package org.jxen.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jxen.kvm.abi.KvmH;
import org.jxen.kvm.abi.KvmLayouts;

import static org.jxen.kvm.abi.KvmLayouts.KVM_RUN;
import static org.jxen.kvm.abi.KvmLayouts.offset;

/**
 * A typed view of a vCPU's {@code struct kvm_run} (linux/kvm.h). KVM writes the exit fields
 * while the vCPU is in {@code KVM_RUN}; the vCPU thread reads them after the ioctl returns,
 * so plain accesses suffice on that thread. {@code immediate_exit} is written by other threads
 * as a kick, so it is set with a volatile store.
 */
public final class KvmRun {
    private static final long IMMEDIATE_EXIT = offset(KVM_RUN, "immediate_exit");
    private static final long REQUEST_INTERRUPT_WINDOW = offset(KVM_RUN, "request_interrupt_window");
    private static final long EXIT_REASON = offset(KVM_RUN, "exit_reason");
    private static final long READY_FOR_INJECTION = offset(KVM_RUN, "ready_for_interrupt_injection");
    private static final long IF_FLAG = offset(KVM_RUN, "if_flag");
    private static final long IO_DIRECTION = offset(KVM_RUN, "io.direction");
    private static final long IO_SIZE = offset(KVM_RUN, "io.size");
    private static final long IO_PORT = offset(KVM_RUN, "io.port");
    private static final long IO_COUNT = offset(KVM_RUN, "io.count");
    private static final long IO_DATA_OFFSET = offset(KVM_RUN, "io.data_offset");
    private static final long MMIO_PHYS_ADDR = offset(KVM_RUN, "mmio.phys_addr");
    private static final long MMIO_DATA = offset(KVM_RUN, "mmio.data");
    private static final long MMIO_LEN = offset(KVM_RUN, "mmio.len");
    private static final long MMIO_IS_WRITE = offset(KVM_RUN, "mmio.is_write");
    private static final long INTERNAL_SUBERROR = offset(KVM_RUN, "internal.suberror");
    private static final long INTERNAL_NDATA = offset(KVM_RUN, "internal.ndata");
    private static final long INTERNAL_DATA = offset(KVM_RUN, "internal.data");
    private static final long EMULATION_FLAGS = offset(KVM_RUN, "emulation_failure.flags");
    private static final long EMULATION_INSN_SIZE = offset(KVM_RUN, "emulation_failure.insn_size");
    private static final long EMULATION_INSN_BYTES = offset(KVM_RUN, "emulation_failure.insn_bytes");
    private static final long SYSTEM_EVENT_TYPE = offset(KVM_RUN, "system_event.type");
    private static final long FAIL_ENTRY_REASON = offset(KVM_RUN, "fail_entry.hardware_entry_failure_reason");
    private static final long EX_EXCEPTION = offset(KVM_RUN, "ex.exception");
    private static final long EX_ERROR_CODE = offset(KVM_RUN, "ex.error_code");
    private static final long MSR_ERROR = offset(KVM_RUN, "msr.error");
    private static final long MSR_REASON = offset(KVM_RUN, "msr.reason");
    private static final long MSR_INDEX = offset(KVM_RUN, "msr.index");
    private static final long MSR_DATA = offset(KVM_RUN, "msr.data");
    private static final long HW_EXIT_REASON = offset(KVM_RUN, "hw.hardware_exit_reason");

    private final MemorySegment run;

    public KvmRun(MemorySegment run) {
        if (run.byteSize() < KVM_RUN.byteSize()) {
            throw new IllegalArgumentException("kvm_run mapping: " + run.byteSize() + " bytes (expected: >= "
                    + KVM_RUN.byteSize() + ")");
        }
        this.run = run;
    }

    /** The whole mapping (the PIO data area lives inside it, at {@link #ioDataOffset()}). */
    public MemorySegment segment() {
        return run;
    }

    public int exitReason() {
        return run.get(ValueLayout.JAVA_INT, EXIT_REASON);
    }

    /** Sets or clears {@code immediate_exit}, with a volatile store (any thread). */
    public void immediateExit(boolean on) {
        ValueLayout.JAVA_BYTE.varHandle().setVolatile(run, IMMEDIATE_EXIT, (byte) (on ? 1 : 0));
    }

    public void requestInterruptWindow(boolean on) {
        run.set(ValueLayout.JAVA_BYTE, REQUEST_INTERRUPT_WINDOW, (byte) (on ? 1 : 0));
    }

    public boolean readyForInterruptInjection() {
        return run.get(ValueLayout.JAVA_BYTE, READY_FOR_INJECTION) != 0;
    }

    public boolean ifFlag() {
        return run.get(ValueLayout.JAVA_BYTE, IF_FLAG) != 0;
    }

    // KVM_EXIT_IO
    public boolean ioIsOut() {
        return run.get(ValueLayout.JAVA_BYTE, IO_DIRECTION) == KvmH.KVM_EXIT_IO_OUT;
    }

    public int ioSize() {
        return run.get(ValueLayout.JAVA_BYTE, IO_SIZE);
    }

    public int ioPort() {
        return Short.toUnsignedInt(run.get(ValueLayout.JAVA_SHORT, IO_PORT));
    }

    public int ioCount() {
        return run.get(ValueLayout.JAVA_INT, IO_COUNT);
    }

    public long ioDataOffset() {
        return run.get(ValueLayout.JAVA_LONG, IO_DATA_OFFSET);
    }

    // KVM_EXIT_MMIO
    public long mmioPhysAddr() {
        return run.get(ValueLayout.JAVA_LONG, MMIO_PHYS_ADDR);
    }

    public int mmioLen() {
        return run.get(ValueLayout.JAVA_INT, MMIO_LEN);
    }

    public boolean mmioIsWrite() {
        return run.get(ValueLayout.JAVA_BYTE, MMIO_IS_WRITE) != 0;
    }

    /** The 8-byte MMIO data buffer. */
    public MemorySegment mmioData() {
        return run.asSlice(MMIO_DATA, 8);
    }

    // KVM_EXIT_INTERNAL_ERROR
    public int internalSuberror() {
        return run.get(ValueLayout.JAVA_INT, INTERNAL_SUBERROR);
    }

    /** The internal-error data words KVM supplied (at most 16). */
    public long[] internalData() {
        int n = Math.min(16, Math.max(0, run.get(ValueLayout.JAVA_INT, INTERNAL_NDATA)));
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            d[i] = run.get(ValueLayout.JAVA_LONG, INTERNAL_DATA + 8L * i);
        }
        return d;
    }

    /** For an emulation failure with instruction bytes, those bytes; otherwise an empty array. */
    public byte[] emulationFailureInstruction() {
        if (internalSuberror() != KvmH.KVM_INTERNAL_ERROR_EMULATION
                || run.get(ValueLayout.JAVA_INT, INTERNAL_NDATA) < 3
                || (run.get(ValueLayout.JAVA_LONG, EMULATION_FLAGS)
                        & KvmH.KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) == 0) {
            return new byte[0];
        }
        int size = Math.min(15, Byte.toUnsignedInt(run.get(ValueLayout.JAVA_BYTE, EMULATION_INSN_SIZE)));
        return run.asSlice(EMULATION_INSN_BYTES, size).toArray(ValueLayout.JAVA_BYTE);
    }

    // KVM_EXIT_SYSTEM_EVENT
    public int systemEventType() {
        return run.get(ValueLayout.JAVA_INT, SYSTEM_EVENT_TYPE);
    }

    // KVM_EXIT_FAIL_ENTRY
    public long failEntryReason() {
        return run.get(ValueLayout.JAVA_LONG, FAIL_ENTRY_REASON);
    }

    // KVM_EXIT_UNKNOWN
    public long hardwareExitReason() {
        return run.get(ValueLayout.JAVA_LONG, HW_EXIT_REASON);
    }

    // KVM_EXIT_EXCEPTION
    public int exception() {
        return run.get(ValueLayout.JAVA_INT, EX_EXCEPTION);
    }

    public int exceptionErrorCode() {
        return run.get(ValueLayout.JAVA_INT, EX_ERROR_CODE);
    }

    // KVM_EXIT_X86_RDMSR / KVM_EXIT_X86_WRMSR
    public int msrIndex() {
        return run.get(ValueLayout.JAVA_INT, MSR_INDEX);
    }

    public int msrReason() {
        return run.get(ValueLayout.JAVA_INT, MSR_REASON);
    }

    public long msrData() {
        return run.get(ValueLayout.JAVA_LONG, MSR_DATA);
    }

    public void msrData(long value) {
        run.set(ValueLayout.JAVA_LONG, MSR_DATA, value);
    }

    /** 0 lets the access complete; 1 injects #GP into the guest. */
    public void msrError(boolean error) {
        run.set(ValueLayout.JAVA_BYTE, MSR_ERROR, (byte) (error ? 1 : 0));
    }
}
