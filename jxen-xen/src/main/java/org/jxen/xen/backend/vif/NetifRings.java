package org.jxen.xen.backend.vif;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import org.jxen.xen.abi.XenH;
import org.jxen.xen.backend.BackRing;
import org.jxen.xen.gnttab.GrantTable;

/**
 * The network backend's two rings (xen/io/netif.h), copy-based: frames the frontend queues on
 * the transmit ring are gathered from its granted pages (a frame may span slots linked by
 * {@code NETTXF_more_data}; the first slot's size is the whole frame's) and handed to
 * {@code output} (the vif's TAP); frames for the guest are copied into the pages it posted on
 * the receive ring. A transmit chain that is malformed (more than {@code XEN_NETIF_NR_SLOTS_MIN}
 * slots, sizes that do not add up, a slot outside its page, a grant not given) is answered
 * {@code NETIF_RSP_ERROR} in each of its slots and nothing is sent; a frame for the guest when
 * it posted no buffer, or one bigger than a page, is dropped and counted; a producer index that
 * moved by more than the ring stops that ring.
 *
 * <p>Threads: {@link #kickTx} from the event channel's thread, {@link #receive} from the TAP
 * reader; each ring has its own lock.
 */
public final class NetifRings {
    private final BackRing tx;
    private final BackRing rx;
    private final GrantTable frontend;
    private final int backendDomid;
    private final Consumer<byte[]> output;
    private final Runnable notifyFrontend;
    private String broken;
    private long sent;
    private long received;
    private long dropped;

    public NetifRings(MemorySegment txRing, MemorySegment rxRing, GrantTable frontend, int backendDomid,
            Consumer<byte[]> output, Runnable notifyFrontend) {
        this.tx = new BackRing(txRing, XenH.NETIF_TX_RING_SIZE, XenH.NETIF_TX_ENTRY);
        this.rx = new BackRing(rxRing, XenH.NETIF_RX_RING_SIZE, XenH.NETIF_RX_ENTRY);
        this.frontend = frontend;
        this.backendDomid = backendDomid;
        this.output = output;
        this.notifyFrontend = notifyFrontend;
    }

    public synchronized String broken() {
        return broken;
    }

    /** Frames sent out of the guest, frames delivered to it, frames dropped on the way in. */
    public synchronized long[] counters() {
        return new long[] {sent, received, dropped};
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The frontend notified: send every frame it queued. */
    public void kickTx() {
        boolean notify = false;
        synchronized (tx) {
            do {
                int n = tx.available();
                if (n < 0) {
                    synchronized (this) {
                        broken = "the frontend's transmit index moved by more than the ring";
                    }
                    return;
                }
                while (tx.available() > 0) {
                    transmitOne();
                }
                notify |= tx.push();
            } while (tx.finalCheck());
        }
        if (notify) {
            notifyFrontend.run();
        }
    }

    private record Slot(int gref, int offset, int flags, int id, int size) {}

    /** One frame: its chain of slots, checked, gathered, sent, each slot answered. */
    private void transmitOne() {
        java.util.List<Slot> chain = new java.util.ArrayList<>();
        boolean complete = false;
        // Slots until one without NETTXF_more_data; a runaway chain is bounded by the ring itself.
        while (tx.available() > 0) {
            ByteBuffer r = le(tx.take());
            Slot sl = new Slot(r.getInt(0), Short.toUnsignedInt(r.getShort(XenH.NETIF_TX_REQ_OFFSET)),
                    Short.toUnsignedInt(r.getShort(XenH.NETIF_TX_REQ_FLAGS)), Short.toUnsignedInt(r.getShort(XenH.NETIF_TX_REQ_ID)),
                    Short.toUnsignedInt(r.getShort(XenH.NETIF_TX_REQ_SIZE)));
            chain.add(sl);
            if ((sl.flags() & XenH.NETTXF_more_data) == 0) {
                complete = true;
                break;
            }
        }
        byte[] frame = complete ? gather(chain) : null;
        if (frame != null) {
            output.accept(frame);
            synchronized (this) {
                sent++;
            }
        }
        for (Slot sl : chain) {
            byte[] rsp = new byte[XenH.NETIF_TX_ENTRY];
            le(rsp).putShort(0, (short) sl.id()).putShort(XenH.NETIF_TX_RSP_STATUS,
                    (short) (frame != null ? XenH.NETIF_RSP_OKAY : XenH.NETIF_RSP_ERROR));
            tx.respond(rsp);
        }
    }

    /** The frame a well-formed chain carries, or null: the first slot holds what the others do not. */
    private byte[] gather(java.util.List<Slot> chain) {
        if (chain.size() > XenH.XEN_NETIF_NR_SLOTS_MIN) {
            return null;
        }
        int total = chain.get(0).size();
        int others = 0;
        for (int i = 0; i < chain.size(); i++) {
            if ((chain.get(i).flags() & XenH.NETTXF_extra_info) != 0) {
                return null; // no extras were offered (no GSO, no multicast control)
            }
            if (i > 0) {
                others += chain.get(i).size();
            }
        }
        int firstLen = total - others;
        if (total == 0 || firstLen < 0) {
            return null;
        }
        byte[] frame = new byte[total];
        int at = 0;
        for (int i = 0; i < chain.size(); i++) {
            Slot sl = chain.get(i);
            int len = i == 0 ? firstLen : sl.size();
            if (sl.offset() + len > XenH.XEN_PAGE_SIZE) {
                return null;
            }
            GrantTable.Access a = frontend.read(backendDomid, sl.gref(), sl.offset(), len);
            if (a.status() != XenH.GNTST_okay) {
                return null;
            }
            System.arraycopy(a.data(), 0, frame, at, len);
            at += len;
        }
        return frame;
    }

    /** A frame for the guest: copied into the next buffer it posted; false when dropped. */
    public boolean receive(byte[] frame) {
        boolean notify;
        synchronized (rx) {
            if (frame.length == 0 || frame.length > XenH.XEN_PAGE_SIZE || rx.available() <= 0) {
                synchronized (this) {
                    dropped++;
                }
                return false;
            }
            ByteBuffer r = le(rx.take());
            int id = Short.toUnsignedInt(r.getShort(0));
            int gref = r.getInt(XenH.NETIF_RX_REQ_GREF);
            int status = frontend.write(backendDomid, gref, 0, frame).status() == XenH.GNTST_okay ? frame.length
                    : XenH.NETIF_RSP_ERROR;
            byte[] rsp = new byte[XenH.NETIF_RX_ENTRY];
            le(rsp).putShort(0, (short) id).putShort(XenH.NETIF_RX_RSP_OFFSET, (short) 0)
                    .putShort(XenH.NETIF_RX_RSP_FLAGS, (short) 0).putShort(XenH.NETIF_RX_RSP_STATUS, (short) status);
            rx.respond(rsp);
            notify = rx.push();
            synchronized (this) {
                if (status > 0) {
                    received++;
                } else {
                    dropped++;
                }
            }
        }
        if (notify) {
            notifyFrontend.run();
        }
        return true;
    }
}
