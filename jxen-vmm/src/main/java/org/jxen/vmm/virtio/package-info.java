/**
 * Virtio (virtio 1.2): the split virtqueue ({@link org.jxen.vmm.virtio.SplitQueue}, §2.7) with
 * its layout from {@code linux/virtio_ring.h} ({@link org.jxen.vmm.virtio.VirtioRing}). The PCI
 * transport and the devices (blk, net, rng, balloon) come next (issue 10).
 */
package org.jxen.vmm.virtio;
