package org.jxen.vmm.virtio;

import java.util.List;

/**
 * One request a driver made available: the head descriptor's index (what the used ring names)
 * and its buffers in order, indirect tables already followed, each checked to lie in guest
 * RAM. Device-readable buffers come first, then device-writable ones.
 */
public record DescriptorChain(int head, List<Buffer> buffers) {
    /** One guest buffer of the chain. */
    public record Buffer(long gpa, int length, boolean writable) {}

    public DescriptorChain {
        buffers = List.copyOf(buffers);
    }

    /** Total bytes of the device-readable buffers. */
    public long readableLength() {
        return buffers.stream().filter(b -> !b.writable()).mapToLong(Buffer::length).sum();
    }

    /** Total bytes of the device-writable buffers. */
    public long writableLength() {
        return buffers.stream().filter(Buffer::writable).mapToLong(Buffer::length).sum();
    }
}
