package org.jxen.xen.evtchn;

import java.util.Arrays;
import java.util.function.IntConsumer;

import org.jxen.xen.abi.XenH;
import org.jxen.xen.shinfo.SharedInfo;

/**
 * One domain's event channels (xen/event_channel.h), 2-level: its port table and the
 * operations of {@code HYPERVISOR_event_channel_op}. Ports link to other domains' through the
 * {@link Hub}. Events reach a guest through its {@link SharedInfo} and an upcall on the vCPU
 * the port is bound to; jxend's own backends (domain 0) take them as callbacks instead.
 *
 * <p>Errors are Xen's: each operation returns a port or status (at least 0), or a negated Xen
 * errno: {@code -EINVAL} for a port out of range or in the wrong state, {@code -ENOSPC} when
 * every port is taken, {@code -EEXIST} for a VIRQ bound twice, {@code -ESRCH} for an unknown
 * domain, {@code -EPERM} for a domain that may not bind to a port.
 *
 * <p>Threads: every operation holds the hub's lock (operations link two domains' tables).
 */
public final class EventChannels {
    enum State { FREE, UNBOUND, INTERDOMAIN, VIRQ, IPI }

    /** Where a domain's events go. */
    public interface Delivery {
        /** {@code port} is pending for {@code vcpu}. */
        void deliver(int port, int vcpu);
    }

    private final Hub hub;
    private final int domid;
    private final int maxVcpus;
    private final Delivery delivery;
    /** Raises the upcall on a vCPU without touching the bitmaps (after an unmask found an event). */
    private final IntConsumer upcallOnly;
    private final State[] state;
    private final int[] vcpu;
    private final int[] remoteDom;
    private final int[] remotePort;
    private final int[] virq;
    private final int[][] virqPort;

    private EventChannels(Hub hub, int domid, int maxVcpus, int ports, Delivery delivery, IntConsumer upcallOnly) {
        this.hub = hub;
        this.domid = domid;
        this.maxVcpus = maxVcpus;
        this.delivery = delivery;
        this.upcallOnly = upcallOnly;
        this.state = new State[ports];
        Arrays.fill(state, State.FREE);
        this.vcpu = new int[ports];
        this.remoteDom = new int[ports];
        this.remotePort = new int[ports];
        this.virq = new int[ports];
        this.virqPort = new int[maxVcpus][XenH.NR_VIRQS];
    }

    /** The domains whose event channels can link to each other (one per jxend). */
    public static final class Hub {
        private final java.util.Map<Integer, EventChannels> domains = new java.util.HashMap<>();

        /**
         * A guest's table: events set pending in {@code shinfo} and, when a vCPU must be told,
         * {@code upcall} gets its number (jxen injects the callback vector).
         */
        public synchronized EventChannels guest(int domid, int maxVcpus, SharedInfo shinfo, IntConsumer upcall) {
            return add(domid, maxVcpus, (port, v) -> {
                if (shinfo.setPending(port, v)) {
                    upcall.accept(v);
                }
            }, upcall);
        }

        /** A table whose events are callbacks (jxend's backends, as domain 0). */
        public synchronized EventChannels host(int domid, Delivery delivery) {
            return add(domid, 1, delivery, v -> { });
        }

        private EventChannels add(int domid, int maxVcpus, Delivery d, IntConsumer upcallOnly) {
            if (domains.containsKey(domid)) {
                throw new IllegalArgumentException("domain " + domid + " already has event channels");
            }
            EventChannels e = new EventChannels(this, domid, maxVcpus, XenH.EVTCHN_2L_NR_CHANNELS, d, upcallOnly);
            domains.put(domid, e);
            return e;
        }

        /** The domain is gone: its interdomain peers' ports become unbound (as Xen's domain destruction does). */
        public synchronized void remove(int domid) {
            EventChannels e = domains.remove(domid);
            if (e == null) {
                return;
            }
            for (int p = 1; p < e.state.length; p++) {
                if (e.state[p] == State.INTERDOMAIN) {
                    EventChannels peer = domains.get(e.remoteDom[p]);
                    if (peer != null) {
                        int rp = e.remotePort[p];
                        peer.state[rp] = State.UNBOUND;
                        peer.remoteDom[rp] = domid;
                    }
                }
            }
        }

        synchronized EventChannels get(int domid) {
            return domains.get(domid);
        }
    }

    public int domid() {
        return domid;
    }

    private int resolve(int dom) {
        return dom == XenH.DOMID_SELF ? domid : dom;
    }

    private boolean valid(int port) {
        return port > 0 && port < state.length;
    }

    private int allocate() {
        for (int p = 1; p < state.length; p++) {
            if (state[p] == State.FREE) {
                return p;
            }
        }
        return -XenH.ENOSPC;
    }

    /** EVTCHNOP_alloc_unbound: a port {@code remote} may bind to. */
    public int allocUnbound(int dom, int remote) {
        synchronized (hub) {
            if (resolve(dom) != domid) {
                return -XenH.EPERM; // only domain 0 may allocate for others, and it does so in its own table here
            }
            int p = allocate();
            if (p < 0) {
                return p;
            }
            state[p] = State.UNBOUND;
            remoteDom[p] = resolve(remote);
            vcpu[p] = 0;
            return p;
        }
    }

    /** EVTCHNOP_bind_interdomain: links a new local port to {@code rdom}'s unbound {@code rport}. */
    public int bindInterdomain(int rdom, int rport) {
        synchronized (hub) {
            EventChannels r = hub.get(resolve(rdom));
            if (r == null) {
                return -XenH.ESRCH;
            }
            if (!r.valid(rport) || r.state[rport] != State.UNBOUND || r.remoteDom[rport] != domid) {
                return -XenH.EINVAL;
            }
            int p = allocate();
            if (p < 0) {
                return p;
            }
            state[p] = State.INTERDOMAIN;
            remoteDom[p] = r.domid;
            remotePort[p] = rport;
            vcpu[p] = 0;
            r.state[rport] = State.INTERDOMAIN;
            r.remoteDom[rport] = domid;
            r.remotePort[rport] = p;
            // Xen sets the new port pending, so a notification sent before the bind is not lost.
            delivery.deliver(p, vcpu[p]);
            return p;
        }
    }

    /** EVTCHNOP_bind_virq. */
    public int bindVirq(int v, int cpu) {
        synchronized (hub) {
            if (v < 0 || v >= XenH.NR_VIRQS || cpu < 0 || cpu >= maxVcpus) {
                return -XenH.EINVAL;
            }
            if (virqPort[cpu][v] != 0) {
                return -XenH.EEXIST;
            }
            int p = allocate();
            if (p < 0) {
                return p;
            }
            state[p] = State.VIRQ;
            virq[p] = v;
            vcpu[p] = cpu;
            virqPort[cpu][v] = p;
            return p;
        }
    }

    /** EVTCHNOP_bind_ipi. */
    public int bindIpi(int cpu) {
        synchronized (hub) {
            if (cpu < 0 || cpu >= maxVcpus) {
                return -XenH.EINVAL;
            }
            int p = allocate();
            if (p < 0) {
                return p;
            }
            state[p] = State.IPI;
            vcpu[p] = cpu;
            return p;
        }
    }

    /** EVTCHNOP_send. */
    public int send(int port) {
        synchronized (hub) {
            if (!valid(port)) {
                return -XenH.EINVAL;
            }
            switch (state[port]) {
                case INTERDOMAIN -> {
                    EventChannels r = hub.get(remoteDom[port]);
                    if (r != null) {
                        int rp = remotePort[port];
                        r.delivery.deliver(rp, r.vcpu[rp]);
                    }
                    return 0;
                }
                case IPI -> {
                    delivery.deliver(port, vcpu[port]);
                    return 0;
                }
                case UNBOUND -> {
                    return 0; // Xen drops it silently
                }
                default -> {
                    return -XenH.EINVAL;
                }
            }
        }
    }

    /** Raises {@code v} on {@code cpu} (from jxen: the timer, the console), if the guest bound it. */
    public void raiseVirq(int v, int cpu) {
        synchronized (hub) {
            if (cpu >= 0 && cpu < maxVcpus && v >= 0 && v < XenH.NR_VIRQS && virqPort[cpu][v] != 0) {
                delivery.deliver(virqPort[cpu][v], cpu);
            }
        }
    }

    /** EVTCHNOP_close. */
    public int close(int port) {
        synchronized (hub) {
            if (!valid(port)) {
                return -XenH.EINVAL;
            }
            switch (state[port]) {
                case FREE -> {
                    return -XenH.EINVAL;
                }
                case INTERDOMAIN -> {
                    EventChannels r = hub.get(remoteDom[port]);
                    if (r != null) {
                        int rp = remotePort[port];
                        r.state[rp] = State.UNBOUND;
                        r.remoteDom[rp] = domid;
                    }
                }
                case VIRQ -> virqPort[vcpu[port]][virq[port]] = 0;
                default -> { }
            }
            state[port] = State.FREE;
            return 0;
        }
    }

    /** EVTCHNOP_bind_vcpu: where a port's events go from now. */
    public int bindVcpu(int port, int cpu) {
        synchronized (hub) {
            if (!valid(port) || cpu < 0 || cpu >= maxVcpus) {
                return -XenH.EINVAL;
            }
            switch (state[port]) {
                case UNBOUND, INTERDOMAIN -> vcpu[port] = cpu;
                case VIRQ -> {
                    return -XenH.EINVAL; // per-vCPU VIRQs are bound where they are raised
                }
                default -> {
                    return -XenH.EINVAL;
                }
            }
            return 0;
        }
    }

    /**
     * What EVTCHNOP_status reports: the state (EVTCHNSTAT_*, or a negated errno when the question
     * is refused) and, by state, the remote end, the VIRQ or nothing.
     */
    public record Status(int status, int vcpu, int remoteDom, int remotePort, int virq) {
        static Status error(int errno) {
            return new Status(-errno, 0, 0, 0, 0);
        }
    }

    /** EVTCHNOP_status of {@code port} in domain {@code dom} (a guest may ask about itself only). */
    public Status status(int dom, int port) {
        synchronized (hub) {
            if (resolve(dom) != domid) {
                return Status.error(XenH.EPERM);
            }
            if (!valid(port)) {
                return Status.error(XenH.EINVAL);
            }
            int s = switch (state[port]) {
                case FREE -> XenH.EVTCHNSTAT_closed;
                case UNBOUND -> XenH.EVTCHNSTAT_unbound;
                case INTERDOMAIN -> XenH.EVTCHNSTAT_interdomain;
                case VIRQ -> XenH.EVTCHNSTAT_virq;
                case IPI -> XenH.EVTCHNSTAT_ipi;
            };
            return new Status(s, vcpu[port], remoteDom[port], state[port] == State.INTERDOMAIN ? remotePort[port] : 0,
                    virq[port]);
        }
    }

    /** A port the guest unmasked while it was pending: its vCPU gets the upcall it missed. */
    public void redeliver(int port) {
        synchronized (hub) {
            if (valid(port) && state[port] != State.FREE) {
                upcallOnly.accept(vcpu[port]);
            }
        }
    }

    /** The vCPU a port's events go to (for EVTCHNOP_unmask's redelivery). */
    public int vcpuOf(int port) {
        synchronized (hub) {
            return valid(port) ? vcpu[port] : 0;
        }
    }

    public boolean valid(int port, boolean bound) {
        synchronized (hub) {
            return valid(port) && (!bound || state[port] != State.FREE);
        }
    }
}
