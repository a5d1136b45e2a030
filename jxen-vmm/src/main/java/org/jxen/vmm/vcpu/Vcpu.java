package org.jxen.vmm.vcpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;

import org.jxen.kvm.KvmException;
import org.jxen.kvm.KvmRun;
import org.jxen.kvm.KvmVcpu;
import org.jxen.kvm.Regs;
import org.jxen.kvm.Sregs;
import org.jxen.kvm.abi.KvmH;
import org.jxen.sys.Errno;
import org.jxen.sys.SysException;
import org.jxen.sys.ThreadKick;
import org.jxen.vmm.memory.GuestMemoryException;

/**
 * One vCPU and the platform thread that runs it. The loop calls {@code KVM_RUN}, handles the
 * exit on this thread (port and MMIO accesses go to the buses, power events to the machine)
 * and repeats until the machine stops.
 *
 * <p>Run states: {@code CREATED} until {@link #start()}, {@code RUNNING} in the loop (paused
 * in place while the machine is paused), {@code STOPPED} once the loop has left.
 *
 * <p>Other threads reach the vCPU only through {@link #kick()} (a real-time signal plus
 * {@code immediate_exit}), and the watchdog's {@link #checkStuck()}, which asks the vCPU to
 * inspect itself at the next kick. Guests that this host's KVM cannot run end the machine with
 * reason {@code crash} and a message naming the instruction and RIP: an emulation failure
 * ({@code KVM_EXIT_INTERNAL_ERROR}) or a vCPU that never leaves {@code KVM_RUN} because it
 * executed {@code vmcall}/{@code vmmcall} on an emulated-supervisor host. A vCPU the watchdog
 * finds halted with interrupts disabled is logged once: the machine runs on, but nothing short
 * of an NMI wakes it.
 */
public final class Vcpu {
    public enum State {
        CREATED,
        RUNNING,
        STOPPED
    }

    private static final System.Logger LOG = System.getLogger("org.jxen.vmm.vcpu");
    /** Inspections in a row that find the vCPU on the same vmcall before it is declared stuck. */
    static final int STUCK_SAMPLES = 2;

    private final KvmVcpu kvm;
    private final VcpuHost host;
    private final KvmRun run;
    private final String name;
    private final CountDownLatch started = new CountDownLatch(1);
    private final Regs regs = new Regs();
    private final Sregs sregs = new Sregs();
    private volatile Thread thread;
    /** The vCPU thread's kernel thread id (gettid), once it runs; 0 before. */
    private volatile int tid;
    private volatile ThreadKick kick;
    private volatile State state = State.CREATED;
    private volatile long exits;
    private volatile boolean inRun;
    private volatile boolean inspect;
    private long watchdogExits = -1;
    private long stuckRip = -1;
    private int stuckCount;
    /** Inspections in a row that found this vCPU halted with interrupts disabled (vCPU thread). */
    private int haltedCount;
    /** Whether the halted-for-good message was logged; once per vCPU (vCPU thread). */
    private boolean haltReported;

    public Vcpu(KvmVcpu kvm, VcpuHost host, String name) {
        this.kvm = kvm;
        this.host = host;
        this.run = kvm.kvmRun();
        this.name = name;
    }

    public int id() {
        return kvm.id();
    }

    public KvmVcpu kvm() {
        return kvm;
    }

    public State state() {
        return state;
    }

    /** Exits handled so far (diagnostics, and the watchdog's progress measure). */
    public long exits() {
        return exits;
    }

    /** Starts the vCPU thread; returns once it can be kicked. */
    public void start() throws InterruptedException {
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
        thread = t;
        state = State.RUNNING;
        t.start();
        started.await();
    }

    /** Waits up to {@code timeout} for the loop to end. */
    public void join(java.time.Duration timeout) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(timeout);
        }
    }

    /** Makes the vCPU leave {@code KVM_RUN} (or not enter it) and look at the machine's state. */
    public void kick() {
        run.immediateExit(true);
        ThreadKick k = kick;
        if (k != null) {
            k.kick();
        }
    }

    /**
     * Called periodically by the machine's watchdog (another thread): if the vCPU has been
     * inside {@code KVM_RUN} with no exit since the last call, ask it to inspect itself.
     */
    public void checkStuck() {
        long e = exits;
        if (inRun && e == watchdogExits) {
            inspect = true;
            kick();
        }
        watchdogExits = e;
    }

    /** The vCPU's thread, once started; null before. */
    public Thread thread() {
        return thread;
    }

    /**
     * The vCPU thread's kernel thread id, once it runs (0 before): for CPU time and state from
     * {@code /proc/self/task/TID/stat}, and for affinity ({@code xl vcpu-pin}).
     */
    public int tid() {
        return tid;
    }

    private void loop() {
        tid = org.jxen.sys.LibC.gettid();
        try {
            kick = ThreadKick.forCurrentThread();
            kvm.setSignalMask(kick.runMask());
        } catch (SysException e) {
            started.countDown();
            host.shutdown(ShutdownReason.CRASH, name + ": cannot set up kicks: " + e.getMessage());
            state = State.STOPPED;
            return;
        }
        started.countDown();
        try {
            while (!host.stopping()) {
                if (host.paused()) {
                    host.awaitUnpaused();
                    continue;
                }
                inRun = true;
                int r = kvm.run();
                inRun = false;
                exits = exits + 1;
                if (r < 0) {
                    if (r == -Errno.EINTR || r == -Errno.EAGAIN) {
                        kick.consume();
                        run.immediateExit(false);
                        if (inspect) {
                            inspect = false;
                            inspectStuck();
                        }
                        continue;
                    }
                    host.shutdown(ShutdownReason.CRASH, name + ": KVM_RUN failed: " + Errno.describe(-r));
                    break;
                }
                stuckCount = 0;
                haltedCount = 0;
                if (!handleExit()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            host.shutdown(ShutdownReason.CRASH, name + ": internal error in jxen: " + e);
            LOG.log(System.Logger.Level.ERROR, name + " failed", e);
        } finally {
            state = State.STOPPED;
        }
    }

    /** Handles one exit; returns false when the loop must end. */
    private boolean handleExit() {
        int reason = run.exitReason();
        switch (reason) {
            case KvmH.KVM_EXIT_IO -> handleIo();
            case KvmH.KVM_EXIT_MMIO -> handleMmio();
            case KvmH.KVM_EXIT_HLT, KvmH.KVM_EXIT_IRQ_WINDOW_OPEN, KvmH.KVM_EXIT_INTR -> { }
            case KvmH.KVM_EXIT_SHUTDOWN -> {
                host.shutdown(ShutdownReason.CRASH, name + ": triple fault" + where());
                return false;
            }
            case KvmH.KVM_EXIT_SYSTEM_EVENT -> {
                int type = run.systemEventType();
                ShutdownReason r = switch (type) {
                    case KvmH.KVM_SYSTEM_EVENT_SHUTDOWN -> ShutdownReason.POWEROFF;
                    case KvmH.KVM_SYSTEM_EVENT_RESET -> ShutdownReason.REBOOT;
                    default -> ShutdownReason.CRASH;
                };
                host.shutdown(r, name + ": KVM system event " + type);
                return false;
            }
            case KvmH.KVM_EXIT_INTERNAL_ERROR -> {
                host.shutdown(ShutdownReason.CRASH, internalError());
                return false;
            }
            case KvmH.KVM_EXIT_FAIL_ENTRY -> {
                host.shutdown(ShutdownReason.CRASH, String.format("%s: KVM could not enter the guest (hardware reason 0x%x)%s",
                        name, run.failEntryReason(), where()));
                return false;
            }
            case KvmH.KVM_EXIT_X86_RDMSR, KvmH.KVM_EXIT_X86_WRMSR -> handleMsr(reason == KvmH.KVM_EXIT_X86_WRMSR);
            case KvmH.KVM_EXIT_EXCEPTION -> {
                host.shutdown(ShutdownReason.CRASH, String.format("%s: unhandled exception %d (error code 0x%x)%s", name,
                        run.exception(), run.exceptionErrorCode(), where()));
                return false;
            }
            default -> {
                host.shutdown(ShutdownReason.CRASH, name + ": unexpected KVM exit reason " + reason + where());
                return false;
            }
        }
        return true;
    }

    private void handleIo() {
        int port = run.ioPort();
        int size = run.ioSize();
        int count = run.ioCount();
        long offset = run.ioDataOffset();
        MemorySegment page = run.segment();
        // KVM places the data inside the mapping; checked anyway, so a bad exit cannot reach past it.
        if (size < 1 || size > 4 || count < 0 || offset < 0 || offset + (long) size * count > page.byteSize()) {
            host.shutdown(ShutdownReason.CRASH, name + ": malformed port I/O exit (size " + size + ", count " + count + ")");
            return;
        }
        boolean out = run.ioIsOut();
        for (int i = 0; i < count; i++) {
            long at = offset + (long) i * size;
            if (out) {
                host.pio().write(port, size, readLe(page, at, size));
            } else {
                writeLe(page, at, size, host.pio().read(port, size));
            }
        }
    }

    private void handleMmio() {
        long addr = run.mmioPhysAddr();
        int len = run.mmioLen();
        if (len < 1 || len > 8) {
            host.shutdown(ShutdownReason.CRASH, name + ": malformed MMIO exit (length " + len + ")");
            return;
        }
        MemorySegment data = run.mmioData();
        if (run.mmioIsWrite()) {
            host.mmio().write(addr, len, readLe(data, 0, len));
        } else {
            writeLe(data, 0, len, host.mmio().read(addr, len));
        }
    }

    private void handleMsr(boolean write) {
        Long v = host.msr(this, write, run.msrIndex(), write ? run.msrData() : 0);
        if (v == null) {
            run.msrError(true);
        } else {
            run.msrError(false);
            if (!write) {
                run.msrData(v);
            }
        }
    }

    static long readLe(MemorySegment s, long at, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (s.get(ValueLayout.JAVA_BYTE, at + i) & 0xffL) << (8 * i);
        }
        return v;
    }

    static void writeLe(MemorySegment s, long at, int size, long v) {
        for (int i = 0; i < size; i++) {
            s.set(ValueLayout.JAVA_BYTE, at + i, (byte) (v >>> (8 * i)));
        }
    }

    /** The bytes at RIP (up to 15), or an empty array if they cannot be read. */
    private byte[] instructionAtRip() {
        long linear = sregs.longMode() ? regs.rip() : (sregs.get(Sregs.SegReg.CS).base() + regs.rip()) & 0xffff_ffffL;
        long phys = PageWalker.translate(host.memory(), sregs, linear);
        if (phys < 0) {
            return new byte[0];
        }
        for (int n = 15; n > 0; n--) {
            try {
                return host.memory().read(phys, n);
            } catch (GuestMemoryException e) {
                // Fewer bytes left in RAM; try a shorter read.
            }
        }
        return new byte[0];
    }

    private boolean readState() {
        try {
            kvm.getRegs(regs);
            kvm.getSregs(sregs);
            return true;
        } catch (KvmException e) {
            return false;
        }
    }

    /** " at rip 0x... (bytes ...: name)", or "" when the state cannot be read. */
    private String where() {
        if (!readState()) {
            return "";
        }
        byte[] insn = instructionAtRip();
        String n = InstructionNames.name(insn);
        return String.format(" at rip 0x%x%s", regs.rip(),
                insn.length == 0 ? "" : " (bytes " + InstructionNames.hex(java.util.Arrays.copyOf(insn, Math.min(insn.length, 8)))
                        + (n == null ? "" : ": " + n) + ")");
    }

    private String internalError() {
        int sub = run.internalSuberror();
        byte[] kvmInsn = run.emulationFailureInstruction();
        String what = switch (sub) {
            case KvmH.KVM_INTERNAL_ERROR_EMULATION -> "KVM could not emulate the instruction";
            case KvmH.KVM_INTERNAL_ERROR_SIMUL_EX -> "KVM hit an exception while delivering an exception";
            case KvmH.KVM_INTERNAL_ERROR_DELIVERY_EV -> "KVM could not deliver an event";
            default -> "KVM internal error " + sub;
        };
        String at = where();
        if (kvmInsn.length > 0 && at.isEmpty()) {
            String n = InstructionNames.name(kvmInsn);
            at = " (bytes " + InstructionNames.hex(kvmInsn) + (n == null ? "" : ": " + n) + ")";
        }
        String hint = sub == KvmH.KVM_INTERNAL_ERROR_EMULATION
                ? "; this host's KVM emulates guest ring 0 and cannot run every instruction there (x87, MMX, SSE2 "
                        + "and later, AVX, XSAVE, POPCNT, BMI, CMPXCHG16B, ...)" : "";
        return name + ": " + what + at + hint;
    }

    /**
     * The watchdog asked: is this vCPU stuck in KVM_RUN on a vmcall/vmmcall, or halted with
     * interrupts disabled? Runs on the vCPU thread, after a kick.
     */
    private void inspectStuck() {
        if (!readState()) {
            return;
        }
        if (haltedWithInterruptsDisabled()) {
            stuckCount = 0;
            if (++haltedCount >= STUCK_SAMPLES && !haltReported) {
                reportHaltedForGood();
            }
            return;
        }
        haltedCount = 0;
        byte[] insn = instructionAtRip();
        String n = InstructionNames.name(insn);
        if (!"vmcall".equals(n) && !"vmmcall".equals(n)) {
            stuckCount = 0;
            return;
        }
        long rip = regs.rip();
        stuckCount = rip == stuckRip ? stuckCount + 1 : 1;
        stuckRip = rip;
        if (stuckCount >= STUCK_SAMPLES) {
            host.shutdown(ShutdownReason.CRASH, String.format("%s: stuck on %s at rip 0x%x (bytes %s): this host's KVM "
                    + "never returns from a guest hypercall instruction in ring 0 (no CONFIG_KVM_XEN / emulated "
                    + "supervisor)", name, n, rip, InstructionNames.hex(java.util.Arrays.copyOf(insn, 3))));
        }
    }

    /**
     * Whether the in-kernel LAPIC holds this vCPU in HLT ({@code KVM_MP_STATE_HALTED}) with
     * RFLAGS.IF clear ({@code kvm_run.if_flag}, which KVM stores on every return from
     * {@code KVM_RUN}, the kick's EINTR included).
     */
    private boolean haltedWithInterruptsDisabled() {
        try {
            return kvm.getMpState() == KvmH.KVM_MP_STATE_HALTED && !run.ifFlag();
        } catch (KvmException e) {
            return false;
        }
    }

    /**
     * A vCPU in HLT with interrupts disabled sleeps until an NMI (or INIT, SMI) arrives: for
     * the boot vCPU that usually means the guest gave up, as a Xen guest that finds no Xen does,
     * and the machine idles silently until --timeout. Said once, as a warning for vCPU 0; other
     * vCPUs park like that on purpose (Linux's offline and stopped CPUs), so for them it is
     * debug output. RIP is the instruction after the HLT.
     */
    private void reportHaltedForGood() {
        haltReported = true;
        LOG.log(id() == 0 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, String.format(
                "vCPU %d halted with interrupts disabled at RIP 0x%x: it can only be woken by an NMI", id(), regs.rip()));
    }
}
