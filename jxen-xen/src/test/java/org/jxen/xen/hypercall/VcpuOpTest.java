package org.jxen.xen.hypercall;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;
import org.jxen.xen.evtchn.EventChannels;
import org.jxen.xen.gnttab.GrantTable;
import org.jxen.xen.shinfo.SharedInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** vcpu_op as a guest uses it: timers that raise VIRQ_TIMER, vCPU states, its own vcpu_info placement. */
class VcpuOpTest {
    static final long ARG = 0x10_0000;
    final Hypercalls h = new Hypercalls();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final GuestMemory mem;
    final XenDomain d;
    final EventChannels evtchn;
    final SharedInfo shinfo = new SharedInfo();
    final Semaphore timerEvents = new Semaphore(0);
    final AtomicInteger fired = new AtomicInteger();

    VcpuOpTest() throws Exception {
        mem = GuestMemory.create("vcpuop", new AddressMap(16 * AddressMap.MIB));
        EventChannels.Hub hub = new EventChannels.Hub();
        evtchn = hub.guest(3, 2, shinfo, v -> { });
        d = new XenDomain(3, mem, XenDomain.NO_PAGING, shinfo, evtchn, new GrantTable(3, mem), new XenDomain.Host() {
            @Override
            public void console(byte[] bytes) {}

            @Override
            public void shutdown(int reason) {}

            @Override
            public void block(int vcpu) {}
        });
        long start = System.nanoTime();
        d.timers(new VcpuTimers(2, () -> System.nanoTime() - start, scheduler, v -> {
            evtchn.raiseVirq(XenH.VIRQ_TIMER, v);
            fired.incrementAndGet();
            timerEvents.release();
        }));
        h.add(d);
    }

    @AfterEach
    void close() {
        d.timers().close();
        scheduler.shutdownNow();
        mem.close();
    }

    long vcpuOp(int cmd, int vcpu, long arg) {
        return h.call(d, 0, XenH.__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
    }

    @Test
    void aSingleShotTimerRaisesVirqTimerAndAPastDeadlineIsEtimeWhenAskedFor() throws Exception {
        int port = evtchn.bindVirq(XenH.VIRQ_TIMER, 0);
        mem.writeU64(ARG, 2_000_000); // 2 ms after the domain's clock started: soon
        mem.writeU32(ARG + 8, 0);
        assertThat(vcpuOp(XenH.VCPUOP_set_singleshot_timer, 0, ARG)).isZero();
        assertThat(timerEvents.tryAcquire(5, TimeUnit.SECONDS)).as("the timer fired").isTrue();
        assertThat(shinfo.pending(port)).isTrue();
        mem.writeU64(ARG, 1); // long past
        mem.writeU32(ARG + 8, XenH.VCPU_SSHOTTMR_future);
        assertThat(vcpuOp(XenH.VCPUOP_set_singleshot_timer, 0, ARG)).isEqualTo(-XenH.ETIME);
        mem.writeU32(ARG + 8, 0);
        assertThat(vcpuOp(XenH.VCPUOP_set_singleshot_timer, 0, ARG)).as("past, not required in the future: now").isZero();
        assertThat(timerEvents.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aPeriodicTimerFiresUntilStopped() throws Exception {
        mem.writeU64(ARG, 500_000);
        assertThat(vcpuOp(XenH.VCPUOP_set_periodic_timer, 1, ARG)).as("under 1 ms").isEqualTo(-XenH.EINVAL);
        mem.writeU64(ARG, 1_000_000);
        assertThat(vcpuOp(XenH.VCPUOP_set_periodic_timer, 1, ARG)).isZero();
        assertThat(timerEvents.tryAcquire(3, 5, TimeUnit.SECONDS)).as("three periods").isTrue();
        assertThat(vcpuOp(XenH.VCPUOP_stop_periodic_timer, 1, 0)).isZero();
        // One more single-shot: after it, exactly one more timer event than when the periodic one stopped.
        scheduler.submit(() -> { }).get(); // any tick already queued has run
        int atStop = fired.get();
        timerEvents.drainPermits();
        mem.writeU64(ARG, 0); // the domain's clock's start: a deadline already past, so it fires at once
        mem.writeU32(ARG + 8, 0);
        assertThat(vcpuOp(XenH.VCPUOP_set_singleshot_timer, 1, ARG)).isZero();
        assertThat(timerEvents.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
        scheduler.submit(() -> { }).get();
        assertThat(fired.get()).isEqualTo(atStop + 1);
        assertThat(vcpuOp(XenH.VCPUOP_set_periodic_timer, 2, ARG)).as("no vCPU 2").isEqualTo(-XenH.ENOENT);
    }

    @Test
    void vcpuStatesAndThePlacedVcpuInfoFollowTheGuest() {
        assertThat(vcpuOp(XenH.VCPUOP_is_up, 0, 0)).isEqualTo(1);
        assertThat(vcpuOp(XenH.VCPUOP_is_up, 1, 0)).isZero();
        assertThat(vcpuOp(XenH.VCPUOP_up, 1, 0)).isZero();
        assertThat(vcpuOp(XenH.VCPUOP_is_up, 1, 0)).isEqualTo(1);
        assertThat(vcpuOp(XenH.VCPUOP_down, 1, 0)).isZero();
        assertThat(vcpuOp(XenH.VCPUOP_is_up, 1, 0)).isZero();
        // vCPU 1's vcpu_info moves to guest page 0x5000 at offset 64.
        mem.writeU64(ARG, 0x5);
        mem.writeU32(ARG + 8, 64);
        assertThat(vcpuOp(XenH.VCPUOP_register_vcpu_info, 1, ARG)).isZero();
        int port = evtchn.bindIpi(1);
        assertThat(evtchn.send(port)).isZero();
        assertThat(mem.readByte(0x5000 + 64 + XenH.VCPU_INFO_UPCALL_PENDING)).as("the upcall flag where the guest put it")
                .isEqualTo((byte) 1);
        assertThat(mem.readU64(0x5000 + 64 + XenH.VCPU_INFO_PENDING_SEL)).isEqualTo(1L << (port / 64));
        assertThat(vcpuOp(XenH.VCPUOP_register_vcpu_info, 1, ARG)).as("only once").isEqualTo(-XenH.EINVAL);
        mem.writeU32(ARG + 8, 4090);
        assertThat(vcpuOp(XenH.VCPUOP_register_vcpu_info, 0, ARG)).as("past the page").isEqualTo(-XenH.EINVAL);
        mem.writeU32(ARG + 8, 12);
        assertThat(vcpuOp(XenH.VCPUOP_register_vcpu_info, 0, ARG)).as("misaligned").isEqualTo(-XenH.EINVAL);
        assertThat(vcpuOp(99, 0, 0)).isEqualTo(-XenH.ENOSYS);
    }
}
