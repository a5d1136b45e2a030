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
    /** The longest memfd name, without its NUL: MFD_NAME_MAX_LEN in mm/memfd.c, see memfd_create(2). */
    static final int MEMFD_NAME_MAX = 249;
    /** What GuestMemory.create puts before the domain name to name the guest RAM's memfd. */
    static final String GUEST_MEMORY_PREFIX = "jxen-";
    /** The longest --name, in UTF-8 bytes: what the memfd name leaves after the prefix. */
    static final int NAME_MAX = MEMFD_NAME_MAX - GUEST_MEMORY_PREFIX.length();

    private Preflight() {}

    /**
     * Checks {@code --name}: present (xl: "Domain name must be specified"), printable (it goes
     * into logs, thread names and messages), short enough for the memfd that backs guest RAM,
     * and not all digits, which xl takes for a domain id (libxl_domain_qualifier_to_domid), so
     * such a domain could not be named to xl.
     */
    static void name(String name) throws UsageException {
        if (name.isEmpty()) {
            throw new UsageException("--name is empty (expected: a domain name)");
        }
        if (Printable.hasControl(name)) {
            throw new UsageException("--name '" + name + "' contains a control character (expected: printable characters)");
        }
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > NAME_MAX) {
            throw new UsageException("--name is " + bytes + " bytes long (expected: at most " + NAME_MAX
                    + " bytes in UTF-8, what a memfd name holds after '" + GUEST_MEMORY_PREFIX + "')");
        }
        if (name.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new UsageException("--name " + name + " is all digits, which xl reads as a domain id "
                    + "(expected: a name with at least one other character)");
        }
    }

    /** Checks that {@code --timeout}, when given, is a number of seconds above zero. */
    static void timeout(Double seconds) throws UsageException {
        if (seconds != null && !(seconds > 0)) {
            throw new UsageException("--timeout " + Printable.seconds(seconds) + " (expected: a number of seconds > 0)");
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
