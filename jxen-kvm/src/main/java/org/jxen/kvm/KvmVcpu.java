package org.jxen.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.jxen.kvm.abi.KvmH;
import org.jxen.kvm.abi.KvmLayouts;
import org.jxen.sys.Fd;
import org.jxen.sys.LibC;
import org.jxen.sys.Mapping;
import org.jxen.sys.SysException;

/**
 * A vCPU file descriptor and its mmapped {@code kvm_run} (api.rst, "ioctls for vCPU fds").
 *
 * <p>Calling thread: the vCPU's own thread for {@link #run()} and every get/set; KVM blocks a
 * vCPU ioctl from another thread while this vCPU is in {@code KVM_RUN}, so other threads kick
 * first (see {@code org.jxen.sys.ThreadKick}).
 */
public final class KvmVcpu extends KvmFd {
    private static final long MSR_INDEX = KvmLayouts.offset(KvmLayouts.KVM_MSR_ENTRY, "index");
    private static final long MSR_DATA = KvmLayouts.offset(KvmLayouts.KVM_MSR_ENTRY, "data");

    private final KvmVm vm;
    private final int id;
    private final Mapping runMapping;
    private final KvmRun run;

    KvmVcpu(KvmVm vm, int id, Fd fd, int mmapSize) throws SysException {
        super(fd);
        this.vm = vm;
        this.id = id;
        this.runMapping = Mapping.shared(fd, 0, mmapSize);
        this.run = new KvmRun(runMapping.segment());
    }

    public int id() {
        return id;
    }

    public KvmVm vm() {
        return vm;
    }

    /** The shared {@code kvm_run} page. */
    public KvmRun kvmRun() {
        return run;
    }

    /**
     * {@code KVM_RUN}: runs the guest until an exit that needs user space. Returns 0, or
     * {@code -errno} ({@code -EINTR} after a kick, {@code -EAGAIN}, ...) without throwing, so
     * the caller's loop decides.
     */
    public int run() {
        return LibC.ioctlRaw(fd.get(), KvmH.KVM_RUN, 0L);
    }

    public void getRegs(Regs regs) throws KvmException {
        ioctl("KVM_GET_REGS", KvmH.KVM_GET_REGS, regs.seg);
    }

    public void setRegs(Regs regs) throws KvmException {
        ioctl("KVM_SET_REGS", KvmH.KVM_SET_REGS, regs.seg);
    }

    public void getSregs(Sregs sregs) throws KvmException {
        ioctl("KVM_GET_SREGS", KvmH.KVM_GET_SREGS, sregs.seg);
    }

    public void setSregs(Sregs sregs) throws KvmException {
        ioctl("KVM_SET_SREGS", KvmH.KVM_SET_SREGS, sregs.seg);
    }

    /** {@code KVM_SET_CPUID2}: the CPUID leaves this vCPU's guest sees. */
    public void setCpuid(List<CpuidEntry> entries) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            long entry = KvmLayouts.KVM_CPUID_ENTRY2.byteSize();
            long header = KvmLayouts.KVM_CPUID2.byteSize();
            MemorySegment buf = arena.allocate(header + entries.size() * entry, 8);
            buf.set(ValueLayout.JAVA_INT, 0, entries.size());
            for (int i = 0; i < entries.size(); i++) {
                CpuidCodec.write(buf, header + i * entry, entries.get(i));
            }
            ioctl("KVM_SET_CPUID2", KvmH.KVM_SET_CPUID2, buf);
        }
    }

    /** {@code KVM_SET_MSRS}: writes MSRs given as {index, value} pairs; all must be accepted. */
    public void setMsrs(long[][] msrs) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = msrBuffer(arena, msrs);
            int n = ioctl("KVM_SET_MSRS", KvmH.KVM_SET_MSRS, buf);
            if (n != msrs.length) {
                throw new KvmException("KVM_SET_MSRS (MSR 0x" + Long.toHexString(msrs[n][0]) + " refused)", fd.what(),
                        org.jxen.sys.Errno.EINVAL);
            }
        }
    }

    /** {@code KVM_GET_MSRS}: reads one MSR. */
    public long getMsr(int index) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = msrBuffer(arena, new long[][] {{index, 0}});
            int n = ioctl("KVM_GET_MSRS", KvmH.KVM_GET_MSRS, buf);
            if (n != 1) {
                throw new KvmException("KVM_GET_MSRS (MSR 0x" + Integer.toHexString(index) + ")", fd.what(),
                        org.jxen.sys.Errno.EINVAL);
            }
            return buf.get(ValueLayout.JAVA_LONG, KvmLayouts.KVM_MSRS.byteSize() + MSR_DATA);
        }
    }

    private static MemorySegment msrBuffer(Arena arena, long[][] msrs) {
        long header = KvmLayouts.KVM_MSRS.byteSize();
        long entry = KvmLayouts.KVM_MSR_ENTRY.byteSize();
        MemorySegment buf = arena.allocate(header + msrs.length * entry, 8);
        buf.set(ValueLayout.JAVA_INT, 0, msrs.length);
        for (int i = 0; i < msrs.length; i++) {
            buf.set(ValueLayout.JAVA_INT, header + i * entry + MSR_INDEX, (int) msrs[i][0]);
            buf.set(ValueLayout.JAVA_LONG, header + i * entry + MSR_DATA, msrs[i][1]);
        }
        return buf;
    }

    /** {@code KVM_GET_LAPIC}: the 1 KiB local APIC register page. */
    public byte[] getLapic() throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_LAPIC_STATE);
            ioctl("KVM_GET_LAPIC", KvmH.KVM_GET_LAPIC, s);
            return s.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** {@code KVM_SET_LAPIC}. */
    public void setLapic(byte[] regs) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_LAPIC_STATE);
            s.copyFrom(MemorySegment.ofArray(regs));
            ioctl("KVM_SET_LAPIC", KvmH.KVM_SET_LAPIC, s);
        }
    }

    /** {@code KVM_GET_MP_STATE}. */
    public int getMpState() throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_MP_STATE);
            ioctl("KVM_GET_MP_STATE", KvmH.KVM_GET_MP_STATE, s);
            return s.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** {@code KVM_SET_MP_STATE}. */
    public void setMpState(int state) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_MP_STATE);
            s.set(ValueLayout.JAVA_INT, 0, state);
            ioctl("KVM_SET_MP_STATE", KvmH.KVM_SET_MP_STATE, s);
        }
    }

    /** {@code KVM_SET_SIGNAL_MASK}: the signal mask in force while this vCPU is in {@code KVM_RUN}. */
    public void setSignalMask(byte[] kernelSigset) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_SIGNAL_MASK.byteSize() + kernelSigset.length, 4);
            s.set(ValueLayout.JAVA_INT, 0, kernelSigset.length);
            MemorySegment.copy(kernelSigset, 0, s, ValueLayout.JAVA_BYTE, KvmLayouts.KVM_SIGNAL_MASK.byteSize(),
                    kernelSigset.length);
            ioctl("KVM_SET_SIGNAL_MASK", KvmH.KVM_SET_SIGNAL_MASK, s);
        }
    }

    /** {@code KVM_NMI}: queues an NMI for this vCPU. */
    public void nmi() throws KvmException {
        ioctl("KVM_NMI", KvmH.KVM_NMI, 0L);
    }

    @Override
    public void close() {
        runMapping.close();
        super.close();
    }
}
