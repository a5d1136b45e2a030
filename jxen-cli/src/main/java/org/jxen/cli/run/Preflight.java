package org.jxen.cli.run;

import java.nio.file.Files;
import java.nio.file.Path;

import org.jxen.vmm.boot.BootException;
import org.jxen.vmm.boot.BootSpec;
import org.jxen.vmm.boot.KernelLoader;

/**
 * The checks of jxen-run's command line that need no KVM, made before {@code /dev/kvm} is
 * used, so that a bad option or file is reported as such on any host (one without KVM too)
 * and before a VM is half built. The kernel's format is recognised here as well, by the boot
 * package's own probe, so a file that is no kernel fails here with the loader's message.
 *
 * <p>Thread: main, while {@link Prewarm} opens KVM on its own thread.
 */
final class Preflight {
    private Preflight() {}

    /** Checks that {@code --timeout}, when given, is a number of seconds above zero. */
    static void timeout(Double seconds) throws UsageException {
        if (seconds != null && !(seconds > 0)) {
            throw new UsageException("--timeout " + seconds + " (expected: a number of seconds > 0)");
        }
    }

    /**
     * Checks that {@code kernel} is a readable, non-empty regular file in a format jxen boots.
     * Reads the whole file once ({@link KernelLoader#probe}); the machine reads it again to load
     * it, from the page cache.
     */
    static void kernel(Path kernel) throws UsageException {
        if (kernel == null) {
            throw new UsageException("--kernel is required (try 'jxen-run --help')");
        }
        file(kernel, "kernel");
        try {
            // probe looks at the kernel file only: no memory layout, initrd or RSDP is needed.
            KernelLoader.probe(new BootSpec(kernel, null, "", null, 0));
        } catch (BootException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Checks that {@code initrd}, when given, is a readable, non-empty regular file. */
    static void initrd(Path initrd) throws UsageException {
        if (initrd != null) {
            file(initrd, "initrd");
        }
    }

    /**
     * A file jxen-run reads: it exists, is a regular file (not a directory, device or FIFO,
     * whose size says nothing and whose reads may block), can be read and is not empty.
     */
    static void file(Path path, String what) throws UsageException {
        // Path.of("") is the current directory: say what the user wrote, not "Is a directory".
        if (path.toString().isEmpty()) {
            throw new UsageException(what + " path is empty (expected: --" + what + " FILE)");
        }
        if (!Files.exists(path)) {
            throw new UsageException(what + " " + path + " does not exist");
        }
        if (Files.isDirectory(path)) {
            throw new UsageException(what + " " + path + " is a directory (expected: a file)");
        }
        if (!Files.isRegularFile(path)) {
            throw new UsageException(what + " " + path + " is not a regular file (expected: a file, not a device or FIFO)");
        }
        if (!Files.isReadable(path)) {
            throw new UsageException(what + " " + path + " is not readable (permission denied)");
        }
        long size;
        try {
            size = Files.size(path);
        } catch (java.io.IOException e) {
            throw new UsageException("cannot read " + what + " " + path + ": " + e.getMessage());
        }
        if (size == 0) {
            throw new UsageException(what + " " + path + " is empty");
        }
    }
}
