package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jxen.vmm.device.legacy.Uart8250;
import org.jxen.vmm.machine.MachineSpec;
import org.jxen.vmm.machine.Outcome;
import org.jxen.vmm.vcpu.ShutdownReason;

/**
 * Guests without KVM for the lifecycle tests: each prints "booted NAME" on its console when
 * started, then runs until the test ends it ({@link FakeGuest#end}) or it is destroyed.
 */
final class FakeGuests implements GuestFactory {
    final List<FakeGuest> built = new CopyOnWriteArrayList<>();
    volatile String refuse;
    /** Give each guest a real (parked) thread as its vCPU, for affinity tests. */
    volatile boolean realThreads;
    /** When set, a build waits for it (and counts {@link #building} down first). */
    volatile java.util.concurrent.CountDownLatch buildGate;
    final java.util.concurrent.CountDownLatch building = new java.util.concurrent.CountDownLatch(1);

    /** The device factories of the last build. */
    volatile List<org.jxen.vmm.machine.Machine.VirtioDeviceFactory> lastDevices = List.of();

    @Override
    public Guest build(MachineSpec spec, Uart8250.Sink console, List<org.jxen.vmm.machine.Machine.VirtioDeviceFactory> devices)
            throws DomainException {
        lastDevices = devices;
        return build(spec, console);
    }

    @Override
    public Guest build(MachineSpec spec, Uart8250.Sink console) throws DomainException {
        java.util.concurrent.CountDownLatch gate = buildGate;
        if (gate != null) {
            building.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (refuse != null) {
            throw new DomainException(DomainException.Kind.FAILED, refuse);
        }
        FakeGuest g = new FakeGuest(spec, console, realThreads);
        built.add(g);
        return g;
    }

    FakeGuest last() {
        return built.get(built.size() - 1);
    }

    static final class FakeGuest implements Guest {
        final MachineSpec spec;
        final Uart8250.Sink console;
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        final StringBuilder typed = new StringBuilder();
        volatile boolean started;
        volatile boolean paused;
        volatile boolean closed;
        volatile int buttonPresses;
        volatile boolean buttonEnabled = true;
        final boolean realThread;
        volatile int tid;
        final java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);

        FakeGuest(MachineSpec spec, Uart8250.Sink console, boolean realThread) {
            this.spec = spec;
            this.console = console;
            this.realThread = realThread;
        }

        void print(String s) {
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                console.write(b & 0xff);
            }
        }

        volatile java.util.function.Consumer<String> debug;

        @Override
        public void onDebugLine(java.util.function.Consumer<String> sink) {
            this.debug = sink;
        }

        void end(ShutdownReason reason) {
            outcome.complete(new Outcome(reason, "the test ended it"));
        }

        @Override
        public void start() throws InterruptedException {
            if (realThread) {
                java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
                Thread.ofPlatform().daemon(true).start(() -> {
                    tid = org.jxen.sys.LibC.gettid();
                    running.countDown();
                    try {
                        stop.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                running.await();
            }
            started = true;
            print("booted " + spec.name() + "\n");
        }

        @Override
        public CompletableFuture<Outcome> outcome() {
            return outcome;
        }

        @Override
        public void destroy(String why) {
            outcome.complete(new Outcome(ShutdownReason.DESTROYED, why));
        }

        @Override
        public void pause() {
            paused = true;
        }

        @Override
        public void unpause() {
            paused = false;
        }

        @Override
        public boolean powerButtonEnabled() {
            return buttonEnabled;
        }

        @Override
        public void pressPowerButton() {
            buttonPresses++;
            end(ShutdownReason.POWEROFF);
        }

        @Override
        public void reset(String why) {
            outcome.complete(new Outcome(ShutdownReason.REBOOT, why));
        }

        @Override
        public List<Integer> vcpuThreads() {
            return realThread ? List.of(tid) : List.of();
        }

        @Override
        public synchronized void consoleInput(byte[] b, int off, int len) {
            typed.append(new String(b, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void coreDump(Path file) throws IOException {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "core of " + spec.name());
        }

        @Override
        public void close() {
            closed = true;
            stop.countDown();
        }
    }
}
