package org.jxen.cli.run;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.jxen.kvm.Kvm;
import org.jxen.sys.SysException;
import org.jxen.vmm.machine.HostFacts;

/**
 * Opens {@code /dev/kvm} and loads the VMM's classes on a second thread while the main thread
 * parses the command line: start-up is most of jxen-run's time on a small guest, and on a
 * machine with two or more CPUs the two halves run side by side (docs/PERFORMANCE.md). Nothing
 * here changes what jxen-run does; errors surface where the main thread asks for the result.
 */
final class Prewarm {
    /** Classes the first boot needs, initialised ahead (their static set-up is the costly part). */
    private static final String[] CLASSES = {
        "org.jxen.sys.LibC", "org.jxen.sys.ThreadKick", "org.jxen.kvm.KvmVcpu", "org.jxen.kvm.KvmRun",
        "org.jxen.kvm.Sregs", "org.jxen.kvm.Regs", "org.jxen.vmm.machine.Machine", "org.jxen.vmm.memory.GuestMemory",
        "org.jxen.vmm.acpi.AcpiTables", "org.jxen.vmm.acpi.Aml", "org.jxen.vmm.boot.KernelLoader",
        "org.jxen.vmm.boot.ElfImage", "org.jxen.vmm.boot.PvhLoader", "org.jxen.vmm.vcpu.Vcpu",
        "org.jxen.vmm.vcpu.CpuidTemplate", "org.jxen.vmm.vcpu.BootCpu", "org.jxen.vmm.device.legacy.Uart8250",
        "org.jxen.vmm.device.legacy.AcpiPm", "org.jxen.vmm.device.legacy.CmosRtc", "org.jxen.vmm.device.pci.PciHostBridge",
        "org.jxen.vmm.bus.Bus",
    };

    private final CompletableFuture<Kvm> kvm = new CompletableFuture<>();
    private final CompletableFuture<HostFacts> host = new CompletableFuture<>();

    static Prewarm start(String device) {
        Prewarm p = new Prewarm();
        Thread.ofPlatform().daemon(true).name("prewarm").start(() -> p.run(device));
        return p;
    }

    private void run(String device) {
        host.complete(HostFacts.probe(Path.of(device)));
        try {
            kvm.complete(Kvm.open(device));
        } catch (SysException | RuntimeException e) {
            kvm.completeExceptionally(e);
        }
        ClassLoader loader = Prewarm.class.getClassLoader();
        for (String c : CLASSES) {
            try {
                Class.forName(c, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // Only a warm-up: the real use reports any problem.
            }
        }
    }

    HostFacts host() {
        return host.join();
    }

    /** The opened KVM device, or the error opening it. */
    Kvm kvm() throws SysException {
        try {
            return kvm.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SysException s) {
                throw s;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
