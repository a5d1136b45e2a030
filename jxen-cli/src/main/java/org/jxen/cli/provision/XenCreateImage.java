package org.jxen.cli.provision;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jxen.provision.image.BuildLog;
import org.jxen.provision.image.HostApt;
import org.jxen.provision.image.ImageBuilder;
import org.jxen.provision.image.ImageSpec;
import org.jxen.provision.image.Progress;
import org.jxen.provision.image.Sizes;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code xen-create-image}: xen-tools' command, with its options and its config file. */
@Command(name = "xen-create-image", mixinStandardHelpOptions = true, version = "xen-create-image (jxen) 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        header = "Create a Debian or Ubuntu guest's disk image and its xl config, as xen-tools does.",
        description = {
            "Installs a system with debootstrap (or copies a directory, or unpacks a tarball) into a staging directory, "
                    + "configures it (hostname, /etc/hosts, an fstab by UUID, systemd-networkd with DHCP or a static "
                    + "address on any Ethernet interface, a getty on the serial console, root's password or SSH keys), "
                    + "builds the root filesystem image from it with mke2fs -d (no mount, no loop device), raw or qcow2, "
                    + "makes a swap image, and writes DIR/domains/HOSTNAME/ and /etc/xen/HOSTNAME.cfg, which boots with "
                    + "'xl create'.",
            "",
            "Settings come from /etc/xen-tools/xen-tools.conf (xen-tools' keys), then --config FILE, then the options; "
                    + "an option's name is its key there (--install-method is install-method = ...).",
            "",
            "Templates (beyond xen-tools): --as-template builds an image that is never booted itself; --from-template "
                    + "NAME then makes a guest in well under a second as a qcow2 overlay on it, with its own MAC, and its own "
                    + "hostname, SSH host keys and machine-id from its first boot.",
            "",
            "The log is /var/log/xen-tools/HOSTNAME.log (JXEN_XEN_TOOLS_LOGDIR moves it)."},
        descriptionHeading = "%n", optionListHeading = "%nOptions%n",
        exitCodeListHeading = "%nExit status%n", exitCodeList = {"0:the image was made (or, with --dry-run, would be)",
            "1:it was not: the reason is printed, and nothing of it is left behind"})
public final class XenCreateImage implements Callable<Integer> {
    @Option(names = "--hostname", paramLabel = "NAME", description = "The guest's host name; also the image's and the domain's name.")
    String hostname;

    @Option(names = "--dist", paramLabel = "DIST", description = "Distribution to install (bookworm, trixie, jammy, ...; default: the host's).")
    String dist;

    @Option(names = "--arch", paramLabel = "ARCH", description = "Debian architecture (default: the host's, e.g. amd64).")
    String arch;

    @Option(names = "--mirror", paramLabel = "URL", description = "Mirror for debootstrap (default: the host's apt source for the dist).")
    String mirror;

    @Option(names = "--size", paramLabel = "SIZE", description = "Root filesystem size, with a suffix (default: 4G).")
    String size;

    @Option(names = "--swap", paramLabel = "SIZE", description = "Swap image size (default: 512M).")
    String swap;

    @Option(names = "--noswap", description = "No swap image.")
    boolean noswap;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Guest memory (default: 256M).")
    String memory;

    @Option(names = "--maxmem", paramLabel = "SIZE", description = "Guest maximum memory (xl's maxmem).")
    String maxmem;

    @Option(names = "--vcpus", paramLabel = "N", description = "Number of vCPUs (default: 1).")
    String vcpus;

    @Option(names = "--fs", paramLabel = "FS", description = "Root filesystem: ext4, ext3 or ext2 (default: ext4).")
    String fs;

    @Option(names = "--image", paramLabel = "TYPE", description = "sparse or full (preallocated) image files (default: sparse).")
    String image;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Root image format: raw or qcow2 (default: raw).")
    String format;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where images go: DIR/domains/HOSTNAME/ (xen-tools' dir).")
    String dir;

    @Option(names = "--lvm", paramLabel = "VG", description = "Not supported by jxen yet: use --dir.")
    String lvm;

    @Option(names = "--dhcp", description = "The guest configures its network with DHCP (the default).")
    boolean dhcp;

    @Option(names = "--ip", paramLabel = "ADDR", description = "A static IPv4 address (ADDR or ADDR/PREFIX).")
    String ip;

    @Option(names = "--gateway", paramLabel = "ADDR", description = "Default route for --ip.")
    String gateway;

    @Option(names = "--netmask", paramLabel = "MASK", description = "Netmask for --ip (default: 255.255.255.0).")
    String netmask;

    @Option(names = "--broadcast", paramLabel = "ADDR", description = "Broadcast address for --ip.")
    String broadcast;

    @Option(names = "--nameserver", paramLabel = "ADDRS", description = "DNS servers for --ip (space or comma separated).")
    String nameserver;

    @Option(names = "--mac", paramLabel = "MAC", description = "The vif's MAC (default: a random 00:16:3e:xx:xx:xx).")
    String mac;

    @Option(names = "--bridge", paramLabel = "BRIDGE", description = "The vif's bridge (default: xl's, xenbr0).")
    String bridge;

    @Option(names = "--vifname", paramLabel = "NAME", description = "The vif's host interface name.")
    String vifname;

    @Option(names = "--password", paramLabel = "PASSWORD", description = "Root's password (visible to other users in ps: prefer --genpass).")
    String password;

    @Option(names = "--genpass", paramLabel = "0|1", arity = "0..1", fallbackValue = "1",
            description = "Generate root's password and print it at the end (default: 1, when no --password).")
    String genpass;

    @Option(names = "--genpass_len", paramLabel = "N", description = "Length of the generated password (default: 12).")
    String genpassLen;

    @Option(names = "--hash_method", paramLabel = "METHOD", description = "Password hash: sha512, sha256 or md5 (default: sha512).")
    String hashMethod;

    @Option(names = "--ssh-key", paramLabel = "FILE", description = "Public keys for root's authorized_keys (repeatable, or comma separated).")
    List<String> sshKeys;

    @Option(names = "--role", paramLabel = "ROLES", description = "Role scripts to run on the installed system (comma separated), from --roledir.")
    String role;

    @Option(names = "--roledir", paramLabel = "DIR", description = "Where role scripts are (default: /etc/xen-tools/role.d).")
    String roledir;

    @Option(names = "--install-method", paramLabel = "METHOD", description = "debootstrap, copy or tar (default: debootstrap).")
    String installMethod;

    @Option(names = "--install-source", paramLabel = "PATH", description = "The directory (copy) or tarball (tar) to install from.")
    String installSource;

    @Option(names = "--variant", paramLabel = "VARIANT", description = "debootstrap's --variant (minbase: the smallest system).")
    String variant;

    @Option(names = "--pygrub", description = "Boot with bootloader = \"pygrub\": the kernel is read from the image at each boot.")
    boolean pygrub;

    @Option(names = "--serial_device", paramLabel = "DEV", description = "The console the guest's kernel and getty use (default: ttyS0).")
    String serial;

    @Option(names = "--output", paramLabel = "DIR", description = "Where the xl config goes (default: /etc/xen).")
    String output;

    @Option(names = "--extension", paramLabel = "EXT", description = "The xl config's file name extension (default: .cfg).")
    String extension;

    @Option(names = "--cache", paramLabel = "yes|no", description = "Keep downloaded packages for the next image (default: yes).")
    String cache;

    @Option(names = "--cachedir", paramLabel = "DIR", description = "The package cache (default: /var/cache/xen-tools/archives).")
    String cachedir;

    @Option(names = "--as-template", description = "Make a template: no config, never booted, cloned by --from-template.")
    boolean asTemplate;

    @Option(names = "--from-template", paramLabel = "NAME", description = "Clone template NAME as a qcow2 overlay instead of installing.")
    String fromTemplate;

    @Option(names = "--config", paramLabel = "FILE", description = "Read settings from FILE after /etc/xen-tools/xen-tools.conf.")
    Path config;

    @Option(names = "--force", description = "Replace an existing image and config of the same name.")
    boolean force;

    @Option(names = "--dry-run", description = "Check the settings and show what would be made; make nothing.")
    boolean dryRun;

    @Option(names = "--verbose", description = "Show every package and command as it goes.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(Main.run("xen-create-image", new XenCreateImage(), args));
    }

    /** The command line's settings, in xen-tools' key names, over the config files'. */
    Map<String, String> settings() throws IOException {
        Map<String, String> s = Main.settings(config);
        put(s, "hostname", hostname);
        put(s, "dist", dist);
        put(s, "arch", arch);
        put(s, "mirror", mirror);
        put(s, "size", size);
        put(s, "swap", swap);
        if (noswap) {
            s.put("noswap", "1");
        }
        put(s, "memory", memory);
        put(s, "maxmem", maxmem);
        put(s, "vcpus", vcpus);
        put(s, "fs", fs);
        put(s, "image", image);
        put(s, "format", format);
        put(s, "dir", dir);
        put(s, "lvm", lvm);
        if (dhcp) {
            s.put("dhcp", "1");
            s.remove("ip");
        }
        put(s, "ip", ip);
        put(s, "gateway", gateway);
        put(s, "netmask", netmask);
        put(s, "broadcast", broadcast);
        put(s, "nameserver", nameserver);
        put(s, "mac", mac);
        put(s, "bridge", bridge);
        put(s, "vifname", vifname);
        put(s, "password", password);
        put(s, "genpass", genpass);
        put(s, "genpass_len", genpassLen);
        put(s, "hash_method", hashMethod);
        if (sshKeys != null) {
            s.put("ssh-key", String.join(",", sshKeys));
        }
        put(s, "role", role);
        put(s, "roledir", roledir);
        put(s, "install-method", installMethod);
        put(s, "install-source", installSource);
        put(s, "variant", variant);
        if (pygrub) {
            s.put("pygrub", "1");
        }
        put(s, "serial_device", serial);
        put(s, "output", output);
        put(s, "extension", extension);
        put(s, "cache", cache);
        put(s, "cachedir", cachedir);
        if (asTemplate) {
            s.put("as-template", "1");
        }
        put(s, "from-template", fromTemplate);
        if (force) {
            s.put("force", "1");
        }
        return s;
    }

    private static void put(Map<String, String> s, String key, String value) {
        if (value != null) {
            s.put(key, value);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ImageSpec spec;
        try {
            spec = ImageSpec.from(settings(), new HostApt(Path.of("/")), Main.hostArch());
        } catch (IllegalArgumentException e) {
            return Main.fail("xen-create-image", e.getMessage());
        }
        if (spec.asTemplate() && spec.fromTemplate().isPresent()) {
            return Main.fail("xen-create-image", "--as-template and --from-template are exclusive");
        }
        BuildLog log = BuildLog.open(dryRun ? null : Main.logDir(), spec.hostname());
        try (log) {
            TerminalProgress progress = new TerminalProgress(out, log, System.console() != null, verbose);
            summary(spec, progress);
            ImageBuilder builder = new ImageBuilder(log, progress);
            try {
                builder.preflight(spec);
            } catch (IllegalArgumentException e) {
                return Main.fail("xen-create-image", e.getMessage());
            }
            if (dryRun) {
                out.println();
                out.println("Dry run: nothing was made. The image would be " + spec.diskPath()
                        + (spec.asTemplate() ? " (a template)" : ", the config " + spec.configPath()) + ".");
                return 0;
            }
            long start = System.nanoTime();
            ImageBuilder.Result r;
            try {
                r = builder.build(spec);
            } catch (IllegalArgumentException | IOException e) {
                progress.clearDetail();
                log.line("error: " + e.getMessage());
                return Main.fail("xen-create-image", e.getMessage() + (log.file() != null ? " (log: " + log.file() + ")" : ""));
            }
            progress.say("");
            progress.say("Installation Summary");
            progress.say("---------------------");
            progress.say("Hostname        :  " + r.hostname());
            progress.say("Distribution    :  " + r.dist());
            r.backing().ifPresent(b -> progress.say("Template        :  " + b));
            progress.say("MAC Address     :  " + r.mac());
            progress.say("IP Address(es)  :  " + (r.addresses().equals("dhcp") ? "dynamic" : r.addresses()));
            for (String fp : r.sshFingerprints()) {
                progress.say("SSH Fingerprint :  " + fp);
            }
            if (r.sshFingerprints().isEmpty()) {
                progress.say("SSH Fingerprint :  (the host keys are made at the first boot)");
            }
            // The password is shown, as xen-tools shows it, but kept out of the log.
            out.println("Root Password   :  " + r.password().orElse("N/A"));
            progress.say("Disk            :  " + r.disk());
            r.config().ifPresent(c -> progress.say("Config          :  " + c));
            progress.say(String.format("Time            :  %.1f s", (System.nanoTime() - start) / 1e9));
            progress.say("");
            return 0;
        }
    }

    private static void summary(ImageSpec spec, Progress p) {
        p.say("");
        p.say("General Information");
        p.say("--------------------");
        p.say("Hostname       :  " + spec.hostname());
        p.say("Distribution   :  " + (spec.fromTemplate().isPresent() ? "from template " + spec.fromTemplate().get() : spec.dist()));
        if (spec.fromTemplate().isEmpty()) {
            p.say("Mirror         :  " + (spec.installMethod().equals("debootstrap") ? spec.mirror()
                    : spec.installMethod() + " from " + spec.installSource().orElseThrow()));
            p.say("Partitions     :  " + (spec.swapBytes() > 0 ? String.format("%-15s %-5s (%s)", "swap", Sizes.human(spec.swapBytes()), "swap")
                    + "\n                  " : "") + String.format("%-15s %-5s (%s)", "/", Sizes.human(spec.sizeBytes()), spec.fs()));
            p.say("Image type     :  " + (spec.fullImage() ? "full" : "sparse") + ", " + spec.format());
        }
        p.say("Memory size    :  " + spec.memoryMib() + "M");
        p.say("Bootloader     :  " + (spec.pygrub() ? "pygrub" : "the guest's kernel, copied beside its image"));
        p.say("");
    }

    static CommandLine commandLine() {
        return new CommandLine(new XenCreateImage());
    }
}
