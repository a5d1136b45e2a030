package org.jxen.provision.image;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code xen-create-image} is asked to make, from xen-tools' settings: the config file's
 * keys with the command line's on top, in xen-tools' names ({@code size}, {@code install-method},
 * {@code genpass_len}, ...). {@link #from} checks every value and says which key is wrong.
 */
public record ImageSpec(
        String hostname,
        String dist,
        String arch,
        String mirror,
        long sizeBytes,
        long swapBytes,
        long memoryMib,
        long maxmemMib,
        int vcpus,
        String fs,
        boolean fullImage,
        String format,
        Path dir,
        Network network,
        Optional<String> mac,
        Optional<String> bridge,
        Optional<String> vifname,
        Optional<String> password,
        int genpassLength,
        String hashMethod,
        List<Path> sshKeys,
        List<String> roles,
        Path roleDir,
        String installMethod,
        Optional<Path> installSource,
        boolean pygrub,
        Path output,
        String extension,
        boolean force,
        boolean cache,
        Path cacheDir,
        Optional<String> variant,
        String serialDevice,
        boolean asTemplate,
        Optional<String> fromTemplate) {

    /** The file systems xen-create-image makes here (mke2fs -d builds them from a directory). */
    public static final Set<String> FILESYSTEMS = Set.of("ext2", "ext3", "ext4");
    public static final Set<String> INSTALL_METHODS = Set.of("debootstrap", "copy", "tar");
    /** Where debootstrap keeps its scripts: one per distribution it can install. */
    public static final Path DEBOOTSTRAP_SCRIPTS = Path.of("/usr/share/debootstrap/scripts");

    /** How the guest's network is set up. */
    public sealed interface Network {
        record Dhcp() implements Network {}

        /** A static address: {@code prefix} is the netmask's length. */
        record Static(String ip, int prefix, Optional<String> gateway, List<String> nameservers, Optional<String> broadcast)
                implements Network {}
    }

    public Path imageDir() {
        return dir.resolve("domains").resolve(hostname);
    }

    public Path diskPath() {
        return imageDir().resolve(format.equals("qcow2") ? "disk.qcow2" : "disk.img");
    }

    public Path swapPath() {
        return imageDir().resolve("swap.img");
    }

    public Path configPath() {
        return output.resolve(hostname + extension);
    }

    /** The generated password, when none was given and genpass is on; null otherwise. */
    static String maybe(Map<String, String> s, String key) {
        String v = s.get(key);
        return v == null || v.isEmpty() ? null : v;
    }

    static boolean flag(Map<String, String> s, String key) {
        String v = maybe(s, key);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "yes", "true", "on" -> true;
            case "0", "no", "false", "off" -> false;
            default -> throw new IllegalArgumentException(key + " = " + v + ": expected 1 or 0 (yes or no)");
        };
    }

    /**
     * Checks and completes the settings; {@code host} answers the host's suite, mirror and
     * architecture when they are not given.
     *
     * @throws IllegalArgumentException naming the key and what is wrong with its value
     */
    public static ImageSpec from(Map<String, String> s, HostApt host, String hostArch) throws IOException {
        String hostname = maybe(s, "hostname");
        if (hostname == null) {
            throw new IllegalArgumentException("--hostname is required");
        }
        if (!hostname.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
                || hostname.length() > 253) {
            throw new IllegalArgumentException("hostname " + hostname + " is not a valid host name (letters, digits, '-' and '.')");
        }
        Optional<String> fromTemplate = Optional.ofNullable(maybe(s, "from-template"));
        String dist = maybe(s, "dist");
        if (dist == null) {
            dist = host.suite().orElseThrow(() -> new IllegalArgumentException(
                    "--dist is not given and the host's /etc/os-release has no VERSION_CODENAME to take it from"));
        }
        String installMethod = Optional.ofNullable(maybe(s, "install-method")).orElse("debootstrap");
        if (!INSTALL_METHODS.contains(installMethod)) {
            throw new IllegalArgumentException("install-method = " + installMethod + ": expected debootstrap, copy or tar");
        }
        if (installMethod.equals("debootstrap") && fromTemplate.isEmpty()
                && !Files.exists(DEBOOTSTRAP_SCRIPTS.resolve(dist))) {
            throw new IllegalArgumentException("unknown distribution " + dist + ": debootstrap has no script for it in "
                    + DEBOOTSTRAP_SCRIPTS + " (e.g. bookworm, trixie, jammy)");
        }
        Optional<Path> installSource = Optional.ofNullable(maybe(s, "install-source")).map(Path::of);
        if (!installMethod.equals("debootstrap")) {
            Path src = installSource.orElseThrow(() -> new IllegalArgumentException(
                    "install-method = " + installMethod + " needs --install-source"));
            if (installMethod.equals("copy") && !Files.isDirectory(src)) {
                throw new IllegalArgumentException("--install-source=" + src + " is not a directory (install-method copy)");
            }
            if (installMethod.equals("tar") && !Files.isRegularFile(src)) {
                throw new IllegalArgumentException("--install-source=" + src + " is not a file (install-method tar)");
            }
        }
        String arch = Optional.ofNullable(maybe(s, "arch")).orElse(hostArch);
        String mirror = Optional.ofNullable(maybe(s, "mirror")).orElse(null);
        if (mirror == null) {
            mirror = host.mirror(dist);
        }
        if (!mirror.matches("(https?|ftp|file)://\\S+")) {
            throw new IllegalArgumentException("mirror = " + mirror + " is not an http://, https://, ftp:// or file:// URL");
        }
        long size = Sizes.bytes("size", Optional.ofNullable(maybe(s, "size")).orElse("4G"), null);
        if (size < (256L << 20)) {
            throw new IllegalArgumentException("size = " + maybe(s, "size") + ": at least 256M is needed for a Debian system");
        }
        long swap = flag(s, "noswap") ? 0 : Sizes.bytes("swap", Optional.ofNullable(maybe(s, "swap")).orElse("512M"), null);
        long memory = Sizes.mib("memory", Optional.ofNullable(maybe(s, "memory")).orElse("256M"));
        long maxmem = maybe(s, "maxmem") == null ? 0 : Sizes.mib("maxmem", maybe(s, "maxmem"));
        if (maxmem != 0 && maxmem < memory) {
            throw new IllegalArgumentException("maxmem = " + maybe(s, "maxmem") + " is less than memory = " + memory + "M");
        }
        int vcpus = number(s, "vcpus", 1, 1, 128);
        String fs = Optional.ofNullable(maybe(s, "fs")).orElse("ext4");
        if (!FILESYSTEMS.contains(fs)) {
            throw new IllegalArgumentException("fs = " + fs + ": jxen builds ext2, ext3 and ext4 (mke2fs -d)");
        }
        String image = Optional.ofNullable(maybe(s, "image")).orElse("sparse");
        if (!image.equals("sparse") && !image.equals("full")) {
            throw new IllegalArgumentException("image = " + image + ": expected sparse or full");
        }
        String format = Optional.ofNullable(maybe(s, "format")).orElse("raw");
        if (!format.equals("raw") && !format.equals("qcow2")) {
            throw new IllegalArgumentException("format = " + format + ": expected raw or qcow2");
        }
        if (maybe(s, "lvm") != null || maybe(s, "zpool") != null || maybe(s, "evms") != null) {
            throw new IllegalArgumentException("--lvm, --zpool and --evms are not supported by jxen yet: use --dir");
        }
        String dirText = maybe(s, "dir");
        if (dirText == null) {
            throw new IllegalArgumentException("give --dir (or dir = in xen-tools.conf): where the images go");
        }
        Path dir = Path.of(dirText).toAbsolutePath();
        Network network = network(s);
        Optional<String> mac = Optional.ofNullable(maybe(s, "mac"));
        if (mac.isPresent() && !mac.get().matches("(?i)([0-9a-f]{2}:){5}[0-9a-f]{2}")) {
            throw new IllegalArgumentException("mac = " + mac.get() + " is not a MAC address (six hex bytes, 00:16:3e:12:34:56)");
        }
        if (mac.isPresent() && (Integer.parseInt(mac.get().substring(0, 2), 16) & 1) != 0) {
            throw new IllegalArgumentException("mac = " + mac.get() + " is a multicast address");
        }
        Optional<String> vifname = Optional.ofNullable(maybe(s, "vifname"));
        if (vifname.isPresent() && (vifname.get().length() > 15 || !vifname.get().matches("[A-Za-z0-9_.-]+"))) {
            throw new IllegalArgumentException("vifname = " + vifname.get() + " is not an interface name (15 characters at most)");
        }
        String hash = Optional.ofNullable(maybe(s, "hash_method")).orElse("sha512").toLowerCase(Locale.ROOT);
        if (!Set.of("md5", "sha256", "sha512").contains(hash)) {
            throw new IllegalArgumentException("hash_method = " + hash + ": expected md5, sha256 or sha512");
        }
        List<Path> keys = new ArrayList<>();
        String keyList = maybe(s, "ssh-key");
        if (keyList != null) {
            for (String k : keyList.split(",")) {
                Path p = Path.of(k.strip());
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException("--ssh-key=" + p + " cannot be read");
                }
                keys.add(p);
            }
        }
        List<String> roles = new ArrayList<>();
        String roleList = maybe(s, "role");
        Path roleDir = Path.of(Optional.ofNullable(maybe(s, "roledir")).orElse("/etc/xen-tools/role.d"));
        if (roleList != null) {
            for (String r : roleList.split(",")) {
                String name = r.strip();
                if (name.isEmpty()) {
                    continue;
                }
                if (!name.matches("[A-Za-z0-9_.-]+") || !Files.isExecutable(roleDir.resolve(name))) {
                    throw new IllegalArgumentException("role " + name + " is not an executable script in " + roleDir);
                }
                roles.add(name);
            }
        }
        boolean genpass = maybe(s, "genpass") == null || flag(s, "genpass");
        Optional<String> password = Optional.ofNullable(maybe(s, "password"));
        int genpassLen = number(s, "genpass_len", 12, 8, 64);
        Path output = Path.of(Optional.ofNullable(maybe(s, "output")).orElse("/etc/xen"));
        String extension = Optional.ofNullable(s.get("extension")).orElse(".cfg");
        if (extension.contains("/")) {
            throw new IllegalArgumentException("extension = " + extension + " contains '/'");
        }
        Path cacheDir = Path.of(Optional.ofNullable(maybe(s, "cachedir")).orElse("/var/cache/xen-tools/archives"));
        boolean cache = maybe(s, "cache") == null || flag(s, "cache");
        String serial = Optional.ofNullable(maybe(s, "serial_device")).orElse("ttyS0");
        Optional<String> variant = Optional.ofNullable(maybe(s, "variant"));
        if (variant.isPresent() && !Set.of("minbase", "buildd", "fakechroot").contains(variant.get())) {
            throw new IllegalArgumentException("variant = " + variant.get() + ": debootstrap's variants are minbase, buildd and fakechroot");
        }
        if (password.isEmpty() && !genpass && keys.isEmpty()) {
            throw new IllegalArgumentException("root could not log in: give --password, --genpass or --ssh-key");
        }
        return new ImageSpec(hostname, dist, arch, mirror, size, swap, memory, maxmem, vcpus, fs, image.equals("full"),
                format, dir, network, mac.map(m -> m.toLowerCase(Locale.ROOT)), Optional.ofNullable(maybe(s, "bridge")),
                vifname, password, genpass && password.isEmpty() ? genpassLen : 0, hash, List.copyOf(keys),
                List.copyOf(roles), roleDir, installMethod, installSource, flag(s, "pygrub"), output, extension,
                flag(s, "force"), cache, cacheDir, variant, serial, flag(s, "as-template"), fromTemplate);
    }


    private static int number(Map<String, String> s, String key, int def, int min, int max) {
        String v = maybe(s, key);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) {
                throw new IllegalArgumentException(key + " = " + v + ": expected " + min + " to " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " = " + v + " is not a whole number");
        }
    }

    private static Network network(Map<String, String> s) {
        String ip = maybe(s, "ip");
        boolean dhcp = flag(s, "dhcp");
        if (ip == null) {
            for (String k : List.of("gateway", "netmask", "broadcast")) {
                if (maybe(s, k) != null && !dhcp) {
                    throw new IllegalArgumentException("--" + k + " needs --ip");
                }
            }
            return new Network.Dhcp();
        }
        if (dhcp) {
            throw new IllegalArgumentException("--dhcp and --ip are exclusive: choose one");
        }
        String addr = ipv4("ip", ip.contains("/") ? ip.substring(0, ip.indexOf('/')) : ip);
        int prefix;
        if (ip.contains("/")) {
            prefix = prefix("ip", ip.substring(ip.indexOf('/') + 1));
        } else if (maybe(s, "netmask") != null) {
            prefix = netmaskPrefix(ipv4("netmask", maybe(s, "netmask")));
        } else {
            prefix = 24;
        }
        Optional<String> gw = Optional.ofNullable(maybe(s, "gateway")).map(g -> ipv4("gateway", g));
        List<String> ns = new ArrayList<>();
        String nsList = maybe(s, "nameserver");
        if (nsList != null) {
            for (String n : nsList.split("[ ,]+")) {
                if (!n.isEmpty()) {
                    ns.add(ipv4("nameserver", n));
                }
            }
        }
        Optional<String> bc = Optional.ofNullable(maybe(s, "broadcast")).map(b -> ipv4("broadcast", b));
        return new Network.Static(addr, prefix, gw, List.copyOf(ns), bc);
    }

    /** A dotted IPv4 address, checked without any name lookup. */
    static String ipv4(String key, String text) {
        String t = text.strip();
        if (!t.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException(key + " = " + text + " is not an IPv4 address (a.b.c.d)");
        }
        for (String part : t.split("\\.")) {
            if (Integer.parseInt(part) > 255) {
                throw new IllegalArgumentException(key + " = " + text + " is not an IPv4 address (" + part + " > 255)");
            }
        }
        try {
            return ((Inet4Address) InetAddress.getByName(t)).getHostAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException(key + " = " + text + " is not an IPv4 address");
        }
    }

    private static int prefix(String key, String text) {
        try {
            int p = Integer.parseInt(text);
            if (p < 1 || p > 32) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": /" + text + " is not a prefix length (1 to 32)");
        }
    }

    private static int netmaskPrefix(String mask) {
        long m = 0;
        for (String part : mask.split("\\.")) {
            m = m << 8 | Integer.parseInt(part);
        }
        int prefix = Long.bitCount(m);
        long expect = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        if (m != expect || prefix == 0) {
            throw new IllegalArgumentException("netmask = " + mask + " is not a netmask (contiguous ones, e.g. 255.255.255.0)");
        }
        return prefix;
    }
}
