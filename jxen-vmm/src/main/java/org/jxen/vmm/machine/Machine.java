package org.jxen.vmm.machine;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jxen.kvm.CpuidEntry;
import org.jxen.kvm.Kvm;
import org.jxen.kvm.KvmException;
import org.jxen.kvm.KvmVcpu;
import org.jxen.kvm.KvmVm;
import org.jxen.kvm.abi.KvmH;
import org.jxen.sys.SysException;
import org.jxen.vmm.acpi.AcpiPlatform;
import org.jxen.vmm.acpi.AcpiTables;
import org.jxen.vmm.boot.BootException;
import org.jxen.vmm.boot.BootSpec;
import org.jxen.vmm.boot.KernelLoader;
import org.jxen.vmm.bus.Bus;
import org.jxen.vmm.device.legacy.AcpiPm;
import org.jxen.vmm.device.legacy.CmosRtc;
import org.jxen.vmm.device.legacy.I8042;
import org.jxen.vmm.device.legacy.PvPanic;
import org.jxen.vmm.device.legacy.Uart8250;
import org.jxen.vmm.device.pci.PciHostBridge;
import org.jxen.vmm.irq.GsiLine;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.memory.MemoryRegion;
import org.jxen.vmm.vcpu.BootCpu;
import org.jxen.vmm.vcpu.CpuidTemplate;
import org.jxen.vmm.vcpu.ShutdownReason;
import org.jxen.vmm.vcpu.Vcpu;
import org.jxen.vmm.vcpu.VcpuHost;

/**
 * A built VM: KVM's VM with its irqchip and PIT, guest memory, the legacy devices, the PCI
 * host bridge, the ACPI tables, the loaded kernel and the vCPUs. The one place that assembles
 * all of them.
 *
 * <p>Lifecycle: {@link #create} builds everything (any failure is a
 * {@link MachineException} with one clear sentence, and nothing is left open),
 * {@link #start()} starts the vCPUs, the machine runs until the guest powers off, reboots or
 * crashes, or until {@link #destroy(String)}; {@link #awaitOutcome} returns how it ended;
 * {@link #close()} frees everything.
 *
 * <p>Threads: vCPU threads call the {@link VcpuHost} methods; any thread may call
 * {@code destroy}, {@code pause}, {@code unpause} and {@code pressPowerButton}.
 */
public final class Machine implements VcpuHost, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.vmm.machine");

    // The PC's I/O ports (IBM PC/AT Technical Reference; ACPI and PCI ports as in AcpiTables).
    public static final int COM1_PORT = 0x3F8;
    public static final int COM1_IRQ = 4;
    public static final int I8042_PORT = 0x60;
    public static final int RTC_PORT = 0x70;
    public static final int ACPI_PM_PORT = 0x600;
    public static final int SCI_IRQ = 9;
    public static final int PCI_CONFIG_PORT = 0xCF8;
    public static final int RESET_PORT = 0xCF9;
    public static final int RESET_VALUE = 0x06;
    /** How often the watchdog looks for vCPUs stuck inside KVM_RUN. */
    static final Duration WATCHDOG_PERIOD = Duration.ofMillis(250);

    /**
     * Legacy ports that Linux and firmware probe on every PC and that have no device here: DMA
     * controllers and page registers (0x80 is Linux's I/O delay port; 0x92 is among them), the
     * floppy, IDE, parallel and other serial ports, VGA. They read as all ones, as absent ISA
     * hardware does, without a warning.
     */
    static final int[][] SILENT_PORTS = {
        {0x00, 0x20}, {0x80, 0x20}, {0xC0, 0x20}, {0xED, 1}, {0x1F0, 8}, {0x170, 8}, {0x3F6, 1},
        {0x376, 1}, {0x3F0, 6}, {0x3F7, 1}, {0x2F8, 8}, {0x3E8, 8}, {0x2E8, 8}, {0x378, 3}, {0x278, 3},
        {0x3B0, 0x30},
    };

    private final String name;
    private final MachineSpec spec;
    private final HostFacts host;
    private final KvmVm vm;
    private final GuestMemory memory;
    private final Bus pio = new Bus("port");
    private final Bus mmio = new Bus("MMIO");
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final Object pauseLock = new Object();
    private Uart8250 uart;
    private AcpiPm pm;
    private KernelLoader.Loaded loaded;
    private ScheduledExecutorService watchdog;
    private volatile boolean stopping;
    private volatile boolean paused;
    private boolean closed;

    private Machine(MachineSpec spec, HostFacts host, KvmVm vm, GuestMemory memory) {
        this.name = spec.name();
        this.spec = spec;
        this.host = host;
        this.vm = vm;
        this.memory = memory;
    }

    /**
     * Builds a machine from {@code spec}. {@code console} receives COM1's output.
     *
     * @throws MachineException when the spec is invalid, the kernel cannot be booted or KVM
     *     refuses; the message is one sentence for the user
     */
    public static Machine create(Kvm kvm, HostFacts host, MachineSpec spec, Uart8250.Sink console)
            throws MachineException {
        return create(kvm, host, spec, console, List.of());
    }

    /** A virtio device to put on the machine's PCI bus; built once guest memory exists. */
    @FunctionalInterface
    public interface VirtioDeviceFactory {
        /** The device, and the PCI class code and subclass it shows (virtio 1.2 §4.1.2.1 leaves them to the device). */
        PlacedDevice build(GuestMemory memory) throws java.io.IOException;
    }

    /**
     * A built virtio device with its PCI class, subclass, a name for messages, and what it owns
     * (an image, a TAP), closed with the machine.
     */
    public record PlacedDevice(org.jxen.vmm.virtio.VirtioDevice device, int classCode, int subclass, String name,
            AutoCloseable owned) {
        public PlacedDevice(org.jxen.vmm.virtio.VirtioDevice device, int classCode, int subclass, String name) {
            this(device, classCode, subclass, name, null);
        }
    }

    /**
     * As {@link #create(Kvm, HostFacts, MachineSpec, Uart8250.Sink)}, with virtio-pci devices at
     * PCI slots 1, 2, ... in order, their BARs placed in the 32-bit PCI window (the guest may move
     * them), their MSI-X vectors sent as MSIs through KVM.
     */
    public static Machine create(Kvm kvm, HostFacts host, MachineSpec spec, Uart8250.Sink console,
            List<VirtioDeviceFactory> devices) throws MachineException {
        validate(kvm, host, spec);
        if (devices.size() > 31 - 1) {
            throw new MachineException(devices.size() + " devices do not fit on the PCI bus (at most 30)", null);
        }
        AddressMap map = new AddressMap(spec.memoryMib() * AddressMap.MIB);
        KvmVm vm = null;
        GuestMemory mem = null;
        Machine m = null;
        try {
            vm = kvm.createVm(spec.name());
            mem = GuestMemory.create(spec.name(), map);
            m = new Machine(spec, host, vm, mem);
            m.build(kvm, map, console);
            m.attachVirtio(devices);
            return m;
        } catch (KvmException e) {
            closeQuietly(m, vm, mem);
            throw new MachineException("KVM refused to set up the VM: " + e.getMessage(), e);
        } catch (SysException e) {
            closeQuietly(m, vm, mem);
            throw new MachineException("cannot allocate " + spec.memoryMib() + " MiB of guest memory: " + e.getMessage(), e);
        } catch (BootException e) {
            closeQuietly(m, vm, mem);
            throw new MachineException(e.getMessage(), e);
        } catch (java.io.IOException e) {
            closeQuietly(m, vm, mem);
            throw new MachineException("cannot attach a device: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(m, vm, mem);
            throw e;
        }
    }

    private static void closeQuietly(Machine m, KvmVm vm, GuestMemory mem) {
        if (m != null) {
            m.close();
            return;
        }
        if (vm != null) {
            vm.close();
        }
        if (mem != null) {
            mem.close();
        }
    }

    /** Checks the spec against jxen's and the host's limits. */
    static void validate(Kvm kvm, HostFacts host, MachineSpec spec) throws MachineException {
        if (spec.memoryMib() < MachineSpec.MIN_MEMORY_MIB) {
            throw new MachineException("memory " + spec.memoryMib() + " MiB is below the minimum of "
                    + MachineSpec.MIN_MEMORY_MIB + " MiB");
        }
        if (spec.memoryMib() > MachineSpec.MAX_MEMORY_MIB) {
            throw new MachineException("memory " + spec.memoryMib() + " MiB is above jxen's limit of "
                    + MachineSpec.MAX_MEMORY_MIB + " MiB");
        }
        long hostMib = host.totalMemoryBytes() >> 20;
        if (hostMib > 0 && spec.memoryMib() > hostMib) {
            throw new MachineException("memory " + spec.memoryMib() + " MiB is more than this host has (" + hostMib + " MiB)");
        }
        int max = Math.min(kvm.maxVcpus(), MachineSpec.MAX_VCPUS);
        if (spec.vcpus() < 1 || spec.vcpus() > max) {
            throw new MachineException("vcpus " + spec.vcpus() + " is out of range (expected: 1.." + max
                    + (max == MachineSpec.MAX_VCPUS ? ", jxen's limit" : ", this host's KVM limit") + ")");
        }
    }

    private void build(Kvm kvm, AddressMap map, Uart8250.Sink console) throws KvmException, BootException {
        try {
            // Only Intel's VMX needs these for real mode; elsewhere they are accepted or refused harmlessly.
            vm.setIdentityMapAddr(AddressMap.KVM_IDENTITY_MAP);
            vm.setTssAddr(AddressMap.KVM_TSS);
        } catch (KvmException e) {
            LOG.log(System.Logger.Level.DEBUG, "real-mode helper pages: " + e.getMessage());
        }
        vm.createIrqchip();
        vm.createPit2(KvmH.KVM_PIT_SPEAKER_DUMMY);
        List<MemoryRegion> regions = memory.regions();
        for (int i = 0; i < regions.size(); i++) {
            MemoryRegion r = regions.get(i);
            vm.setUserMemoryRegion(i, 0, r.start(), r.size(), memory.hostAddress(i));
        }
        attachDevices(console);
        AcpiTables.Blob acpi = AcpiTables.build(acpiPlatform(map), AddressMap.ACPI_TABLES_START);
        if (acpi.bytes().length > AddressMap.ACPI_TABLES_END - AddressMap.ACPI_TABLES_START) {
            throw new IllegalStateException("ACPI tables take " + acpi.bytes().length + " bytes, more than the 128 KiB reserved");
        }
        memory.write(AddressMap.ACPI_TABLES_START, acpi.bytes());
        loaded = KernelLoader.load(memory, new BootSpec(spec.kernel(), spec.initrd(), spec.cmdline(), map, acpi.rsdp()));
        if (loaded.linux() && host.kind() == HostFacts.KvmKind.EMULATED_SUPERVISOR) {
            LOG.log(System.Logger.Level.WARNING, "booting a Linux kernel on an emulated-supervisor KVM host ("
                    + host.module() + "): guest ring 0 is emulated at a few million instructions per second, so "
                    + "Linux will take many minutes to boot, if it boots at all");
        }
        createVcpus(kvm);
    }

    private AcpiPlatform acpiPlatform(AddressMap map) {
        long mmio64Base = Math.max(map.ramTop(), 64L * AddressMap.GIB);
        return new AcpiPlatform(spec.vcpus(), ACPI_PM_PORT, SCI_IRQ, RESET_PORT, RESET_VALUE, AddressMap.PCIE_ECAM_START,
                AddressMap.PCI_MMIO32_START, AddressMap.PCI_MMIO32_SIZE, mmio64Base, 64L * AddressMap.GIB,
                AddressMap.IOAPIC_START, AddressMap.LAPIC_START, true, PvPanic.PORT, CmosRtc.CENTURY);
    }

    private void attachDevices(Uart8250.Sink console) {
        Runnable reboot = () -> shutdown(ShutdownReason.REBOOT, "the guest reset the machine");
        uart = new Uart8250(new GsiLine(vm, COM1_IRQ), console);
        pio.register(COM1_PORT, 8, uart, "COM1 (8250 UART)");
        pio.register(I8042_PORT, 5, new I8042(reboot), "i8042");
        pio.register(RTC_PORT, 2, new CmosRtc(Clock.systemUTC(), spec.memoryMib() * AddressMap.MIB), "CMOS RTC");
        pio.register(org.jxen.vmm.device.legacy.XenDebugPort.PORT, 1, new org.jxen.vmm.device.legacy.XenDebugPort(
                line -> debugLines.accept(line)), "Xen debug port");
        pio.register(PvPanic.PORT, 1, new PvPanic(
                () -> shutdown(ShutdownReason.CRASH, "the guest reported a kernel panic (pvpanic)"),
                () -> LOG.log(System.Logger.Level.INFO, name + ": the guest loaded a crash kernel (pvpanic)")), "pvpanic");
        pm = new AcpiPm(new GsiLine(vm, SCI_IRQ), System::nanoTime, slpTyp -> {
            if (slpTyp == AcpiPm.SLP_TYP_S5) {
                shutdown(ShutdownReason.POWEROFF, "the guest powered off (ACPI S5)");
            } else {
                LOG.log(System.Logger.Level.WARNING, name + ": the guest asked for ACPI sleep type " + slpTyp
                        + ", which this machine does not support; ignored");
            }
        });
        pio.register(ACPI_PM_PORT, AcpiPm.LENGTH, pm, "ACPI PM");
        PciHostBridge pci = new PciHostBridge(reboot);
        pciBridge = pci;
        pio.register(PCI_CONFIG_PORT, 8, pci.ports(), "PCI configuration (0xCF8/0xCFC) and reset control (0xCF9)");
        mmio.register(AddressMap.PCIE_ECAM_START, AddressMap.PCIE_ECAM_SIZE, pci.ecam(), "PCIe ECAM");
        for (int[] r : SILENT_PORTS) {
            pio.register(r[0], r[1], Bus.SILENT, "legacy port 0x" + Integer.toHexString(r[0]));
        }
    }

    private PciHostBridge pciBridge;
    /** Where the guest's 0xE9 debug lines go (logged until the owner sets a sink). */
    private volatile java.util.function.Consumer<String> debugLines = line -> LOG.log(System.Logger.Level.INFO,
            "(guest debug port) " + line);

    /** Sends the guest's debug-port lines (Xen's 0xE9) to {@code sink}: the domain's log and xl dmesg. */
    public void onDebugLine(java.util.function.Consumer<String> sink) {
        this.debugLines = sink;
    }
    /** Where virtio devices' legacy I/O BARs start (above the ports of the legacy devices, as SeaBIOS places them). */
    static final int LEGACY_IO_BASE = 0xC000;
    private final List<org.jxen.vmm.virtio.VirtioDevice> virtioDevices = new ArrayList<>();
    private final List<AutoCloseable> owned = new ArrayList<>();

    private void attachVirtio(List<VirtioDeviceFactory> factories) throws java.io.IOException {
        int slot = 1;
        for (VirtioDeviceFactory factory : factories) {
            PlacedDevice d = factory.build(memory);
            virtioDevices.add(d.device());
            if (d.owned() != null) {
                owned.add(d.owned());
            }
            org.jxen.vmm.virtio.transport.VirtioPciFunction[] fn = new org.jxen.vmm.virtio.transport.VirtioPciFunction[1];
            fn[0] = new org.jxen.vmm.virtio.transport.VirtioPciFunction(d.device(), memory, d.classCode(), d.subclass(), v -> {
                org.jxen.vmm.device.pci.Msix.Vector vec = fn[0].msix().vector(v);
                try {
                    vm.signalMsi(vec.address(), vec.data());
                } catch (KvmException e) {
                    LOG.log(System.Logger.Level.WARNING, name + ": " + d.name() + ": MSI not delivered: " + e.getMessage());
                }
            });
            pciBridge.add(slot, 0, fn[0]);
            fn[0].attach(mmio, AddressMap.PCI_MMIO32_START + (slot - 1)
                    * org.jxen.vmm.virtio.transport.VirtioPciFunction.BAR_SIZE, d.name());
            // The legacy I/O window: 256 ports a slot from 0xC000, inside the host bridge's I/O window (DSDT _CRS).
            fn[0].attachIo(pio, LEGACY_IO_BASE + (slot - 1) * 0x100, d.name());
            slot++;
        }
    }

    private void createVcpus(Kvm kvm) throws KvmException {
        boolean emulated = host.kind() == HostFacts.KvmKind.EMULATED_SUPERVISOR;
        List<CpuidEntry> supported = kvm.supportedCpuid();
        CpuidTemplate cpuid = new CpuidTemplate(supported, spec.vcpus(), emulated,
                kvm.checkExtension(KvmH.KVM_CAP_TSC_DEADLINE_TIMER) > 0);
        for (int i = 0; i < spec.vcpus(); i++) {
            KvmVcpu v = vm.createVcpu(i);
            vcpus.add(new Vcpu(v, this, name + "-vcpu" + i));
            v.setCpuid(cpuid.forVcpu(i));
            setBootMsrs(v);
            setLocalInterrupts(v);
        }
        BootCpu.apply(vcpus.get(0).kvm(), memory, loaded.entry());
    }

    // Intel SDM vol. 4, table 2-2: IA32_MISC_ENABLE (fast strings), IA32_MTRR_DEF_TYPE (MTRRs on, write-back).
    static final int MSR_IA32_MISC_ENABLE = 0x1a0;
    static final int MSR_MTRR_DEF_TYPE = 0x2ff;

    private static void setBootMsrs(KvmVcpu v) {
        long[][] msrs = {{MSR_IA32_MISC_ENABLE, 1}, {MSR_MTRR_DEF_TYPE, (1 << 11) | 6}};
        for (long[] msr : msrs) {
            try {
                v.setMsrs(new long[][] {msr});
            } catch (KvmException e) {
                LOG.log(System.Logger.Level.DEBUG, "MSR 0x" + Long.toHexString(msr[0]) + " not set: " + e.getMessage());
            }
        }
    }

    // Intel SDM vol. 3, 11.5.1: LVT LINT0 at 0x350 and LINT1 at 0x360; delivery mode in bits 8-10.
    static final int APIC_LVT_LINT0 = 0x350;
    static final int APIC_LVT_LINT1 = 0x360;
    static final int APIC_MODE_NMI = 4;
    static final int APIC_MODE_EXTINT = 7;

    /** Wires LINT0 to the PIC (ExtINT) and LINT1 to NMI, as PC firmware does and the MADT says. */
    private static void setLocalInterrupts(KvmVcpu v) throws KvmException {
        byte[] lapic = v.getLapic();
        setLvt(lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
        setLvt(lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
        v.setLapic(lapic);
    }

    private static void setLvt(byte[] lapic, int reg, int mode) {
        int v = (lapic[reg] & 0xff) | (lapic[reg + 1] & 0xff) << 8 | (lapic[reg + 2] & 0xff) << 16 | (lapic[reg + 3] & 0xff) << 24;
        v = (v & ~0x700) | (mode << 8);
        lapic[reg] = (byte) v;
        lapic[reg + 1] = (byte) (v >> 8);
        lapic[reg + 2] = (byte) (v >> 16);
        lapic[reg + 3] = (byte) (v >> 24);
    }

    /** Starts the vCPUs and the watchdog. */
    public void start() throws InterruptedException {
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                .name(name + "-watchdog").unstarted(r));
        for (Vcpu v : vcpus) {
            v.start();
        }
        watchdog.scheduleAtFixedRate(() -> vcpus.forEach(Vcpu::checkStuck), WATCHDOG_PERIOD.toMillis(),
                WATCHDOG_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for the machine to end; returns null on timeout. */
    public Outcome awaitOutcome(Duration timeout) throws InterruptedException {
        try {
            return timeout == null ? outcome.get() : outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The outcome as a future, completed once the machine ends. */
    public CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    /** Stops the machine (not the guest's doing). */
    public void destroy(String why) {
        shutdown(ShutdownReason.DESTROYED, why);
    }

    @Override
    public void shutdown(ShutdownReason reason, String detail) {
        if (outcome.isDone()) {
            return;
        }
        stopping = true;
        synchronized (pauseLock) {
            pauseLock.notifyAll();
        }
        if (outcome.complete(new Outcome(reason, detail))) {
            LOG.log(System.Logger.Level.DEBUG, name + ": " + reason.xenName() + ": " + detail);
        }
        for (Vcpu v : vcpus) {
            v.kick();
        }
    }

    /** Pauses every vCPU (as {@code xl pause}); returns once they are out of KVM_RUN. */
    public void pause() {
        paused = true;
        vcpus.forEach(Vcpu::kick);
    }

    public void unpause() {
        synchronized (pauseLock) {
            paused = false;
            pauseLock.notifyAll();
        }
    }

    /** Presses the ACPI power button (as {@code xl shutdown}, or {@code xl trigger power}). */
    public void pressPowerButton() {
        pm.pressPowerButton();
    }

    /** Whether the guest listens to the power button (enabled PWRBTN_EN). */
    public boolean powerButtonEnabled() {
        return pm.powerButtonEnabled();
    }

    /** COM1, for the console's input. */
    public Uart8250 console() {
        return uart;
    }

    public MachineSpec spec() {
        return spec;
    }

    public HostFacts hostFacts() {
        return host;
    }

    /** What was booted. */
    public KernelLoader.Loaded loaded() {
        return loaded;
    }

    public List<Vcpu> vcpus() {
        return List.copyOf(vcpus);
    }

    @Override
    public Bus pio() {
        return pio;
    }

    @Override
    public Bus mmio() {
        return mmio;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public boolean stopping() {
        return stopping;
    }

    @Override
    public boolean paused() {
        return paused;
    }

    @Override
    public void awaitUnpaused() throws InterruptedException {
        synchronized (pauseLock) {
            while (paused && !stopping) {
                pauseLock.wait();
            }
        }
    }

    /** Stops the vCPUs if they run, then frees the VM, its vCPUs and memory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutdown(ShutdownReason.DESTROYED, "closed");
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        for (Vcpu v : vcpus) {
            try {
                // A vCPU thread that does not stop would use freed memory: wait for each.
                while (v.state() == Vcpu.State.RUNNING) {
                    v.kick();
                    v.join(Duration.ofMillis(100));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Vcpu v : vcpus) {
            v.kvm().close();
        }
        // Device threads stop before the memory they read goes.
        for (org.jxen.vmm.virtio.VirtioDevice d : virtioDevices) {
            d.reset();
        }
        for (AutoCloseable o : owned) {
            try {
                o.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, name + ": closing a device's backend: " + e.getMessage());
            }
        }
        vm.close();
        memory.close();
    }
}
