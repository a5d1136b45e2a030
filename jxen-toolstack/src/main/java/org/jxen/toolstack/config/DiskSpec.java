package org.jxen.toolstack.config;

import java.util.List;
import java.util.Optional;

/**
 * One {@code disk = [ ... ]} entry (xl-disk-configuration(5)), with the fields and defaults of
 * libxl's {@code libxl_device_disk} as {@code xlu_disk_parse} fills them. Parse with
 * {@link #parse(Location, String...)}.
 *
 * @param backendDomain {@code backend=}: the driver domain's name (absent: Domain-0)
 * @param target {@code target}, libxl's {@code pdev_path}: a path, or what {@code script} reads;
 *     absent only for an empty removable drive
 * @param vdev the guest's name for the disk ({@code xvda}, {@code hdc}, ...); always set
 * @param backend {@code backendtype=}
 * @param format {@code format}; {@code RAW} when not given, {@code EMPTY} for an empty CD-ROM
 * @param script {@code script=} or a deprecated {@code iscsi:}-style prefix ({@code block-iscsi})
 * @param removable set for CD-ROMs
 * @param readwrite false for {@code access=ro} and every CD-ROM
 * @param cdrom {@code devtype=cdrom}
 * @param directIoSafe {@code direct-io-safe}
 * @param discard {@code discard} / {@code no-discard}; absent: the backend's default
 * @param specification {@code specification=}
 * @param colo {@code colo} / {@code no-colo}
 * @param coloHost {@code colo-host=}
 * @param coloPort {@code colo-port=}; 0 when not given
 * @param coloExport {@code colo-export=}
 * @param activeDisk {@code active-disk=}
 * @param hiddenDisk {@code hidden-disk=}
 * @param trusted {@code trusted} / {@code untrusted}; absent: trusted
 * @param grantUsage {@code grant_usage=1|0} (Xen 4.18); absent: automatic
 */
public record DiskSpec(
        Optional<String> backendDomain,
        Optional<String> target,
        String vdev,
        Backend backend,
        Format format,
        Optional<String> script,
        boolean removable,
        boolean readwrite,
        boolean cdrom,
        boolean directIoSafe,
        Optional<Boolean> discard,
        Specification specification,
        Optional<Boolean> colo,
        Optional<String> coloHost,
        int coloPort,
        Optional<String> coloExport,
        Optional<String> activeDisk,
        Optional<String> hiddenDisk,
        Optional<Boolean> trusted,
        Optional<Boolean> grantUsage) {

    /** libxl's {@code libxl_disk_format}; {@code UNKNOWN} never leaves the parser. */
    public enum Format {
        UNKNOWN, QCOW, QCOW2, VHD, RAW, EMPTY, QED;

        /** The name xl.cfg and libxl's JSON use. */
        public String xlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** libxl's {@code libxl_disk_backend}; {@code UNKNOWN} lets the toolstack choose. */
    public enum Backend {
        UNKNOWN, PHY, TAP, QDISK, STANDALONE;

        public String xlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** libxl's {@code libxl_disk_specification}; {@code UNKNOWN} means Xen's PV protocol. */
    public enum Specification {
        UNKNOWN, XEN, VIRTIO;

        public String xlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Parses one disk from one or more spec strings (more than one only from {@code xl
     * block-attach}, whose arguments all describe the same disk), as {@code xlu_disk_parse}
     * does: positional {@code target,format,vdev,access}, {@code key=value} and flags in any
     * order, the deprecated prefixes, and the checks after the last string.
     *
     * @param where the spec's place (a disk list element, or the command line), for messages
     */
    public static DiskSpec parse(Location where, String... specs) throws ConfigException {
        return DiskSpecParser.parse(where, List.of(specs));
    }

    /**
     * libxl's JSON of this disk ({@code libxl_device_disk_to_json}): the fields in libxl's order,
     * those at their default left out. It is what {@code xl -N block-attach} prints, so Xen's
     * {@code check-xl-disk-parse} expectations apply to it unchanged.
     */
    public String toLibxlJson() {
        LibxlJson json = new LibxlJson();
        json.string("backend_domname", backendDomain);
        json.string("pdev_path", target);
        json.string("vdev", Optional.of(vdev));
        json.enumeration("backend", backend == Backend.UNKNOWN ? null : backend.xlName());
        json.enumeration("format", format == Format.UNKNOWN ? null : format.xlName());
        json.string("script", script);
        json.integer("removable", removable ? 1 : 0);
        json.integer("readwrite", readwrite ? 1 : 0);
        json.integer("is_cdrom", cdrom ? 1 : 0);
        json.bool("direct_io_safe", directIoSafe);
        json.defbool("discard_enable", discard);
        json.enumeration("specification", specification == Specification.UNKNOWN ? null : specification.xlName());
        json.defbool("colo_enable", colo);
        json.string("colo_host", coloHost);
        json.integer("colo_port", coloPort);
        json.string("colo_export", coloExport);
        json.string("active_disk", activeDisk);
        json.string("hidden_disk", hiddenDisk);
        json.defbool("trusted", trusted);
        json.defbool("grant_usage", grantUsage);
        return json.close();
    }
}
