package org.jxen.vmm.virtio.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.Semaphore;

import org.jxen.net.MacAddress;
import org.jxen.sys.SysException;
import org.jxen.sys.net.Tap;
import org.jxen.vmm.memory.GuestMemory;
import org.jxen.vmm.util.RateLimitedLog;
import org.jxen.vmm.virtio.DescriptorChain;
import org.jxen.vmm.virtio.SplitQueue;
import org.jxen.vmm.virtio.VirtioDevice;
import org.jxen.vmm.virtio.VirtqueueException;

/**
 * virtio-net (virtio 1.2 §5.1) on a TAP: queue 0 receives (frames the TAP reads go into the
 * driver's buffers after a {@code virtio_net_hdr_v1}), queue 1 transmits (each chain is a
 * header and a frame, written to the TAP). No offloads yet: the header is all zeros but
 * {@code num_buffers = 1}. A frame that does not fit the buffers offered, or a malformed chain,
 * is dropped with a rate-limited warning; the device carries on.
 *
 * <p>Threads: a receive thread (polls the TAP) and a transmit thread (woken by notifications).
 */
public final class VirtioNetDevice implements VirtioDevice, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.vmm.virtio.net");
    /** Device ID (virtio 1.2 §5: 1). */
    public static final int DEVICE_TYPE = 1;
    public static final int QUEUE_SIZE = 256;
    // Feature bits and config (linux/virtio_net.h).
    static final int VIRTIO_NET_F_MTU = 3;
    static final int VIRTIO_NET_F_MAC = 5;
    static final int VIRTIO_NET_F_STATUS = 16;
    static final int VIRTIO_NET_S_LINK_UP = 1;
    /** sizeof(struct virtio_net_hdr_v1): flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
    public static final int HDR_SIZE = 12;
    static final int HDR_NUM_BUFFERS = 10;
    /** struct virtio_net_config up to mtu: mac[6], status, max_virtqueue_pairs, mtu. */
    static final int CONFIG_SIZE = 12;
    static final int RX = 0;
    static final int TX = 1;

    private final String name;
    private final GuestMemory memory;
    private final Tap tap;
    private final MacAddress mac;
    private final int mtu;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, 5);
    private final Semaphore txKicks = new Semaphore(0);
    private final Semaphore rxBuffers = new Semaphore(0);
    private volatile SplitQueue rx;
    private volatile SplitQueue tx;
    private volatile Interrupts interrupts;
    private Thread rxThread;
    private Thread txThread;

    public VirtioNetDevice(String name, GuestMemory memory, Tap tap, MacAddress mac, int mtu) {
        this.name = name;
        this.memory = memory;
        this.tap = tap;
        this.mac = mac;
        this.mtu = mtu;
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long features() {
        return 1L << VIRTIO_NET_F_MAC | 1L << VIRTIO_NET_F_STATUS | 1L << VIRTIO_NET_F_MTU;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int q) {
        return QUEUE_SIZE;
    }

    @Override
    public byte[] config() {
        ByteBuffer c = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        c.put(0, mac.bytes());
        c.putShort(6, (short) VIRTIO_NET_S_LINK_UP);
        c.putShort(8, (short) 1);
        c.putShort(10, (short) mtu);
        return c.array();
    }

    @Override
    public synchronized void activate(long features, List<SplitQueue> queues, Interrupts interrupts) {
        this.rx = queues.get(RX);
        this.tx = queues.get(TX);
        this.interrupts = interrupts;
        if (rxThread == null) {
            rxThread = Thread.ofPlatform().daemon(true).name(name + "-rx").start(this::receive);
            txThread = Thread.ofPlatform().daemon(true).name(name + "-tx").start(this::transmit);
        }
    }

    @Override
    public void queueNotify(int q) {
        if (q == TX) {
            txKicks.release();
        } else {
            rxBuffers.release();
        }
    }

    private void transmit() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                txKicks.acquire();
                txKicks.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
            SplitQueue q = tx;
            if (q == null) {
                continue;
            }
            try {
                for (DescriptorChain c; (c = pop(q)) != null; ) {
                    byte[] frame = gatherFrame(c);
                    if (frame != null) {
                        tap.write(frame);
                    }
                    q.addUsed(c.head(), 0);
                }
            } catch (VirtqueueException | SysException e) {
                warnings.warn("tx", () -> name + ": transmit stopped: " + e.getMessage());
            }
            if (q.needsInterrupt()) {
                interrupts.queue(TX);
            }
        }
    }

    /** The frame after the header, from the chain's readable buffers; null for one too short or too long. */
    private byte[] gatherFrame(DescriptorChain c) {
        long total = c.readableLength();
        if (total <= HDR_SIZE || total - HDR_SIZE > Tap.MAX_FRAME) {
            warnings.warn("txlen", () -> name + ": a transmitted chain of " + total + " bytes is dropped");
            return null;
        }
        byte[] out = new byte[(int) (total - HDR_SIZE)];
        long skip = HDR_SIZE;
        int at = 0;
        for (DescriptorChain.Buffer b : c.buffers()) {
            if (b.writable()) {
                continue;
            }
            long len = Integer.toUnsignedLong(b.length());
            long from = Math.min(skip, len);
            skip -= from;
            int n = (int) (len - from);
            if (n > 0) {
                System.arraycopy(memory.read(b.gpa() + from, n), 0, out, at, n);
                at += n;
            }
        }
        return out;
    }

    private void receive() {
        byte[] frame = null;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (frame == null) {
                    frame = tap.read(100);
                    if (frame == null) {
                        continue;
                    }
                }
                SplitQueue q = rx;
                DescriptorChain c = q == null ? null : pop(q);
                if (c == null) {
                    // No buffer from the driver: wait for one (it notifies the receive queue).
                    rxBuffers.tryAcquire(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                    continue;
                }
                int written = deliver(c, frame);
                frame = null;
                q.addUsed(c.head(), written);
                if (q.needsInterrupt()) {
                    interrupts.queue(RX);
                }
            } catch (InterruptedException e) {
                return;
            } catch (VirtqueueException | SysException | IllegalStateException e) {
                warnings.warn("rx", () -> name + ": receive: " + e.getMessage());
                frame = null;
            }
        }
    }

    /** Header and frame into the chain's writable buffers; a frame that does not fit them is dropped. */
    private int deliver(DescriptorChain c, byte[] frame) {
        if (c.writableLength() < HDR_SIZE + (long) frame.length) {
            warnings.warn("rxlen", () -> name + ": a " + frame.length + "-byte frame does not fit the receive buffers; dropped");
            return 0;
        }
        byte[] all = new byte[HDR_SIZE + frame.length];
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putShort(HDR_NUM_BUFFERS, (short) 1);
        System.arraycopy(frame, 0, all, HDR_SIZE, frame.length);
        int at = 0;
        for (DescriptorChain.Buffer b : c.buffers()) {
            if (!b.writable() || at == all.length) {
                continue;
            }
            int n = (int) Math.min(Integer.toUnsignedLong(b.length()), all.length - at);
            memory.write(b.gpa(), java.util.Arrays.copyOfRange(all, at, at + n));
            at += n;
        }
        return at;
    }

    private DescriptorChain pop(SplitQueue q) throws VirtqueueException {
        return q.popServable(m -> warnings.warn("chain", () -> m));
    }

    @Override
    public synchronized void reset() {
        rx = null;
        tx = null;
        for (Thread t : new Thread[] {rxThread, txThread}) {
            if (t != null) {
                t.interrupt();
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        rxThread = null;
        txThread = null;
    }

    @Override
    public void close() {
        reset();
    }
}
