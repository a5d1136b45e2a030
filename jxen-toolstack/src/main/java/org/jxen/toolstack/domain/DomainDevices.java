package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.net.MacAddress;
import org.jxen.net.Vif;
import org.jxen.net.VifScript;
import org.jxen.toolstack.config.DiskSpec;
import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.config.VifSpec;
import org.jxen.vmm.machine.Machine;
import org.jxen.vmm.virtio.blk.VirtioBlkDevice;
import org.jxen.vmm.virtio.net.VirtioNetDevice;

/**
 * A domain's devices from its config, as virtio-pci functions (DESIGN.md: Linux guests get
 * virtio): one virtio-blk per {@code disk} in order, one virtio-net per {@code vif}. Images
 * open and TAPs appear when the machine is built, and go with it.
 *
 * <p>A vif's MAC is the config's, or a random one under Xen's OUI chosen once per domain (the
 * {@code macs} map, kept by the domain across reboots).
 */
final class DomainDevices {
    /** PCI class codes (PCI Code and ID Assignment): mass storage/SCSI as QEMU shows virtio-blk, network/Ethernet. */
    static final int CLASS_STORAGE = 0x01;
    static final int SUBCLASS_SCSI = 0x00;
    static final int CLASS_NETWORK = 0x02;
    static final int SUBCLASS_ETHERNET = 0x00;

    private DomainDevices() {}

    static List<Machine.VirtioDeviceFactory> of(int domid, DomainConfigSpec config, Map<Integer, MacAddress> macs) {
        return of(domid, config, macs, b -> { });
    }

    /**
     * As above, and every domain gets a virtio-balloon last (for {@code xl mem-set}); {@code balloon}
     * receives it when the machine is built.
     */
    static List<Machine.VirtioDeviceFactory> of(int domid, DomainConfigSpec config, Map<Integer, MacAddress> macs,
            java.util.function.Consumer<org.jxen.vmm.virtio.balloon.VirtioBalloonDevice> balloon) {
        List<Machine.VirtioDeviceFactory> out = new ArrayList<>();
        // In vdev order (xvda before xvdb whatever the config's order): the guest's virtio disks are
        // named in PCI order, so /dev/vda is xvda. Names Xen does not number keep their place after.
        List<DiskSpec> disks = new ArrayList<>(config.disks());
        disks.sort(java.util.Comparator.comparingLong(d -> {
            int n = VirtualDevice.number(d.vdev());
            return n < 0 ? Long.MAX_VALUE : n;
        }));
        for (DiskSpec d : disks) {
            if (d.target().isEmpty() || d.cdrom()) {
                continue; // An empty CD-ROM drive: nothing to attach yet.
            }
            Path image = Path.of(d.target().get());
            BlockBackends.Format format = switch (d.format()) {
                case QCOW2 -> BlockBackends.Format.QCOW2;
                case RAW -> BlockBackends.Format.RAW;
                default -> BlockBackends.Format.DETECT;
            };
            out.add(memory -> {
                BlockBackend disk;
                try {
                    disk = BlockBackends.open(image, format, !d.readwrite());
                } catch (IOException e) {
                    throw new IOException("disk " + d.vdev() + ": " + e.getMessage(), e);
                }
                return new Machine.PlacedDevice(new VirtioBlkDevice(d.vdev(), memory, disk, d.vdev()), CLASS_STORAGE,
                        SUBCLASS_SCSI, "disk " + d.vdev(), disk);
            });
        }
        List<VifSpec> vifs = config.vifs();
        for (int i = 0; i < vifs.size(); i++) {
            VifSpec v = vifs.get(i);
            int devid = v.devid().orElse(i);
            MacAddress mac = macs.computeIfAbsent(devid, k -> v.mac().map(MacAddress::parse).orElseGet(MacAddress::randomXen));
            String ifname = v.vifname().orElse(Vif.defaultName(domid, devid));
            String bridge = v.bridge().orElse(Vif.DEFAULT_BRIDGE);
            int mtu = v.mtu().orElse(1500);
            out.add(memory -> {
                Vif vif;
                try {
                    // Xen's vif script when installed or named (script=), the built-in attach otherwise.
                    Optional<VifScript> script = VifScript.resolve(v.script(), VifScript.directory(),
                            Optional.ofNullable(System.getenv("XENSTORED_PATH")).filter(p -> !p.isEmpty()));
                    vif = Vif.create(ifname, mac, bridge, mtu, script, XenstoreLayout.vifBackend(domid, devid));
                } catch (IOException e) {
                    throw new IOException("vif " + devid + ": " + e.getMessage(), e);
                }
                return new Machine.PlacedDevice(new VirtioNetDevice(ifname, memory, vif.tap(), mac, mtu), CLASS_NETWORK,
                        SUBCLASS_ETHERNET, "vif " + ifname, vif);
            });
        }
        out.add(memory -> {
            org.jxen.vmm.virtio.balloon.VirtioBalloonDevice b = new org.jxen.vmm.virtio.balloon.VirtioBalloonDevice(memory);
            balloon.accept(b);
            // PCI class "other" (0xff): what QEMU shows for virtio-balloon.
            return new Machine.PlacedDevice(b, 0xFF, 0x00, "balloon");
        });
        return out;
    }
}
