package org.jxen.provision.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Configures an installed system in its staging directory, as xen-tools' hooks do, for the
 * machine jxen gives it: hostname and {@code /etc/hosts}, an fstab by filesystem UUID (jxen
 * presents the config's disks as virtio disks in vdev order, so {@code xvda} is {@code /dev/vda}
 * in the guest; UUIDs hold whatever the names), systemd-networkd on every Ethernet interface
 * whatever its name ({@code eth0}, {@code enp0s2}), DHCP or static, a getty on the serial
 * console (the kernel's {@code console=}), root's password and SSH keys, and the first-boot
 * unit that gives a clone its own hostname, SSH host keys and machine-id.
 */
public final class GuestSetup {
    private final Path root;
    private final Exec exec;

    public GuestSetup(Path root, Exec exec) {
        this.root = root;
        this.exec = exec;
    }

    private void write(String path, String text) throws IOException {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        Files.deleteIfExists(p); // /etc/resolv.conf may be a symlink into /run
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    public void hostname(String hostname, ImageSpec.Network net) throws IOException {
        String shortName = hostname.contains(".") ? hostname.substring(0, hostname.indexOf('.')) : hostname;
        write("/etc/hostname", shortName + "\n");
        String self = net instanceof ImageSpec.Network.Static s ? s.ip() : "127.0.1.1";
        String names = hostname.equals(shortName) ? shortName : hostname + "\t" + shortName;
        write("/etc/hosts", "127.0.0.1\tlocalhost\n" + self + "\t" + names + "\n\n"
                + "# The following lines are desirable for IPv6 capable hosts\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
    }

    public void fstab(String fs, String rootUuid, String swapUuid) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# /etc/fstab, written by xen-create-image (jxen).\n");
        b.append("# jxen gives the guest the config's disks as virtio disks in vdev order: xvda is /dev/vda (this\n");
        b.append("# root filesystem)").append(swapUuid != null ? ", xvdb is /dev/vdb (swap)" : "")
                .append(". Filesystems are named by UUID, so they are\n# found whatever the names.\n");
        b.append("UUID=").append(rootUuid).append("\t/\t").append(fs).append("\tnoatime,nodiratime,errors=remount-ro\t0\t1\n");
        if (swapUuid != null) {
            b.append("UUID=").append(swapUuid).append("\tnone\tswap\tsw\t0\t0\n");
        }
        b.append("proc\t/proc\tproc\tdefaults\t0\t0\n");
        write("/etc/fstab", b.toString());
    }

    /** systemd-networkd for every Ethernet interface, whatever the kernel or udev names it. */
    public void network(ImageSpec.Network net) throws IOException {
        StringBuilder b = new StringBuilder("# Written by xen-create-image (jxen): every Ethernet interface, whatever its name.\n");
        b.append("[Match]\nName=en* eth*\n\n[Network]\n");
        switch (net) {
            case ImageSpec.Network.Dhcp d -> b.append("DHCP=ipv4\n");
            case ImageSpec.Network.Static s -> {
                b.append("Address=").append(s.ip()).append('/').append(s.prefix()).append('\n');
                s.gateway().ifPresent(g -> b.append("Gateway=").append(g).append('\n'));
                for (String ns : s.nameservers()) {
                    b.append("DNS=").append(ns).append('\n');
                }
            }
        }
        write("/etc/systemd/network/50-jxen.network", b.toString());
        if (net instanceof ImageSpec.Network.Static s && !s.nameservers().isEmpty()
                && !Files.exists(root.resolve("usr/lib/systemd/systemd-resolved"))) {
            StringBuilder r = new StringBuilder();
            for (String ns : s.nameservers()) {
                r.append("nameserver ").append(ns).append('\n');
            }
            write("/etc/resolv.conf", r.toString());
        }
        enable("systemd-networkd.service");
        if (Files.exists(root.resolve("usr/lib/systemd/systemd-resolved"))
                || Files.exists(root.resolve("lib/systemd/systemd-resolved"))) {
            enable("systemd-resolved.service");
        }
    }

    private void enable(String unit) throws IOException {
        exec.run(List.of("chroot", root.toString(), "systemctl", "enable", unit), Map.of(), null, 5, null);
    }

    /** Sets root's password (hashed in the guest by its own chpasswd, with {@code hash}: md5, sha256, sha512). */
    public void rootPassword(String password, String hash) throws IOException {
        if (password.contains("\n") || password.contains(":")) {
            throw new IllegalArgumentException("the root password may not contain ':' or a newline");
        }
        exec.run(List.of("chroot", root.toString(), "chpasswd", "-c", hash.toUpperCase(java.util.Locale.ROOT)),
                Map.of(), "root:" + password + "\n", 5, null);
    }

    public void authorizedKeys(List<Path> keys) throws IOException {
        if (keys.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (Path k : keys) {
            String text = Files.readString(k, StandardCharsets.UTF_8);
            b.append(text.endsWith("\n") ? text : text + "\n");
        }
        Path ssh = root.resolve("root/.ssh");
        Files.createDirectories(ssh);
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        Path ak = ssh.resolve("authorized_keys");
        Files.writeString(ak, b, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(ak, PosixFilePermissions.fromString("rw-------"));
    }

    /**
     * The unit that gives a clone its identity from its kernel command line ({@code jxen.hostname=},
     * {@code jxen.net=}; see the script) and any system without SSH host keys its own, before the
     * network and sshd start; otherwise it does nothing.
     */
    public void firstBootUnit() throws IOException {
        write("/usr/local/sbin/jxen-firstboot", FIRSTBOOT);
        Files.setPosixFilePermissions(root.resolve("usr/local/sbin/jxen-firstboot"), PosixFilePermissions.fromString("rwxr-xr-x"));
        write("/etc/systemd/system/jxen-firstboot.service", """
                # Written by xen-create-image (jxen): a clone's own hostname and SSH host keys on its first boot.
                [Unit]
                Description=jxen: this system's own SSH host keys, and a clone's hostname and network from jxen.hostname= and jxen.net=
                DefaultDependencies=no
                After=local-fs.target
                Before=ssh.service systemd-networkd.service network-pre.target sysinit.target

                [Service]
                Type=oneshot
                ExecStart=/usr/local/sbin/jxen-firstboot

                [Install]
                WantedBy=sysinit.target
                """);
        enable("jxen-firstboot.service");
    }

    /**
     * Makes the system a template: no machine-id (systemd makes one on each clone's first boot)
     * and no SSH host keys (the first-boot unit makes them).
     */
    public void forgetIdentity() throws IOException {
        write("/etc/machine-id", "");
        Files.deleteIfExists(root.resolve("var/lib/dbus/machine-id"));
        Path ssh = root.resolve("etc/ssh");
        if (Files.isDirectory(ssh)) {
            try (Stream<Path> s = Files.list(ssh)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith("ssh_host_")).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * The first-boot script. {@code JXEN_ROOT} and {@code JXEN_CMDLINE} let a test run it on a
     * directory with a command line of its own; in the guest both are unset.
     */
    static final String FIRSTBOOT = """
            #!/bin/sh
            # Written by xen-create-image (jxen). A clone of a template (xen-create-image --from-template)
            # boots with its identity on the kernel command line, which this applies before the network
            # and sshd start:
            #   jxen.hostname=NAME   the first boot with a new name takes it and makes new SSH host keys
            #                        (the machine-id is systemd's own, made for the empty /etc/machine-id);
            #   jxen.net=dhcp | static:ADDR/PREFIX:GATEWAY:DNS[,DNS]   the network, at every boot.
            set -e
            root=${JXEN_ROOT:-}
            cmdline=$(cat "${JXEN_CMDLINE:-/proc/cmdline}")
            param() { echo " $cmdline " | sed -n "s/.* $1=\\([^ ]*\\) .*/\\1/p"; }
            old=$(cat "$root/etc/hostname" 2>/dev/null || true)
            want=$(param 'jxen\\.hostname')
            if [ -n "$want" ] && [ "$old" != "$want" ]; then
                echo "$want" > "$root/etc/hostname"
                [ -n "$root" ] || hostname "$want"
                sed -i "s/[[:space:]]$old\\$/\\t$want/" "$root/etc/hosts"
                if command -v ssh-keygen >/dev/null && [ -d "$root/etc/ssh" ]; then
                    rm -f "$root"/etc/ssh/ssh_host_*
                    ssh-keygen -A -f "${root:-/}"
                fi
                old=$want
            fi
            # A system copied from another, or a template, has no host keys: make its own.
            if command -v ssh-keygen >/dev/null && [ -d "$root/etc/ssh" ] && ! ls "$root"/etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
                ssh-keygen -A -f "${root:-/}"
            fi
            net=$(param 'jxen\\.net')
            case "$net" in
                dhcp)
                    body="DHCP=ipv4"
                    sed -i "s/^[0-9.]*\\([[:space:]]$old\\)\\$/127.0.1.1\\1/" "$root/etc/hosts"
                    ;;
                static:*)
                    rest=${net#static:}
                    addr=${rest%%:*}; rest=${rest#*:}
                    gw=${rest%%:*}; dns=${rest#*:}
                    body="Address=$addr"
                    [ -z "$gw" ] || body="$body
            Gateway=$gw"
                    for d in $(echo "$dns" | tr ',' ' '); do body="$body
            DNS=$d"; done
                    sed -i "s/^[0-9.]*\\([[:space:]]$old\\)\\$/${addr%/*}\\1/" "$root/etc/hosts"
                    ;;
                *) exit 0 ;;
            esac
            printf '# Written by jxen-firstboot from jxen.net= on the kernel command line.\\n[Match]\\nName=en* eth*\\n\\n[Network]\\n%s\\n' \\
                "$body" > "$root/etc/systemd/network/50-jxen.network"
            """;

    /** The kernel and initrd in the system's /boot (the newest version), as paths in the system. */
    public record Kernel(String kernel, String initrd, String version) {}

    public Kernel kernel() throws IOException {
        Path boot = root.resolve("boot");
        List<String> versions = new ArrayList<>();
        if (Files.isDirectory(boot)) {
            try (Stream<Path> s = Files.list(boot)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("vmlinuz-"))
                        .map(n -> n.substring("vmlinuz-".length())).forEach(versions::add);
            }
        }
        versions.removeIf(v -> !Files.exists(boot.resolve("initrd.img-" + v), LinkOption.NOFOLLOW_LINKS));
        if (versions.isEmpty()) {
            throw new IOException("the installed system has no kernel with an initrd in /boot (vmlinuz-VERSION and "
                    + "initrd.img-VERSION); debootstrap installs Debian's cloud kernel, a copied or unpacked system must have one");
        }
        versions.sort(GuestSetup::compareVersions);
        String v = versions.get(versions.size() - 1);
        return new Kernel("/boot/vmlinuz-" + v, "/boot/initrd.img-" + v, v);
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = x[i].matches("\\d+") && y[i].matches("\\d+") ? Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]))
                    : x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    /** The boot menu pygrub reads: GRUB legacy's menu.lst, on Debian's /vmlinuz links so kernel updates need no edit. */
    public void menuLst(String hostname, String args) throws IOException {
        write("/boot/grub/menu.lst", "# Written by xen-create-image (jxen) for pygrub (bootloader = \"pygrub\").\n"
                + "# The links /vmlinuz and /initrd.img follow the installed kernel.\n"
                + "default 0\ntimeout 2\n\ntitle Debian GNU/Linux (" + hostname + ")\n"
                + "root (hd0)\nkernel /vmlinuz " + args + "\ninitrd /initrd.img\n");
    }
}
