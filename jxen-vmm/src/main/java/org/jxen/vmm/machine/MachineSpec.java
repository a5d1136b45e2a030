package org.jxen.vmm.machine;

import java.nio.file.Path;

/**
 * What to build: a name, memory in MiB, the vCPU count and what to boot.
 *
 * @param name the domain name, for threads, logs and the memfd
 * @param memoryMib RAM in MiB
 * @param vcpus vCPU count
 * @param kernel kernel image (PVH ELF, Multiboot or bzImage)
 * @param initrd initial ramdisk or module, or null
 * @param cmdline kernel command line
 */
public record MachineSpec(String name, long memoryMib, int vcpus, Path kernel, Path initrd, String cmdline) {
    /** Smallest memory jxen gives a guest: room for the boot structures, ACPI tables and a small kernel. */
    public static final long MIN_MEMORY_MIB = 4;
    /** Largest memory: AddressMap's limit (64 TiB), far beyond any host jxen runs on. */
    public static final long MAX_MEMORY_MIB = 64L << 20;
    /** Largest vCPU count: the MADT's 8-bit APIC ids (x2APIC entries are not written yet). */
    public static final int MAX_VCPUS = 255;

    public MachineSpec {
        if (cmdline == null) {
            cmdline = "";
        }
    }
}
