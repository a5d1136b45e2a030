package org.jxen.provision.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What one {@code xen-create-image} run made, kept beside the image as {@link #NAME}: the
 * files (disks, kernel, initrd, config) that {@code xen-delete-image} may remove, and what
 * {@code xen-list-images} shows. One {@code key=value} per line; {@code file} repeats.
 */
public record Manifest(String hostname, String dist, long memoryMib, String network, String mac, boolean template,
        Optional<String> backing, Optional<Path> config, Path disk, String diskFormat, Optional<Path> kernel,
        Optional<Path> ramdisk, List<Path> files) {
    public static final String NAME = ".jxen-created";

    public Manifest {
        files = List.copyOf(files);
    }

    public void write(Path imageDir) throws IOException {
        StringBuilder b = new StringBuilder("# Written by jxen's xen-create-image: what xen-delete-image removes.\n");
        b.append("hostname=").append(hostname).append('\n');
        b.append("dist=").append(dist).append('\n');
        b.append("memory=").append(memoryMib).append('\n');
        b.append("network=").append(network).append('\n');
        b.append("mac=").append(mac).append('\n');
        b.append("template=").append(template).append('\n');
        backing.ifPresent(t -> b.append("backing=").append(t).append('\n'));
        config.ifPresent(c -> b.append("config=").append(c).append('\n'));
        b.append("disk=").append(disk).append('\n');
        b.append("format=").append(diskFormat).append('\n');
        kernel.ifPresent(k -> b.append("kernel=").append(k).append('\n'));
        ramdisk.ifPresent(r -> b.append("ramdisk=").append(r).append('\n'));
        for (Path f : files) {
            b.append("file=").append(f).append('\n');
        }
        Path tmp = imageDir.resolve(NAME + ".tmp");
        Files.writeString(tmp, b, StandardCharsets.UTF_8);
        Files.move(tmp, imageDir.resolve(NAME), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The manifest in {@code imageDir}, or empty when jxen did not make that directory's image. */
    public static Optional<Manifest> read(Path imageDir) throws IOException {
        Path f = imageDir.resolve(NAME);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        String hostname = null;
        String dist = "";
        long memory = 0;
        String network = "";
        String mac = "";
        boolean template = false;
        String backing = null;
        Path config = null;
        Path disk = null;
        String format = "raw";
        Path kernel = null;
        Path ramdisk = null;
        List<Path> files = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IOException(f + ":" + n + ": not key=value");
            }
            String k = line.substring(0, eq);
            String v = line.substring(eq + 1);
            switch (k) {
                case "hostname" -> hostname = v;
                case "dist" -> dist = v;
                case "memory" -> memory = Long.parseLong(v);
                case "network" -> network = v;
                case "mac" -> mac = v;
                case "template" -> template = Boolean.parseBoolean(v);
                case "backing" -> backing = v;
                case "config" -> config = Path.of(v);
                case "disk" -> disk = Path.of(v);
                case "format" -> format = v;
                case "kernel" -> kernel = Path.of(v);
                case "ramdisk" -> ramdisk = Path.of(v);
                case "file" -> files.add(Path.of(v));
                default -> { }
            }
        }
        if (hostname == null || disk == null) {
            throw new IOException(f + " is damaged (no hostname or disk)");
        }
        return Optional.of(new Manifest(hostname, dist, memory, network, mac, template, Optional.ofNullable(backing),
                Optional.ofNullable(config), disk, format, Optional.ofNullable(kernel), Optional.ofNullable(ramdisk), files));
    }

    /** Every image jxen made under {@code dir/domains}, by host name. */
    public static List<Manifest> all(Path dir) throws IOException {
        Path domains = dir.resolve("domains");
        if (!Files.isDirectory(domains)) {
            return List.of();
        }
        List<Manifest> out = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(domains)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
            read(d).ifPresent(out::add);
        }
        return out;
    }
}
