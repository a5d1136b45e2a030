package org.jxen.xen.evtchn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.jxen.xen.abi.XenH;
import org.jxen.xen.shinfo.SharedInfo;
import org.junit.jupiter.api.Test;

/** Two guests and jxend's backends on one hub, with the 2-level protocol on real shared info pages. */
class EventChannelsTest {
    final EventChannels.Hub hub = new EventChannels.Hub();
    final SharedInfo s1 = new SharedInfo();
    final SharedInfo s2 = new SharedInfo();
    final List<Integer> upcalls1 = new ArrayList<>();
    final List<Integer> upcalls2 = new ArrayList<>();
    final List<Integer> backend = new ArrayList<>();
    final EventChannels d1 = hub.guest(1, 2, s1, upcalls1::add);
    final EventChannels d2 = hub.guest(2, 2, s2, upcalls2::add);
    final EventChannels dom0 = hub.host(0, (port, vcpu) -> backend.add(port));

    @Test
    void anInterdomainChannelCarriesEventsBothWaysWithOneUpcallUntilTheGuestClearsIt() {
        int p = d1.allocUnbound(XenH.DOMID_SELF, 2);
        assertThat(p).isPositive();
        assertThat(d1.status(XenH.DOMID_SELF, p).status()).isEqualTo(XenH.EVTCHNSTAT_unbound);
        int q = d2.bindInterdomain(1, p);
        assertThat(q).isPositive();
        assertThat(s2.pending(q)).as("a new bound port starts pending").isTrue();
        upcalls2.clear();
        EventChannels.Status st = d1.status(XenH.DOMID_SELF, p);
        assertThat(st).isEqualTo(new EventChannels.Status(XenH.EVTCHNSTAT_interdomain, 0, 2, q, 0));
        assertThat(d2.send(q)).isZero();
        assertThat(s1.pending(p)).isTrue();
        assertThat(s1.pendingSelector(0) & 1L << (p / 64)).isNotZero();
        assertThat(upcalls1).containsExactly(0);
        assertThat(d2.send(q)).isZero();
        assertThat(upcalls1).as("already pending: no second upcall").containsExactly(0);
        // The other way: q is still pending from the bind (the guest has not looked), so no new upcall.
        assertThat(d1.send(p)).isZero();
        assertThat(s2.pending(q)).isTrue();
        assertThat(upcalls2).isEmpty();
    }

    @Test
    void virqsIpisAndVcpuBindingGoWhereTheyAreBound() {
        int t = d1.bindVirq(XenH.VIRQ_TIMER, 1);
        assertThat(d1.bindVirq(XenH.VIRQ_TIMER, 1)).isEqualTo(-XenH.EEXIST);
        assertThat(d1.bindVirq(XenH.NR_VIRQS, 0)).isEqualTo(-XenH.EINVAL);
        assertThat(d1.bindVirq(XenH.VIRQ_TIMER, 2)).as("no such vCPU").isEqualTo(-XenH.EINVAL);
        d1.raiseVirq(XenH.VIRQ_TIMER, 1);
        assertThat(upcalls1).containsExactly(1);
        assertThat(d1.status(XenH.DOMID_SELF, t).virq()).isEqualTo(XenH.VIRQ_TIMER);
        assertThat(d1.send(t)).as("a VIRQ is not sent by the guest").isEqualTo(-XenH.EINVAL);
        int ipi = d1.bindIpi(0);
        assertThat(d1.send(ipi)).isZero();
        assertThat(upcalls1).containsExactly(1, 0);
        assertThat(d1.bindVcpu(ipi, 1)).isEqualTo(-XenH.EINVAL);
        int u = d1.allocUnbound(XenH.DOMID_SELF, 0);
        assertThat(d1.bindVcpu(u, 1)).isZero();
        assertThat(d1.vcpuOf(u)).isEqualTo(1);
        assertThat(d1.close(t)).isZero();
        assertThat(d1.bindVirq(XenH.VIRQ_TIMER, 1)).as("closing frees the VIRQ").isPositive();
    }

    @Test
    void jxendsBackendsBindToAGuestsPortAndGetCallbacks() {
        int p = d1.allocUnbound(XenH.DOMID_SELF, 0);
        int b = dom0.bindInterdomain(1, p);
        assertThat(backend).containsExactly(b);
        d1.send(p);
        assertThat(backend).containsExactly(b, b);
        dom0.send(b);
        assertThat(s1.pending(p)).isTrue();
        // The guest closes its end: the backend's port is unbound again, and sending on it is dropped.
        assertThat(d1.close(p)).isZero();
        assertThat(dom0.status(XenH.DOMID_SELF, b).status()).isEqualTo(XenH.EVTCHNSTAT_unbound);
        assertThat(dom0.send(b)).isZero();
        hub.remove(1);
        assertThat(dom0.bindInterdomain(1, p)).as("a gone domain").isEqualTo(-XenH.ESRCH);
    }

    @Test
    void badRequestsGetXensErrnos() {
        assertThat(d1.send(0)).isEqualTo(-XenH.EINVAL);
        assertThat(d1.send(XenH.EVTCHN_2L_NR_CHANNELS)).isEqualTo(-XenH.EINVAL);
        assertThat(d1.send(5)).as("a free port").isEqualTo(-XenH.EINVAL);
        assertThat(d1.close(-1)).isEqualTo(-XenH.EINVAL);
        assertThat(d1.close(7)).isEqualTo(-XenH.EINVAL);
        assertThat(d1.allocUnbound(2, 1)).as("allocating in another domain's table").isEqualTo(-XenH.EPERM);
        assertThat(d1.status(2, 1).status()).isEqualTo(-XenH.EPERM);
        assertThat(d2.bindInterdomain(1, 9)).as("not an unbound port").isEqualTo(-XenH.EINVAL);
        int p = d1.allocUnbound(XenH.DOMID_SELF, 0);
        assertThat(d2.bindInterdomain(1, p)).as("offered to domain 0, not 2").isEqualTo(-XenH.EINVAL);
        assertThat(d2.bindInterdomain(77, 1)).isEqualTo(-XenH.ESRCH);
        int n = 0;
        while (d1.bindIpi(0) > 0) {
            n++;
        }
        assertThat(n).as("every port but 0 and the one taken").isEqualTo(XenH.EVTCHN_2L_NR_CHANNELS - 2);
        assertThat(d1.bindIpi(0)).isEqualTo(-XenH.ENOSPC);
        assertThat(d2.bindIpi(0)).as("other domains are unaffected").isPositive();
    }

    @Test
    void maskAndUnmaskFollowTheTwoLevelProtocol() {
        SharedInfo s = new SharedInfo();
        // Masked by the guest (its bit in evtchn_mask): pending without an upcall.
        java.lang.foreign.MemorySegment page = java.lang.foreign.Arena.ofAuto().allocate(4096, 4096);
        s.moveTo(page);
        page.set(java.lang.foreign.ValueLayout.JAVA_LONG, XenH.SHARED_INFO_EVTCHN_MASK, 1L << 3);
        assertThat(s.setPending(3, 0)).isFalse();
        assertThat(s.pending(3)).isTrue();
        assertThat(s.upcallPending(0)).isFalse();
        assertThat(s.unmask(3, 0)).as("unmasking a pending port raises the upcall").isTrue();
        assertThat(s.upcallPending(0)).isTrue();
        assertThat(s.masked(3)).isFalse();
        s.clear(3);
        assertThat(s.pending(3)).isFalse();
    }
}
