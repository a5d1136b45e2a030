package org.jxen.toolstack.config;

import java.util.Locale;

/**
 * The guest type of xl.cfg(5)'s {@code type} (libxl's {@code libxl_domain_type}). jxen runs PVH
 * natively, PV as PVH (KVM has no PV mode), and HVM with direct kernel boot until it has firmware.
 */
public enum GuestType {
    PV, PVH, HVM;

    /** The xl.cfg spelling. */
    public String xlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * xl's reading of {@code type}: the value may be any prefix of a type name, tried in the
     * order hvm, pv, pvh ({@code strncmp(buf, "hvm", strlen(buf))} in {@code parse_config_data}),
     * so {@code "h"} and even {@code ""} mean hvm and {@code "p"} means pv.
     *
     * @return null when nothing matches
     */
    static GuestType fromType(String value) {
        if ("hvm".startsWith(value)) {
            return HVM;
        }
        if ("pv".startsWith(value)) {
            return PV;
        }
        return "pvh".startsWith(value) ? PVH : null;
    }

    /** The deprecated {@code builder}: a prefix of {@code hvm}, or of {@code generic} (PV); null otherwise. */
    static GuestType fromBuilder(String value) {
        if ("hvm".startsWith(value)) {
            return HVM;
        }
        return "generic".startsWith(value) ? PV : null;
    }
}
