package org.jxen.vmm.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class SplitQueueTest {
    static final long BASE = 0x10_0000;
    final GuestMemory memory;

    SplitQueueTest() throws Exception {
        memory = GuestMemory.create("virtq-test", new AddressMap(16 * AddressMap.MIB));
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void aChainTravelsFromDriverToDeviceAndBack() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 16, BASE);
        SplitQueue q = d.queue(false, false);
        long in = d.buffer("request".getBytes());
        long out = d.buffer(new byte[200]);
        int head = d.add(List.of(new MockVirtqueueDriver.Buf(in, 7, false), new MockVirtqueueDriver.Buf(out, 200, true)), false);
        DescriptorChain c = q.pop();
        assertThat(c.head()).isEqualTo(head);
        assertThat(c.buffers()).containsExactly(new DescriptorChain.Buffer(in, 7, false), new DescriptorChain.Buffer(out, 200, true));
        assertThat(new String(memory.read(in, 7))).isEqualTo("request");
        assertThat(c.readableLength()).isEqualTo(7);
        assertThat(c.writableLength()).isEqualTo(200);
        assertThat(q.pop()).isNull();
        q.addUsed(c.head(), 50);
        assertThat(d.nextUsed()).containsExactly(head, 50);
        assertThat(q.needsInterrupt()).isTrue();
        assertThat(q.needsInterrupt()).as("nothing new").isFalse();
    }

    @Test
    void indirectTablesAreFollowed() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 8, BASE);
        SplitQueue q = d.queue(false, true);
        long a = d.buffer(new byte[16]);
        long b = d.buffer(new byte[16]);
        long c = d.buffer(new byte[16]);
        d.add(List.of(new MockVirtqueueDriver.Buf(a, 16, false), new MockVirtqueueDriver.Buf(b, 16, false),
                new MockVirtqueueDriver.Buf(c, 16, true)), true);
        assertThat(q.pop().buffers()).extracting(DescriptorChain.Buffer::gpa).containsExactly(a, b, c);
    }

    @Test
    void indicesWrapAroundTheQueueAndSixteenBits() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 4, BASE);
        SplitQueue q = d.queue(false, false);
        long buf = d.buffer(new byte[8]);
        for (int i = 0; i < 70_000; i++) {
            int head = d.add(List.of(new MockVirtqueueDriver.Buf(buf, 8, true)), false);
            DescriptorChain c = q.pop();
            assertThat(c.head()).isEqualTo(head);
            q.addUsed(c.head(), i & 7);
            assertThat(d.nextUsed()).containsExactly(head, i & 7);
        }
    }

    @Test
    void eventIdxDecidesInterruptsAndNoInterruptOtherwise() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 8, BASE);
        SplitQueue q = d.queue(true, false);
        long buf = d.buffer(new byte[8]);
        d.setUsedEvent(1);
        for (int i = 0; i < 2; i++) {
            d.add(List.of(new MockVirtqueueDriver.Buf(buf, 8, true)), false);
            q.addUsed(q.pop().head(), 0);
            // used_event 1: the driver wants an interrupt once used idx passes 1, i.e. at 2.
            assertThat(q.needsInterrupt()).as("after used entry " + (i + 1)).isEqualTo(i == 1);
        }
        MockVirtqueueDriver d2 = new MockVirtqueueDriver(memory, 8, BASE + 0x10000);
        SplitQueue q2 = d2.queue(false, false);
        d2.setAvailFlags(VirtioRing.VRING_AVAIL_F_NO_INTERRUPT);
        d2.add(List.of(new MockVirtqueueDriver.Buf(buf, 8, true)), false);
        q2.addUsed(q2.pop().head(), 0);
        assertThat(q2.needsInterrupt()).isFalse();
    }

    @Test
    void malformedChainsFailThatRequestWithItsHead() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 8, BASE);
        SplitQueue q = d.queue(false, false);
        long buf = d.buffer(new byte[64]);
        record Bad(String message, Runnable write) {}
        Bad[] cases = {
            new Bad("longer than the queue", () -> {
                d.descriptor(d.table(), 0, buf, 8, VirtioRing.VRING_DESC_F_NEXT, 1);
                d.descriptor(d.table(), 1, buf, 8, VirtioRing.VRING_DESC_F_NEXT, 0);
            }),
            new Bad("chains to 9, outside the table of 8", () -> d.descriptor(d.table(), 0, buf, 8, VirtioRing.VRING_DESC_F_NEXT, 9)),
            new Bad("lies outside guest RAM", () -> d.descriptor(d.table(), 0, 1L << 40, 8, 0, 0)),
            new Bad("lies outside guest RAM", () -> d.descriptor(d.table(), 0, (16L << 20) + 0x6_0000 - 2048, 4096, 0, 0)),
            new Bad("a feature not negotiated", () -> d.descriptor(d.table(), 0, buf, 16, VirtioRing.VRING_DESC_F_INDIRECT, 0)),
            new Bad("device-readable after a device-writable", () -> {
                d.descriptor(d.table(), 0, buf, 8, VirtioRing.VRING_DESC_F_WRITE | VirtioRing.VRING_DESC_F_NEXT, 1);
                d.descriptor(d.table(), 1, buf, 8, 0, 0);
            }),
        };
        for (Bad b : cases) {
            b.write.run();
            d.publish(0);
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(q::pop);
            assertThat(t).as(b.message).isInstanceOf(SplitQueue.MalformedChain.class).hasMessageContaining(b.message);
            assertThat(((SplitQueue.MalformedChain) t).head()).isZero();
            q.addUsed(0, 0);
        }
        assertThat(q.pop()).as("the queue carries on").isNull();
    }

    @Test
    void brokenIndirectTablesAreRefused() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 8, BASE);
        SplitQueue q = d.queue(false, true);
        long inner = d.buffer(new byte[32]);
        d.descriptor(memory.slice(inner, 32), 0, inner, 16, VirtioRing.VRING_DESC_F_INDIRECT, 0);
        for (int[] c : new int[][] {{0}, {20}, {16 * 9}}) {
            d.descriptor(d.table(), 0, inner, c[0], VirtioRing.VRING_DESC_F_INDIRECT, 0);
            d.publish(0);
            assertThatThrownBy(q::pop).hasMessageContaining("indirect table of " + c[0] + " bytes");
        }
        d.descriptor(d.table(), 0, inner, 32, VirtioRing.VRING_DESC_F_INDIRECT, 0);
        d.publish(0);
        assertThatThrownBy(q::pop).hasMessageContaining("points to another");
    }

    @Test
    void brokenIndicesNeedAReset() throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 8, BASE);
        SplitQueue q = d.queue(false, false);
        d.setAvailIdx(9);
        assertThatThrownBy(q::pop).isInstanceOf(VirtqueueException.class).hasMessageContaining("moved by 9")
                .satisfies(e -> assertThat(((VirtqueueException) e).needsReset()).isTrue());
        MockVirtqueueDriver d2 = new MockVirtqueueDriver(memory, 8, BASE + 0x10000);
        SplitQueue q2 = d2.queue(false, false);
        d2.publish(12);
        assertThatThrownBy(q2::pop).hasMessageContaining("head descriptor 12");
        assertThatThrownBy(() -> new SplitQueue("q", memory, 6, BASE, BASE + 4096, BASE + 8192, false, false))
                .hasMessageContaining("power of 2");
        assertThatThrownBy(() -> new SplitQueue("q", memory, 8, 1L << 40, BASE, BASE + 4096, false, false))
                .hasMessageContaining("outside guest RAM");
        assertThatThrownBy(() -> new SplitQueue("q", memory, 8, BASE + 8, BASE, BASE + 4096, false, false))
                .hasMessageContaining("misaligned");
    }

    @Property(tries = 300)
    void randomDescriptorTablesGiveChainsInsideRamOrAClearRefusal(@ForAll long seed) throws Exception {
        MockVirtqueueDriver d = new MockVirtqueueDriver(memory, 16, BASE);
        Random r = new Random(seed);
        byte[] junk = new byte[VirtioRing.DESC_SIZE * 16];
        r.nextBytes(junk);
        for (int i = 0; i < 16; i++) {
            // Addresses near RAM often enough to reach the chain walk, not only the bounds check.
            long addr = r.nextBoolean() ? BASE + r.nextInt(8 << 20) : r.nextLong();
            int flags = r.nextInt(8);
            d.descriptor(d.table(), i, addr, r.nextInt(1 << 16), flags, r.nextInt(20));
        }
        SplitQueue q = d.queue(r.nextBoolean(), true);
        for (int n = 0; n < 4; n++) {
            d.publish(r.nextInt(16));
        }
        for (int n = 0; n < 4; n++) {
            try {
                DescriptorChain c = q.pop();
                for (DescriptorChain.Buffer b : c.buffers()) {
                    assertThat(b.length() == 0 || memory.contains(b.gpa(), Integer.toUnsignedLong(b.length()))).isTrue();
                }
                assertThat(c.buffers().size()).isLessThanOrEqualTo(16 * 2);
            } catch (VirtqueueException e) {
                assertThat(e.getMessage()).startsWith("test queue: ");
            }
        }
    }
}
