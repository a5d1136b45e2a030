package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jxen.vmm.machine.Outcome;

/**
 * One incarnation of a domain's VM, as the lifecycle logic sees it: the seam between
 * {@link DomainManager} and the machine, so that the lifecycle is tested without KVM. The
 * product implementation is {@link MachineGuests}; a restart makes a new {@code Guest} for the
 * same domain.
 *
 * <p>Threads: any thread may call these; {@link #outcome()} completes on a vCPU or control thread.
 */
public interface Guest extends AutoCloseable {
    /** Starts the vCPUs. */
    void start() throws InterruptedException;

    /** Completes when the guest has stopped: powered off, rebooted, crashed or destroyed. */
    CompletableFuture<Outcome> outcome();

    /** Stops the guest at once; its outcome becomes DESTROYED with {@code why}. */
    void destroy(String why);

    void pause();

    void unpause();

    /** Whether the guest's ACPI power button is wired to something (its OS enabled the event). */
    boolean powerButtonEnabled();

    void pressPowerButton();

    /** Resets the guest (the ACPI reset of {@code xl reboot -F}): its outcome becomes a reboot. */
    void reset(String why);

    /** The kernel thread ids of the vCPU threads, in vCPU order (0 for one not started yet). */
    List<Integer> vcpuThreads();

    /** Writes console input to the guest's serial port; blocks while its buffer is full. */
    void consoleInput(byte[] b, int off, int len) throws InterruptedException;

    /** Writes an ELF core of guest memory (a stopped guest). */
    void coreDump(Path file) throws IOException;

    /** Frees the VM; idempotent. */
    @Override
    void close();

    /** Where the guest's debug-port lines (Xen's port 0xE9) go; a guest without one ignores it. */
    default void onDebugLine(java.util.function.Consumer<String> sink) {
    }
}
