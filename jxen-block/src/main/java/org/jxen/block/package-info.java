/**
 * Disk images: the {@link org.jxen.block.BlockBackend} interface and the formats behind it
 * (raw, qcow2 as QEMU's docs/interop/qcow2.txt specifies it). Pure Java; callers hand in
 * buffers that may be views of guest memory.
 */
package org.jxen.block;
