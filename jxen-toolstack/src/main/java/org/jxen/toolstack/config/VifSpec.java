package org.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One {@code vif = [ ... ]} entry (xl-network-configuration(5)), with the fields of libxl's
 * {@code libxl_device_nic} as xl's {@code parse_nic_config} ({@code tools/xl/xl_parse.c}) and
 * libxlu's {@code xlu_vif_parse_rate} fill them. Every field is optional; defaults (a random MAC
 * in Xen's 00:16:3e space, bridge {@code xenbr0}, script {@code vif-bridge}) are the domain
 * layer's.
 *
 * @param backendDomain {@code backend=}
 * @param devid {@code devid=}; absent: the entry's index
 * @param mtu {@code mtu=}; absent: 1500, or the bridge's
 * @param vlan {@code vlan=}
 * @param model {@code model=} (HVM emulated NIC)
 * @param mac {@code mac=}, as six two-digit lower-case hex bytes separated by colons
 * @param ip {@code ip=}
 * @param bridge {@code bridge=}
 * @param vifname {@code vifname=}, libxl's {@code ifname}
 * @param script {@code script=}
 * @param type {@code type=}
 * @param rate {@code rate=}
 * @param gatewaydev {@code gatewaydev=} (or the deprecated {@code netdev=})
 * @param colo the COLO keys ({@code forwarddev}, {@code colo_*}) by libxl field name, in libxl's
 *     order; xl marks them unstable
 * @param trusted {@code trusted} / {@code untrusted}
 */
public record VifSpec(
        Optional<String> backendDomain,
        OptionalInt devid,
        OptionalInt mtu,
        Optional<String> vlan,
        Optional<String> model,
        Optional<String> mac,
        Optional<String> ip,
        Optional<String> bridge,
        Optional<String> vifname,
        Optional<String> script,
        NicType type,
        Optional<Rate> rate,
        Optional<String> gatewaydev,
        Map<String, String> colo,
        Optional<Boolean> trusted) {

    public VifSpec {
        colo = Collections.unmodifiableMap(new LinkedHashMap<>(colo));
    }

    /** libxl's {@code libxl_nic_type}. */
    public enum NicType {
        UNKNOWN, VIF_IOEMU, VIF
    }

    /**
     * Credit-based rate limit: {@code bytesPerInterval} bytes every {@code intervalUsecs}
     * microseconds (libxl's {@code rate_bytes_per_interval}, {@code rate_interval_usecs};
     * unsigned 64 and 32 bits there).
     */
    public record Rate(long bytesPerInterval, long intervalUsecs) {}

    /** The libxl field names of the COLO keys, in libxl's order (also their xl.cfg names but one). */
    static final List<String> COLO_FIELDS = List.of(
            "coloft_forwarddev",
            "colo_sock_mirror_id", "colo_sock_mirror_ip", "colo_sock_mirror_port",
            "colo_sock_compare_pri_in_id", "colo_sock_compare_pri_in_ip", "colo_sock_compare_pri_in_port",
            "colo_sock_compare_sec_in_id", "colo_sock_compare_sec_in_ip", "colo_sock_compare_sec_in_port",
            "colo_sock_compare_notify_id", "colo_sock_compare_notify_ip", "colo_sock_compare_notify_port",
            "colo_sock_redirector0_id", "colo_sock_redirector0_ip", "colo_sock_redirector0_port",
            "colo_sock_redirector1_id", "colo_sock_redirector1_ip", "colo_sock_redirector1_port",
            "colo_sock_redirector2_id", "colo_sock_redirector2_ip", "colo_sock_redirector2_port",
            "colo_filter_mirror_queue", "colo_filter_mirror_outdev",
            "colo_filter_redirector0_queue", "colo_filter_redirector0_indev", "colo_filter_redirector0_outdev",
            "colo_filter_redirector1_queue", "colo_filter_redirector1_indev", "colo_filter_redirector1_outdev",
            "colo_compare_pri_in", "colo_compare_sec_in", "colo_compare_out", "colo_compare_notify_dev",
            "colo_sock_sec_redirector0_id", "colo_sock_sec_redirector0_ip", "colo_sock_sec_redirector0_port",
            "colo_sock_sec_redirector1_id", "colo_sock_sec_redirector1_ip", "colo_sock_sec_redirector1_port",
            "colo_filter_sec_redirector0_queue", "colo_filter_sec_redirector0_indev",
            "colo_filter_sec_redirector0_outdev",
            "colo_filter_sec_redirector1_queue", "colo_filter_sec_redirector1_indev",
            "colo_filter_sec_redirector1_outdev",
            "colo_filter_sec_rewriter0_queue", "colo_checkpoint_host", "colo_checkpoint_port");

    /**
     * Parses a vif list entry as xl does: comma-separated {@code key=value} and flags, blanks
     * before each skipped, empty pieces ignored. A piece xl does not know is reported through
     * {@code warnings} and ignored, as xl does in a config file ("unrecognized argument").
     *
     * @param where the entry's place, for messages
     */
    public static VifSpec parse(Location where, String spec, Consumer<ConfigWarning> warnings) throws ConfigException {
        Builder b = new Builder(where, spec);
        for (String piece : spec.split(",", -1)) {
            if (piece.isEmpty()) {
                continue; // strtok(3) skips empty pieces
            }
            String token = piece.replaceFirst("^ +", "");
            if (!b.piece(token, warnings)) {
                warnings.accept(new ConfigWarning(where, "vif", "unrecognized argument `" + token + "' in vif specification"));
            }
        }
        return b.build();
    }

    /**
     * Parses {@code xl network-attach} arguments: each is one {@code key=value} or flag (no
     * comma splitting), and one xl does not know is an error, as there.
     */
    public static VifSpec parseArguments(Location where, List<String> arguments, Consumer<ConfigWarning> warnings)
            throws ConfigException {
        Builder b = new Builder(where, String.join(" ", arguments));
        for (String token : arguments) {
            if (!b.piece(token, warnings)) {
                throw new ConfigException(where, "vif", "unrecognized argument `" + token + "'");
            }
        }
        return b.build();
    }

    /**
     * libxl's JSON of this NIC ({@code libxl_device_nic_to_json}): libxl's field order, defaults
     * left out; what {@code xl -N network-attach} prints (Xen's {@code check-xl-vif-parse}).
     */
    public String toLibxlJson() {
        LibxlJson json = new LibxlJson();
        json.string("backend_domname", backendDomain);
        if (devid.isPresent()) {
            json.integer("devid", devid.getAsInt());
        }
        json.integer("mtu", mtu.orElse(0));
        json.string("vlan", vlan);
        json.string("model", model);
        json.string("mac", mac);
        json.string("ip", ip);
        json.string("bridge", bridge);
        json.string("ifname", vifname);
        json.string("script", script);
        json.enumeration("nictype", switch (type) {
            case UNKNOWN -> null;
            case VIF_IOEMU -> "vif_ioemu";
            case VIF -> "vif";
        });
        json.integer("rate_bytes_per_interval", rate.map(Rate::bytesPerInterval).orElse(0L));
        json.integer("rate_interval_usecs", rate.map(Rate::intervalUsecs).orElse(0L));
        json.string("gatewaydev", gatewaydev);
        for (String field : COLO_FIELDS) {
            json.string(field, Optional.ofNullable(colo.get(field)));
        }
        json.defbool("trusted", trusted);
        return json.close();
    }

    /** The fields while a spec is read; the order of checks is {@code parse_nic_config}'s. */
    private static final class Builder {
        private final Location where;
        private final String spec;
        private final Map<String, String> strings = new LinkedHashMap<>();
        private final Map<String, String> colo = new LinkedHashMap<>();
        private OptionalInt devid = OptionalInt.empty();
        private OptionalInt mtu = OptionalInt.empty();
        private String mac;
        private NicType type = NicType.UNKNOWN;
        private Rate rate;
        private Optional<Boolean> trusted = Optional.empty();

        Builder(Location where, String spec) {
            this.where = where;
            this.spec = spec;
        }

        /** One piece; false when xl would say "unrecognized argument". */
        boolean piece(String token, Consumer<ConfigWarning> warnings) throws ConfigException {
            if (token.equals("trusted") || token.equals("untrusted")) {
                trusted = Optional.of(token.equals("trusted"));
                return true;
            }
            int eq = token.indexOf('=');
            if (eq < 0) {
                return false;
            }
            String key = token.substring(0, eq);
            String value = token.substring(eq + 1);
            switch (key) {
                case "type" -> type = switch (value) {
                    case "vif" -> NicType.VIF;
                    case "ioemu" -> NicType.VIF_IOEMU;
                    default -> throw invalid("type", value, "vif or ioemu");
                };
                case "mac" -> mac = mac(value);
                case "bridge", "gatewaydev", "ip", "script", "backend", "vifname", "model", "vlan" -> strings.put(key, value);
                case "netdev" -> {
                    warnings.accept(new ConfigWarning(where, "vif",
                            "the netdev parameter is deprecated, please use gatewaydev instead"));
                    strings.put("gatewaydev", value);
                }
                case "rate" -> rate = rate(where, value);
                case "accel" -> warnings.accept(new ConfigWarning(where, "vif",
                        "the accel parameter for vifs is currently not supported"));
                case "devid" -> devid = OptionalInt.of(number(key, value));
                case "mtu" -> mtu = OptionalInt.of(number(key, value));
                case "forwarddev" -> colo.put("coloft_forwarddev", value);
                default -> {
                    if (!key.startsWith("colo_") || !COLO_FIELDS.contains(key)) {
                        return false;
                    }
                    colo.put(key, value);
                }
            }
            return true;
        }

        private ConfigException invalid(String key, String value, String expected) {
            return new ConfigException(where, "vif",
                    "Invalid parameter `" + key + "' in vif specification `" + spec + "': `" + value + "', expected " + expected);
        }

        /**
         * Six bytes in hex, separated by ':' (the man page) or '-'. xl takes any separator and
         * ignores what follows the sixth byte; a MAC that xl reads differently from what it
         * shows is refused here.
         */
        private String mac(String value) throws ConfigException {
            if (!MAC.matcher(value).matches()) {
                throw invalid("mac", value, "six hex bytes separated by colons, like 00:16:3e:74:3d:76");
            }
            byte[] out = new byte[6];
            String[] parts = value.split("[:-]");
            for (int i = 0; i < 6; i++) {
                out[i] = (byte) Integer.parseInt(parts[i], 16);
            }
            return HexFormat.ofDelimiter(":").formatHex(out);
        }

        private static final Pattern MAC = Pattern.compile("\\p{XDigit}{1,2}([:-]\\p{XDigit}{1,2}){5}");

        /** xl's {@code parse_ulong} for devid and mtu, without the junk it lets trail. */
        private int number(String key, String value) throws ConfigException {
            CNumbers.Parsed n = CNumbers.strtoul(value, 0, 10);
            boolean digits = !value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9');
            if (!digits || n.overflow() || n.value() > Integer.MAX_VALUE) {
                throw new ConfigException(where, "vif",
                        "xl: failed to convert \"" + value + "\" to number for `" + key + "' in vif specification `" + spec
                                + "' (expected 0 to " + Integer.MAX_VALUE + ")");
            }
            return (int) n.value();
        }

        VifSpec build() {
            return new VifSpec(Optional.ofNullable(strings.get("backend")), devid, mtu,
                    Optional.ofNullable(strings.get("vlan")), Optional.ofNullable(strings.get("model")),
                    Optional.ofNullable(mac), Optional.ofNullable(strings.get("ip")),
                    Optional.ofNullable(strings.get("bridge")), Optional.ofNullable(strings.get("vifname")),
                    Optional.ofNullable(strings.get("script")), type, Optional.ofNullable(rate),
                    Optional.ofNullable(strings.get("gatewaydev")), orderedColo(), trusted);
        }

        private Map<String, String> orderedColo() {
            Map<String, String> out = new LinkedHashMap<>();
            for (String f : COLO_FIELDS) {
                if (colo.containsKey(f)) {
                    out.put(f, colo.get(f));
                }
            }
            return out;
        }
    }

    private static final Pattern BYTES_PER_SEC = Pattern.compile("[0-9]+[GMK]?[Bb]/s");
    private static final Pattern INTERVAL = Pattern.compile("[0-9]+[mu]?s?");
    private static final long UINT32_MAX = 0xffff_ffffL;
    /** Default replenishment interval, 50 ms ({@code xlu_vif_parse_rate}). */
    private static final long DEFAULT_INTERVAL_USECS = 50_000;

    /**
     * {@code xlu_vif_parse_rate}: {@code RATE[@INTERVAL]}, RATE in bytes or bits per second with
     * an optional K, M or G (powers of 1000), INTERVAL in s (default), ms or us. Numbers go
     * through {@code strtoull(s, &end, 0)} there, so {@code 010MB/s} is 8 MB/s; kept.
     */
    static Rate rate(Location where, String text) throws ConfigException {
        int at = text.indexOf('@');
        String amount = at < 0 ? text : text.substring(0, at);
        if (amount.isEmpty()) {
            throw vifError(where, "no rate specified", text);
        }
        if (!BYTES_PER_SEC.matcher(amount).matches()) {
            throw vifError(where, "invalid rate", amount);
        }
        CNumbers.Parsed n = CNumbers.strtoul(amount, 0, 0);
        if (n.value() == 0 || n.overflow() || Long.compareUnsigned(n.value(), UINT32_MAX) > 0) {
            throw vifError(where, "rate overflow", amount);
        }
        long bytesPerSec = n.value();
        char unit = amount.charAt(n.end());
        bytesPerSec *= switch (unit) {
            case 'G' -> 1_000_000_000L;
            case 'M' -> 1_000_000L;
            case 'K' -> 1_000L;
            default -> 1L;
        };
        if (unit == 'b' || amount.charAt(n.end() + 1) == 'b') {
            bytesPerSec /= 8;
        }
        long usecs = DEFAULT_INTERVAL_USECS;
        if (at >= 0) {
            String interval = text.substring(at + 1);
            if (!INTERVAL.matcher(interval).matches()) {
                throw vifError(where, "invalid replenishment interval", interval);
            }
            CNumbers.Parsed i = CNumbers.strtoul(interval, 0, 0);
            if (i.value() == 0 || i.overflow() || Long.compareUnsigned(i.value(), UINT32_MAX) > 0) {
                throw vifError(where, "replenishment interval overflow", interval);
            }
            char u = i.end() < interval.length() ? interval.charAt(i.end()) : 's';
            usecs = i.value() * (u == 's' ? 1_000_000L : u == 'm' ? 1_000L : 1L);
            if (usecs > UINT32_MAX) {
                throw vifError(where, "replenishment interval overflow", interval);
            }
        }
        if (Long.compareUnsigned(bytesPerSec, Long.divideUnsigned(-1L, usecs)) > 0) {
            throw vifError(where, "rate overflow", text);
        }
        return new Rate(Long.divideUnsigned(bytesPerSec * usecs, 1_000_000L), usecs);
    }

    /** {@code xlu__vif_err}'s words. */
    private static ConfigException vifError(Location where, String message, String text) {
        return new ConfigException(where, "vif", "config parsing error in vif: " + message + " in `" + text + "'");
    }

    /** The entries of a {@code vif} list, each parsed; devids as xl gives them (the index) stay absent. */
    static List<VifSpec> parseAll(String key, ConfigValue.Items list, Consumer<ConfigWarning> warnings) throws ConfigException {
        List<VifSpec> out = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            ConfigValue item = list.items().get(i);
            out.add(parse(item.location(), XlConfig.string(key, i, item), warnings));
        }
        return out;
    }
}
