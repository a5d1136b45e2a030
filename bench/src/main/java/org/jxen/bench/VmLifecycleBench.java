package org.jxen.bench;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.jxen.kvm.Kvm;
import org.jxen.kvm.KvmException;
import org.jxen.kvm.KvmRun;
import org.jxen.kvm.KvmVcpu;
import org.jxen.kvm.KvmVm;
import org.jxen.kvm.Regs;
import org.jxen.kvm.Segment;
import org.jxen.kvm.Sregs;
import org.jxen.kvm.abi.KvmH;
import org.jxen.sys.Mapping;
import org.jxen.sys.SysException;
import org.jxen.vmm.machine.HostFacts;
import org.jxen.vmm.machine.Machine;
import org.jxen.vmm.machine.MachineSpec;
import org.jxen.vmm.machine.Outcome;
import org.jxen.vmm.vcpu.ShutdownReason;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * VM create → first exit → destroy, in one JVM, against {@code bench/c/vm_cycle.c} (the same
 * steps in C, the ceiling) and, for {@link #machine}, against nothing: it is the whole
 * {@link Machine} (devices, ACPI, PVH load, vCPU thread) booting {@code hello.elf} to power-off.
 *
 * <p>{@link #cycle}: per operation, {@code KVM_CREATE_VM}, 64 KiB of anonymous RAM holding
 * {@code mov al,0x42; out 0x10,al; hlt} at 0x1000, one memory slot, one vCPU in 32-bit
 * protected mode (flat segments, paging off), {@code KVM_RUN} until the port-0x10 exit, then
 * everything closed. {@code /dev/kvm} is opened once per trial, as in the C loop.
 *
 * <p>Run with {@code bench/lifecycle.sh}; the JVM needs {@code --enable-native-access=ALL-UNNAMED}
 * (jxen's jars are on the class path here).
 */
@State(Scope.Benchmark)
public class VmLifecycleBench {
    static final long RAM_SIZE = 64 * 1024;
    static final long GUEST_CODE = 0x1000;
    static final int GUEST_PORT = 0x10;
    static final byte GUEST_VALUE = 0x42;
    /** mov al, 0x42; out 0x10, al; hlt (Intel SDM vol. 2: B0 ib, E6 ib, F4). */
    static final byte[] GUEST = {(byte) 0xb0, GUEST_VALUE, (byte) 0xe6, GUEST_PORT, (byte) 0xf4};
    // The selectors only have to be non-null: the guest never reloads a segment.
    static final Segment CODE = Segment.flat32(0x10, true);
    static final Segment DATA = Segment.flat32(0x18, false);

    /** Guest RAM for {@link #machine}, in MiB (bench/boot.sh gives every VMM the same). */
    @Param("256")
    public long memoryMib;

    /** The guest {@link #machine} boots; relative paths are resolved against {@code -Djxen.root} or the working directory. */
    @Param("guests/build/hello.elf")
    public String kernel;

    private Kvm kvm;
    private HostFacts host;
    private Path kernelPath;
    private final Regs regs = new Regs();
    private final Sregs sregs = new Sregs();

    @Setup(Level.Trial)
    public void openKvm() throws SysException {
        kvm = Kvm.open();
        host = HostFacts.probe(Path.of(Kvm.DEFAULT_DEVICE));
        Path k = Path.of(kernel);
        if (!k.isAbsolute()) {
            k = Path.of(System.getProperty("jxen.root", ".")).resolve(k);
        }
        kernelPath = k;
    }

    @TearDown(Level.Trial)
    public void closeKvm() {
        kvm.close();
    }

    /** One VM lifecycle up to its first exit; returns the byte the guest wrote. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public int cycle() throws SysException, KvmException {
        // Closed in reverse order: the vCPU, then the VM, then its RAM (as Machine.close and the C
        // loop do); unmapping RAM that a live memory slot still points at costs KVM an MMU-notifier
        // invalidation.
        try (Mapping ram = Mapping.anonymous(RAM_SIZE, "bench RAM");
             KvmVm vm = kvm.createVm("bench")) {
            MemorySegment.copy(GUEST, 0, ram.segment(), java.lang.foreign.ValueLayout.JAVA_BYTE, GUEST_CODE, GUEST.length);
            vm.setUserMemoryRegion(0, 0, 0, RAM_SIZE, ram.address());
            try (KvmVcpu vcpu = vm.createVcpu(0)) {
                vcpu.getSregs(sregs);
                sregs.set(Sregs.SegReg.CS, CODE);
                for (Sregs.SegReg r : new Sregs.SegReg[] {Sregs.SegReg.DS, Sregs.SegReg.ES, Sregs.SegReg.FS,
                        Sregs.SegReg.GS, Sregs.SegReg.SS}) {
                    sregs.set(r, DATA);
                }
                sregs.cr0(Sregs.CR0_PE | Sregs.CR0_ET).cr3(0).cr4(0).efer(0);
                vcpu.setSregs(sregs);
                vcpu.setRegs(regs.reset().set(Regs.Reg.RIP, GUEST_CODE));
                KvmRun run = vcpu.kvmRun();
                while (true) {
                    int r = vcpu.run();
                    if (r == -org.jxen.sys.Errno.EINTR || r == -org.jxen.sys.Errno.EAGAIN) {
                        continue;
                    }
                    if (r < 0) {
                        throw new IllegalStateException("KVM_RUN failed: errno " + -r);
                    }
                    if (run.exitReason() == KvmH.KVM_EXIT_IO) {
                        break;
                    }
                    throw new IllegalStateException("unexpected exit reason " + run.exitReason());
                }
                if (run.ioPort() != GUEST_PORT || !run.ioIsOut()) {
                    throw new IllegalStateException("wrong I/O exit: port 0x" + Integer.toHexString(run.ioPort()));
                }
                return run.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, run.ioDataOffset());
            }
        }
    }

    /** A whole {@link Machine} booting {@link #kernel} to ACPI power-off, then closed. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Outcome machine() throws Exception {
        if (!Files.isReadable(kernelPath)) {
            throw new IllegalStateException(kernelPath + " is missing: run make -C guests");
        }
        MachineSpec spec = new MachineSpec("bench", memoryMib, 1, kernelPath, null, "");
        try (Machine m = Machine.create(kvm, host, spec, b -> { })) {
            m.start();
            Outcome o = m.awaitOutcome(java.time.Duration.ofSeconds(30));
            if (o == null || o.reason() != ShutdownReason.POWEROFF) {
                throw new IllegalStateException("guest did not power off: " + o);
            }
            return o;
        }
    }
}
