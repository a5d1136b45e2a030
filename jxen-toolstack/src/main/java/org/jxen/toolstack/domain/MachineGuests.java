package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jxen.kvm.Kvm;
import org.jxen.sys.Errno;
import org.jxen.sys.SysException;
import org.jxen.vmm.device.legacy.Uart8250;
import org.jxen.vmm.machine.HostFacts;
import org.jxen.vmm.machine.Machine;
import org.jxen.vmm.machine.MachineException;
import org.jxen.vmm.machine.MachineSpec;
import org.jxen.vmm.machine.Outcome;
import org.jxen.vmm.vcpu.ShutdownReason;
import org.jxen.vmm.vcpu.Vcpu;

/**
 * Domains as KVM machines ({@link Machine}). {@code /dev/kvm} is opened on the first create
 * and kept for jxend's life; without it a create fails with one sentence saying why, and
 * jxend carries on.
 */
public final class MachineGuests implements GuestFactory, AutoCloseable {
    private final Path device;
    private final HostFacts host;
    private Kvm kvm;

    public MachineGuests(Path device, HostFacts host) {
        this.device = device;
        this.host = host;
    }

    @Override
    public HostFacts host() {
        return host;
    }

    private synchronized Kvm kvm() throws DomainException {
        if (kvm == null) {
            try {
                kvm = Kvm.open(device.toString());
            } catch (SysException e) {
                throw new DomainException(DomainException.Kind.FAILED, switch (e.errno()) {
                    case Errno.ENOENT -> device + " does not exist: this host has no KVM (load kvm_intel or kvm_amd, or "
                            + "enable virtualization in the firmware)";
                    case Errno.EACCES, Errno.EPERM -> "jxend has no permission to open " + device
                            + " (run it as root or in the group that owns it, usually kvm)";
                    case Errno.ENODEV, Errno.ENXIO -> device + " has no KVM driver behind it";
                    default -> "cannot open " + device + ": " + e.getMessage();
                }, e);
            }
        }
        return kvm;
    }

    @Override
    public Guest build(MachineSpec spec, Uart8250.Sink console) throws DomainException {
        return build(spec, console, java.util.List.of());
    }

    @Override
    public Guest build(MachineSpec spec, Uart8250.Sink console, java.util.List<Machine.VirtioDeviceFactory> devices)
            throws DomainException {
        Kvm k = kvm();
        try {
            return new MachineGuest(Machine.create(k, host, spec, console, devices));
        } catch (MachineException e) {
            throw new DomainException(DomainException.Kind.FAILED, e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (kvm != null) {
            kvm.close();
            kvm = null;
        }
    }

    /** A {@link Machine} as a {@link Guest}. */
    private record MachineGuest(Machine m) implements Guest {
        @Override
        public void start() throws InterruptedException {
            m.start();
        }

        @Override
        public void onDebugLine(java.util.function.Consumer<String> sink) {
            m.onDebugLine(sink);
        }

        @Override
        public CompletableFuture<Outcome> outcome() {
            return m.outcome();
        }

        @Override
        public void destroy(String why) {
            m.destroy(why);
        }

        @Override
        public void pause() {
            m.pause();
        }

        @Override
        public void unpause() {
            m.unpause();
        }

        @Override
        public boolean powerButtonEnabled() {
            return m.powerButtonEnabled();
        }

        @Override
        public void pressPowerButton() {
            m.pressPowerButton();
        }

        @Override
        public void reset(String why) {
            m.shutdown(ShutdownReason.REBOOT, why);
        }

        @Override
        public List<Integer> vcpuThreads() {
            return m.vcpus().stream().map(Vcpu::tid).toList();
        }

        @Override
        public void consoleInput(byte[] b, int off, int len) throws InterruptedException {
            m.console().receive(b, off, len);
        }

        @Override
        public void coreDump(Path file) throws IOException {
            CoreDump.write(file, m.memory());
        }

        @Override
        public void close() {
            m.close();
        }
    }
}
