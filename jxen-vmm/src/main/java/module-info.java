/** The machine: guest memory, vCPUs, buses, boot loaders, ACPI and devices. */
module org.jxen.vmm {
    requires transitive org.jxen.kvm;
    requires transitive org.jxen.block;
    requires transitive org.jxen.net;
    exports org.jxen.vmm.memory;
    exports org.jxen.vmm.bus;
    exports org.jxen.vmm.irq;
    exports org.jxen.vmm.vcpu;
    exports org.jxen.vmm.boot;
    exports org.jxen.vmm.acpi;
    exports org.jxen.vmm.device.legacy;
    exports org.jxen.vmm.device.pci;
    exports org.jxen.vmm.machine;
    exports org.jxen.vmm.util;
    exports org.jxen.vmm.virtio;
    exports org.jxen.vmm.virtio.blk;
    exports org.jxen.vmm.virtio.net;
    exports org.jxen.vmm.virtio.rng;
    exports org.jxen.vmm.virtio.balloon;
    exports org.jxen.vmm.virtio.transport;
}
