package org.jxen.vmm.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jxen.kvm.Kvm;
import org.jxen.vmm.device.legacy.Uart8250;
import org.jxen.vmm.vcpu.ShutdownReason;
import org.jxen.vmm.vcpu.Vcpu;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Machines built and run inside the test JVM, on the real KVM, with jxen's test guests. */
class MachineTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static Kvm kvm;
    static HostFacts host;

    @BeforeAll
    static void open() throws Exception {
        HostAssume.kvm();
        kvm = Kvm.open(HostAssume.kvmDevice().toString());
        host = HostFacts.probe(HostAssume.kvmDevice());
    }

    @AfterAll
    static void close() {
        if (kvm != null) {
            kvm.close();
        }
    }

    /** COM1 output collected for the test, with a bounded wait for a piece of text. */
    static final class Console implements Uart8250.Sink {
        private final StringBuilder out = new StringBuilder();

        @Override
        public synchronized void write(int b) {
            out.append((char) b);
            notifyAll();
        }

        synchronized String text() {
            return out.toString();
        }

        synchronized void await(String text, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.indexOf(text) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no \"" + text + "\" on the console within " + timeout + ":\n" + out);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    static MachineSpec spec(String guest, int vcpus, String cmdline) {
        return new MachineSpec("test-" + guest, 64, vcpus, TestGuests.pvh(guest), null, cmdline);
    }

    @Test
    void bootsAGuestAndEndsWithPoweroff() throws Exception {
        Console console = new Console();
        try (Machine m = Machine.create(kvm, host, spec("hello", 1, "x=1"), console)) {
            m.start();
            Outcome o = m.awaitOutcome(WAIT);
            assertThat(o).as(console.text()).isNotNull();
            assertThat(o.reason()).as(console.text()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(console.text()).contains("jxen-guest hello end passed=6 failed=0");
            assertThat(m.loaded().linux()).isFalse();
        }
    }

    @Test
    void aVirtioDeviceAppearsOnTheGuestsPciBus() throws Exception {
        Console console = new Console();
        try (Machine m = Machine.create(kvm, host, spec("pci", 1, ""), console,
                List.of(mem -> new Machine.PlacedDevice(new org.jxen.vmm.virtio.rng.VirtioRngDevice(mem), 0xFF, 0x00, "rng")))) {
            m.start();
            Outcome o = m.awaitOutcome(WAIT);
            assertThat(o).as(console.text()).isNotNull();
            // The guest counts the host bridge and the virtio function (1af4:1005, transitional), by both access methods.
            assertThat(console.text()).contains("# pci functions=2");
        }
    }

    @Test
    void destroyStopsARunningGuestAndItsVcpus() throws Exception {
        Console console = new Console();
        Machine m = Machine.create(kvm, host, spec("shutdown", 2, "action=halt"), console);
        try (m) {
            m.start();
            console.await("jxen-guest shutdown end", WAIT);
            m.destroy("test");
            Outcome o = m.awaitOutcome(WAIT);
            assertThat(o.reason()).isEqualTo(ShutdownReason.DESTROYED);
            assertThat(o.detail()).isEqualTo("test");
        }
        assertThat(m.vcpus()).extracting(Vcpu::state).containsOnly(Vcpu.State.STOPPED);
    }

    @Test
    void theFirstEndingWins() throws Exception {
        Console console = new Console();
        try (Machine m = Machine.create(kvm, host, spec("shutdown", 1, "action=poweroff"), console)) {
            m.start();
            assertThat(m.awaitOutcome(WAIT).reason()).isEqualTo(ShutdownReason.POWEROFF);
            m.destroy("late");
            m.shutdown(ShutdownReason.CRASH, "later");
            assertThat(m.awaitOutcome(WAIT).reason()).isEqualTo(ShutdownReason.POWEROFF);
        }
    }

    @Test
    void buildingAndClosingMachinesReleasesEveryDescriptor() throws Exception {
        // Warm up once so that lazily opened JDK descriptors are not counted.
        runToEnd();
        long before = openDescriptors();
        for (int i = 0; i < 10; i++) {
            runToEnd();
        }
        assertThat(openDescriptors()).isEqualTo(before);
    }

    private static void runToEnd() throws Exception {
        try (Machine m = Machine.create(kvm, host, spec("shutdown", 2, "action=poweroff"), new Console())) {
            m.start();
            assertThat(m.awaitOutcome(WAIT).reason()).isEqualTo(ShutdownReason.POWEROFF);
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void closingTwiceAndClosingABuiltButNeverStartedMachineIsFine() throws Exception {
        Machine m = Machine.create(kvm, host, spec("hello", 1, ""), new Console());
        m.close();
        m.close();
    }

    @Test
    void rejectsSpecsOutsideTheLimits() {
        assertThatThrownBy(() -> Machine.create(kvm, host, new MachineSpec("t", 2, 1, TestGuests.pvh("hello"), null, ""),
                new Console())).isInstanceOf(MachineException.class).hasMessage("memory 2 MiB is below the minimum of 4 MiB");
        assertThatThrownBy(() -> Machine.create(kvm, host, new MachineSpec("t", 64, 0, TestGuests.pvh("hello"), null, ""),
                new Console())).isInstanceOf(MachineException.class).hasMessageStartingWith("vcpus 0 is out of range (expected: 1..");
        assertThatThrownBy(() -> Machine.create(kvm, host, new MachineSpec("t", 64, 1, Path.of("/nonexistent"), null, ""),
                new Console())).isInstanceOf(MachineException.class).hasMessage("kernel /nonexistent does not exist");
    }

    @Test
    void aCrashingGuestEndsWithCrashAndAReason() throws Exception {
        Console console = new Console();
        try (Machine m = Machine.create(kvm, host, spec("shutdown", 1, "action=triplefault"), console)) {
            m.start();
            Outcome o = m.awaitOutcome(WAIT);
            assertThat(o.reason()).isEqualTo(ShutdownReason.CRASH);
            assertThat(o.detail()).startsWith("test-shutdown-vcpu0: triple fault at rip 0x");
        }
    }
}
