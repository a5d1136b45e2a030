/**
 * Disk images: raw files and qcow2, behind {@link org.jxen.block.BlockBackend}. No VMM inside,
 * so virtio-blk, the Xen vbd backend and provisioning share it (DESIGN.md, layer "block").
 */
module org.jxen.block {
    exports org.jxen.block;
    exports org.jxen.block.raw;
    exports org.jxen.block.qcow2;
    exports org.jxen.block.part;
    exports org.jxen.block.ext;
}
