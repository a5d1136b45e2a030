package org.jxen.provision.bootloader;

import java.util.List;

/**
 * One way to boot a guest, as a GRUB menu entry describes it: its title, the kernel's path and
 * the initrds' paths inside the guest's filesystem, and the kernel's command line.
 */
public record BootEntry(String title, String kernel, List<String> initrds, String args) {
    public BootEntry {
        initrds = List.copyOf(initrds);
    }
}
