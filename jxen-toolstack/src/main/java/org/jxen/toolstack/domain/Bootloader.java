package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code bootloader =} in xl.cfg runs before each boot of a domain (libxl's bootloader
 * step): it looks inside the domain's first disk and says which kernel, initrd and command line
 * to boot. The implementation (pygrub's job) lives in the provisioning layer, above this one;
 * jxend's main hands it to the {@link DomainManager} ({@link DomainManager#useBootloader}), so
 * no dependency runs upward (ARCHITECTURE.md).
 */
public interface Bootloader {
    /** The kernel and initrd, written as files under the output directory, and the command line. */
    record Loaded(Path kernel, Optional<Path> ramdisk, String cmdline) {}

    /**
     * Whether {@code name} (the config's {@code bootloader =}: "pygrub", or a path to it) is this one.
     */
    boolean handles(String name);

    /**
     * Chooses and extracts the kernel from {@code disk} into {@code outputDir}.
     *
     * @param args the config's {@code bootloader_args}
     * @throws IOException with one sentence: no menu, a damaged image, a bad argument
     */
    Loaded load(List<String> args, Path disk, Path outputDir) throws IOException;
}
