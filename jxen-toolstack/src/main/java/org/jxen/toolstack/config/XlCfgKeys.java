package org.jxen.toolstack.config;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every top-level key that xl.cfg(5) documents, with its section of the man page, so that a key
 * jxen does not act on yet is named in a warning instead of being ignored in silence. The table
 * is data: {@link #XL_CFG_4_17} is the man page Debian ships ({@code xen-utils-common}
 * 4.17.5+72-g01140da4e8-1, {@code /usr/share/man/man5/xl.cfg.5.gz}; a test checks it against
 * that file), {@link #XL_CFG_LATER} the keys added after 4.17 (Xen's
 * {@code docs/man/xl.cfg.5.pod.in} at commit 42aeed3b533bce6accbd9e0c2545cd850ae7c178).
 * Which of them jxen implements is {@link DomainConfigReader#IMPLEMENTED}.
 */
public final class XlCfgKeys {
    /** One documented key. {@code since} is {@code "4.17"} or {@code "after 4.17"}. */
    public record Key(String name, String section, String since) {}

    /** Section: keys, a line each, in the man page's order (a key under two sections is listed under its first). */
    static final String XL_CFG_4_17 = """
            Mandatory Configuration Items: name
            Selecting Guest Type: type
            Deprecated guest type selection: builder
            CPU Allocation: pool vcpus maxvcpus cpus cpus_soft
            CPU Scheduling: cpu_weight cap
            Memory Allocation: memory maxmem
            Guest Virtual NUMA Configuration: vnuma
            Event Actions: on_poweroff on_reboot on_watchdog on_crash on_soft_reset
            Direct Kernel Boot: kernel ramdisk cmdline root extra
            Non direct Kernel Boot: firmware
            PVH guest options: pvshim pvshim_path pvshim_cmdline pvshim_extra
            Other Options: uuid seclabel init_seclabel max_grant_frames max_maptrack_frames max_grant_version \
            nomigrate driver_domain device_tree passthrough xend_suspend_evtchn_compat vmtrace_buf_kb vpmu
            Devices: disk vif vtpm p9 pvcalls vfb channel rdm usbctrl usbdev pci pci_permissive pci_msitranslate \
            pci_seize pci_power_mgmt gfx_passthru rdm_mem_boundary dtdev ioports iomem irqs max_event_channels vdispl \
            dm_restrict device_model_user vsnd vkb tee
            Paravirtualised (PV) Guest Specific Options: bootloader bootloader_args e820_host
            Boot Device: boot
            Emulated disk controller type: hdtype
            Paging: hap oos shadow_memory
            Processor and Platform Features: bios bios_path_override pae acpi acpi_s3 acpi_s4 acpi_laptop_slate apic \
            nx hpet altp2m altp2mhvm nestedhvm cpuid acpi_firmware smbios_firmware ms_vm_genid
            Guest Virtual Time Controls: tsc_mode localtime rtc_timeoffset vpt_align timer_mode
            Memory layout: mmio_hole
            Support for Paravirtualisation of HVM Guests: xen_platform_pci viridian
            Emulated VGA Graphics Device: videoram stdvga vga vnc vnclisten vncdisplay vncunused vncpasswd keymap sdl \
            opengl nographic
            Spice Graphics Support: spice spicehost spiceport spicetls_port spicedisable_ticketing spicepasswd \
            spiceagent_mouse spicevdagent spice_clipboard_sharing spiceusbredirection spice_image_compression \
            spice_streaming_video
            Miscellaneous Emulated Hardware: serial soundhw vkb_device usb usbversion usbdevice vendor_device
            Device-Model Options: device_model_version device_model_override stubdomain_kernel stubdomain_cmdline \
            stubdomain_ramdisk stubdomain_memory device_model_stubdomain_override device_model_stubdomain_seclabel \
            device_model_args device_model_args_pv device_model_args_hvm
            Architecture Specific options, ARM: gic_version vuart
            Architecture Specific options, x86: mca_caps msr_relaxed
            """;

    /** The same for keys documented after Xen 4.17. */
    static final String XL_CFG_LATER = """
            Xenstore related settings: xenstore_feature_mask xenstore_quota
            Devices: virtio
            Paravirtualised (PV) Guest Specific Options: bootloader_restrict bootloader_user
            Processor and Platform Features: altp2m_count smbios
            Support for Paravirtualisation of HVM Guests: xen_platform_pci_bar_uc hvm_pirq
            Architecture Specific options, ARM: sve llc_colors nr_spis trap_unmapped_accesses arm_sci
            """;

    private static final Map<String, Key> KEYS = load();

    private XlCfgKeys() {}

    private static Map<String, Key> load() {
        Map<String, Key> keys = new LinkedHashMap<>();
        add(keys, XL_CFG_4_17, "4.17");
        add(keys, XL_CFG_LATER, "after 4.17");
        return Collections.unmodifiableMap(keys);
    }

    private static void add(Map<String, Key> keys, String table, String since) {
        for (String line : table.strip().split("\n")) {
            int colon = line.lastIndexOf(": ");
            String section = line.substring(0, colon);
            for (String name : line.substring(colon + 2).split(" ")) {
                keys.putIfAbsent(name, new Key(name, section, since));
            }
        }
    }

    /** The documented key {@code name}, if xl.cfg(5) has it. */
    public static Optional<Key> lookup(String name) {
        return Optional.ofNullable(KEYS.get(name));
    }

    /** Every documented key, in the man page's order. */
    public static Collection<Key> all() {
        return KEYS.values();
    }

    /** Whether jxen acts on {@code name} (a key of {@link DomainConfigSpec}). */
    public static boolean implemented(String name) {
        return DomainConfigReader.IMPLEMENTED.contains(name);
    }
}
