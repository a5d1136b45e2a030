package org.jxen.provision.bootloader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.toolstack.domain.Bootloader;

/**
 * {@code bootloader = "pygrub"} for jxend: {@link Pygrub} on the domain's first disk (raw or
 * qcow2, opened read-only), with {@code bootloader_args} as pygrub's options; the kernel and
 * initrd are written as {@code kernel} and {@code ramdisk} in the output directory.
 */
public final class PygrubBootloader implements Bootloader {
    @Override
    public boolean handles(String name) {
        Path p = Path.of(name).getFileName();
        return p != null && p.toString().equals("pygrub");
    }

    @Override
    public Loaded load(List<String> args, Path disk, Path outputDir) throws IOException {
        Pygrub.Choice choice = Pygrub.Choice.parse(args);
        try (BlockBackend d = BlockBackends.open(disk, BlockBackends.Format.DETECT, true)) {
            Pygrub.Boot boot = Pygrub.load(Pygrub.scan(d), choice);
            Path kernel = outputDir.resolve("kernel");
            Files.write(kernel, boot.kernel());
            Optional<Path> ramdisk = Optional.empty();
            if (boot.ramdisk().isPresent()) {
                ramdisk = Optional.of(outputDir.resolve("ramdisk"));
                Files.write(ramdisk.get(), boot.ramdisk().get());
            }
            return new Loaded(kernel, ramdisk, boot.entry().args());
        }
    }
}
