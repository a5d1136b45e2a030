package org.jxen.xen.hypercall;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import org.jxen.xen.abi.XenH;

/**
 * A domain's per-vCPU timers (xen/vcpu.h: VCPUOP_set_singleshot_timer, set_periodic_timer and
 * their stops): when one fires, VIRQ_TIMER is raised on that vCPU. Times are Xen system time,
 * nanoseconds on the domain's clock ({@code now}). As Xen: a single-shot deadline already past
 * with {@code VCPU_SSHOTTMR_future} is {@code -ETIME} (else it fires at once), a period under
 * 1 ms is {@code -EINVAL}, and setting a timer replaces the one before.
 *
 * <p>Threads: hypercalls from vCPU threads; timers fire on the scheduler's threads.
 */
public final class VcpuTimers implements AutoCloseable {
    /** Xen's shortest period (MILLISECS(1) in do_vcpu_op). */
    public static final long MIN_PERIOD_NS = 1_000_000;

    private final LongSupplier now;
    private final ScheduledExecutorService scheduler;
    private final IntConsumer fire;
    private final ScheduledFuture<?>[] singleshot;
    private final ScheduledFuture<?>[] periodic;

    public VcpuTimers(int vcpus, LongSupplier nowNs, ScheduledExecutorService scheduler, IntConsumer fireTimerVirq) {
        this.now = nowNs;
        this.scheduler = scheduler;
        this.fire = fireTimerVirq;
        this.singleshot = new ScheduledFuture<?>[vcpus];
        this.periodic = new ScheduledFuture<?>[vcpus];
    }

    public int vcpus() {
        return singleshot.length;
    }

    public synchronized int setSingleshot(int vcpu, long deadlineNs, int flags) {
        long delay = deadlineNs - now.getAsLong();
        if (delay < 0 && (flags & XenH.VCPU_SSHOTTMR_future) != 0) {
            return -XenH.ETIME;
        }
        cancel(singleshot, vcpu);
        singleshot[vcpu] = scheduler.schedule(() -> fire.accept(vcpu), Math.max(0, delay), TimeUnit.NANOSECONDS);
        return 0;
    }

    public synchronized void stopSingleshot(int vcpu) {
        cancel(singleshot, vcpu);
    }

    public synchronized int setPeriodic(int vcpu, long periodNs) {
        if (periodNs < MIN_PERIOD_NS) {
            return -XenH.EINVAL;
        }
        cancel(periodic, vcpu);
        periodic[vcpu] = scheduler.scheduleAtFixedRate(() -> fire.accept(vcpu), periodNs, periodNs, TimeUnit.NANOSECONDS);
        return 0;
    }

    public synchronized void stopPeriodic(int vcpu) {
        cancel(periodic, vcpu);
    }

    private static void cancel(ScheduledFuture<?>[] t, int vcpu) {
        if (t[vcpu] != null) {
            t[vcpu].cancel(false);
            t[vcpu] = null;
        }
    }

    @Override
    public synchronized void close() {
        for (int v = 0; v < singleshot.length; v++) {
            cancel(singleshot, v);
            cancel(periodic, v);
        }
    }
}
