package org.jxen.provision.image;

import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The domain's {@code /etc/xen/HOSTNAME.cfg}, laid out as xen-tools' {@code xm.tmpl} lays it
 * out, for jxen's machine: a PVH domain whose kernel is the guest's own (copied out of the image,
 * or read by {@code bootloader = "pygrub"} at each boot), its console on {@code ttyS0}, its
 * disks in vdev order ({@code xvda} the root filesystem, {@code xvdb} swap).
 */
public final class XlConfigWriter {
    /** The line that marks a config jxen's xen-create-image wrote (xen-delete-image checks it). */
    public static final String MARKER = "# Created by jxen's xen-create-image.";

    private XlConfigWriter() {}

    /** Boot: either pygrub, or a kernel and initrd on the host with the root filesystem's UUID. */
    public record Boot(boolean pygrub, Optional<Path> kernel, Optional<Path> ramdisk, String rootUuid, String extra) {}

    public static String write(ImageSpec spec, Path disk, String diskFormat, Optional<Path> swap, String mac, Boot boot) {
        StringBuilder b = new StringBuilder();
        b.append("#\n# Configuration file for the Xen instance ").append(spec.hostname()).append(", created\n");
        b.append("# by xen-create-image (jxen) on ").append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
                .append(".\n#\n").append(MARKER).append("\n\n");
        b.append("#\n#  Kernel + memory size\n#\n");
        b.append("type        = 'pvh'\n");
        if (boot.pygrub()) {
            b.append("bootloader  = 'pygrub'\n");
            if (!boot.extra().isEmpty()) {
                b.append("extra       = '").append(boot.extra()).append("'\n");
            }
        } else {
            b.append("kernel      = '").append(boot.kernel().orElseThrow()).append("'\n");
            boot.ramdisk().ifPresent(r -> b.append("ramdisk     = '").append(r).append("'\n"));
            b.append("root        = 'UUID=").append(boot.rootUuid()).append(" ro'\n");
            b.append("extra       = '").append(boot.extra()).append("'\n");
        }
        b.append("vcpus       = '").append(spec.vcpus()).append("'\n");
        b.append("memory      = '").append(spec.memoryMib()).append("'\n");
        if (spec.maxmemMib() > 0) {
            b.append("maxmem      = '").append(spec.maxmemMib()).append("'\n");
        }
        b.append("\n#\n#  Disk device(s): virtio disks in the guest, in this order (/dev/vda, /dev/vdb).\n#\n");
        List<String> disks = new ArrayList<>();
        disks.add("'format=" + diskFormat + ",vdev=xvda,access=rw,target=" + disk + "'");
        swap.ifPresent(s -> disks.add("'format=raw,vdev=xvdb,access=rw,target=" + s + "'"));
        b.append("disk        = [\n");
        for (String d : disks) {
            b.append("                  ").append(d).append(",\n");
        }
        b.append("              ]\n");
        b.append("\n#\n#  Hostname\n#\nname        = '").append(spec.hostname()).append("'\n");
        b.append("\n#\n#  Networking\n#\n");
        StringBuilder vif = new StringBuilder();
        if (spec.network() instanceof ImageSpec.Network.Static s) {
            vif.append("ip=").append(s.ip()).append(',');
        }
        vif.append("mac=").append(mac);
        spec.bridge().ifPresent(br -> vif.append(",bridge=").append(br));
        spec.vifname().ifPresent(v -> vif.append(",vifname=").append(v));
        b.append("vif         = [ '").append(vif).append("' ]\n");
        b.append("\n#\n#  Behaviour\n#\non_poweroff = 'destroy'\non_reboot   = 'restart'\non_crash    = 'restart'\n");
        return b.toString();
    }
}
