package org.jxen.vmm.boot;

import java.nio.file.Path;

import org.jxen.vmm.memory.AddressMap;

/**
 * What to boot: the kernel file, an optional initrd (a module for PVH and Multiboot), the
 * command line, the memory layout, and where the ACPI RSDP is (0 when there are no tables).
 */
public record BootSpec(Path kernel, Path initrd, String cmdline, AddressMap map, long rsdp) {
    public BootSpec {
        if (cmdline == null) {
            cmdline = "";
        }
    }
}
