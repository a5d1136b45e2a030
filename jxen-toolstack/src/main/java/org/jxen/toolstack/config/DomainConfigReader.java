package org.jxen.toolstack.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.jxen.toolstack.config.DomainConfigSpec.Actions;
import org.jxen.toolstack.config.DomainConfigSpec.Boot;
import org.jxen.toolstack.config.DomainConfigSpec.CpuAffinity;
import org.jxen.toolstack.config.DomainConfigSpec.Memory;
import org.jxen.toolstack.config.DomainConfigSpec.Vcpus;

/**
 * xl's {@code parse_config_data} ({@code tools/xl/xl_parse.c}) for the keys jxen acts on: the
 * same defaults, the same checks and xl's words for them, each error located at the value. Where
 * xl prints a warning and goes on with the key unset (a list where a string belongs, a bad
 * number), this stops with the error instead: jxen does not start a domain that differs from its
 * config. Checks xl does not make are marked "jxen:" below.
 */
final class DomainConfigReader {
    /** The keys read here; every other key present gets a warning. */
    static final Set<String> IMPLEMENTED = Set.of(
            "name", "uuid", "type", "builder", "memory", "maxmem", "vcpus", "maxvcpus", "cpus", "cpus_soft",
            "on_poweroff", "on_reboot", "on_watchdog", "on_crash", "kernel", "ramdisk", "cmdline", "root", "extra",
            "bootloader", "bootloader_args", "disk", "vif");

    /** libxl's memory when the config gives none, in MiB ({@code libxl__domain_build_info_setdefault}). */
    private static final long LIBXL_DEFAULT_MEMORY_MIB = 32;

    /**
     * jxen: longest domain name, in bytes. The name is part of log file names
     * ({@code console/guest-NAME.log}), and a file name has at most NAME_MAX = 255 bytes
     * ({@code linux/limits.h}); "guest-" and ".log" take 10.
     */
    static final int MAX_NAME_BYTES = 245;

    private static final Pattern UUID_TEXT = Pattern.compile(
            "\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");

    private final XlConfig config;
    private final List<ConfigWarning> warnings = new ArrayList<>();

    private DomainConfigReader(XlConfig config) {
        this.config = config;
    }

    static DomainConfigSpec read(XlConfig config) throws ConfigException {
        return new DomainConfigReader(config).read();
    }

    private DomainConfigSpec read() throws ConfigException {
        GuestType type = type();
        String name = name();
        Optional<UUID> uuid = uuid();
        Memory memory = memory();
        Vcpus vcpus = vcpus();
        Actions actions = new Actions(action("on_poweroff", ShutdownAction.DESTROY),
                action("on_reboot", ShutdownAction.RESTART), action("on_watchdog", ShutdownAction.DESTROY),
                action("on_crash", ShutdownAction.DESTROY));
        Boot boot = boot();
        guestTypeWarnings(type, boot);
        List<DiskSpec> disks = disks();
        List<VifSpec> vifs = new ArrayList<>();
        Optional<ConfigValue.Items> vifList = config.list("vif");
        if (vifList.isPresent()) {
            vifs = VifSpec.parseAll("vif", vifList.get(), warnings::add);
        }
        unsupportedKeys();
        warnings.sort(Comparator.comparingInt((ConfigWarning w) -> w.location().line())
                .thenComparingInt(w -> w.location().column()));
        return new DomainConfigSpec(name, uuid, type, memory, vcpus, actions, boot, disks, vifs, warnings);
    }

    private Location at(String key) {
        return config.setting(key).map(s -> s.value().location()).orElse(Location.of(config.source()));
    }

    private void warn(String key, String message) {
        warnings.add(new ConfigWarning(at(key), key, message));
    }

    /** {@code type}, else the deprecated {@code builder}, else xl's x86 default, PV. */
    private GuestType type() throws ConfigException {
        GuestType type = null;
        Optional<String> t = config.string("type");
        if (t.isPresent()) {
            type = GuestType.fromType(t.get());
            if (type == null) {
                throw new ConfigException(at("type"), "type", "Invalid domain type " + t.get()
                        + ". (expected pv, pvh or hvm)");
            }
        }
        Optional<String> b = config.string("builder");
        if (b.isPresent()) {
            GuestType built = GuestType.fromBuilder(b.get());
            if (built == null) {
                throw new ConfigException(at("builder"), "builder", "Invalid domain type " + b.get()
                        + ". (expected builder hvm or generic)");
            }
            if (type != null && type != built) {
                throw new ConfigException(at("builder"), "builder",
                        "Contradicting \"builder\" and \"type\" options specified.");
            }
            type = built;
        }
        return type == null ? GuestType.PV : type;
    }

    private void guestTypeWarnings(GuestType type, Boot boot) {
        if (type == GuestType.PV) {
            if (config.setting("type").isEmpty() && config.setting("builder").isEmpty()) {
                warn("type", "no type given; xl's default is \"pv\", which jxen runs as \"pvh\" (KVM has no PV guests)");
            } else {
                warn(config.setting("type").isPresent() ? "type" : "builder",
                        "type \"pv\" is run as \"pvh\" by jxen (KVM has no PV guests)");
            }
        } else if (type == GuestType.HVM && boot.kernel().isEmpty()) {
            warn(config.setting("type").isPresent() ? "type" : "builder",
                    "type \"hvm\" without kernel= boots firmware (SeaBIOS or OVMF), which jxen cannot do yet;"
                            + " give kernel= for a direct kernel boot");
        }
    }

    /** xl requires a name; jxen also refuses names that break its files or xl's domain lookup. */
    private String name() throws ConfigException {
        Optional<String> n = config.string("name");
        if (n.isEmpty()) {
            throw new ConfigException(Location.of(config.source()), "name", "Domain name must be specified.");
        }
        String name = n.get();
        String problem = null;
        if (name.isEmpty()) {
            problem = "is empty";
        } else if (name.chars().allMatch(c -> c >= '0' && c <= '9')) {
            problem = "is all digits, which xl commands would take for a domain id";
        } else if (name.indexOf('/') >= 0) {
            problem = "contains `/', but jxen names log files after the domain";
        } else if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            problem = "contains a control character";
        } else if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            problem = "is longer than " + MAX_NAME_BYTES + " bytes, the most a log file name can hold";
        }
        if (problem != null) {
            throw new ConfigException(at("name"), "name", "name `" + name + "' " + problem);
        }
        return name;
    }

    /** {@code libxl_uuid_from_string} is libuuid's {@code uuid_parse}: exactly 8-4-4-4-12 hex digits. */
    private Optional<UUID> uuid() throws ConfigException {
        Optional<String> u = config.string("uuid");
        if (u.isEmpty()) {
            return Optional.empty();
        }
        if (!UUID_TEXT.matcher(u.get()).matches()) {
            throw new ConfigException(at("uuid"), "uuid", "Failed to parse UUID: " + u.get()
                    + " (expected 8-4-4-4-12 hex digits, as uuidgen prints)");
        }
        return Optional.of(UUID.fromString(u.get()));
    }

    private Memory memory() throws ConfigException {
        // jxen: at least 1 MiB, and few enough MiB that the size in bytes fits a long.
        OptionalLong target = config.boundedLong("memory", 1, Long.MAX_VALUE >> 20);
        OptionalLong max = config.boundedLong("maxmem", 1, Long.MAX_VALUE >> 20);
        long t = target.orElse(max.orElse(LIBXL_DEFAULT_MEMORY_MIB));
        long m = max.orElse(t);
        if (m < t) {
            // jxen: xl lets this pass and libxl then builds the domain with memory, not maxmem.
            throw new ConfigException(at("maxmem"), "maxmem",
                    "maxmem (" + m + " MiB) is less than memory (" + t + " MiB)");
        }
        return new Memory(t, m);
    }

    private Vcpus vcpus() throws ConfigException {
        // xl: anything below 1 (0, negative, absent) is 1.
        long count = Math.max(1, config.boundedLong("vcpus", Long.MIN_VALUE, Integer.MAX_VALUE).orElse(1));
        long max = config.boundedLong("maxvcpus", Integer.MIN_VALUE, Integer.MAX_VALUE).orElse(0);
        if (max == 0) {
            max = count;
        }
        if (max < count) {
            throw new ConfigException(at("maxvcpus"), "maxvcpus",
                    "xl: maxvcpus < vcpus (maxvcpus = " + max + ", vcpus = " + count + ")");
        }
        return new Vcpus((int) count, (int) max, affinity("cpus"), affinity("cpus_soft"));
    }

    /** A string for every vCPU, or a list with one string per vCPU. */
    private Optional<CpuAffinity> affinity(String key) throws ConfigException {
        Optional<Setting> s = config.setting(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        return switch (s.get().value()) {
            case ConfigValue.Str str -> Optional.of(new CpuAffinity.AllVcpus(CpuList.parse(str.location(), key, str.value())));
            case ConfigValue.Items items -> {
                List<CpuList> perVcpu = new ArrayList<>();
                for (int i = 0; i < items.items().size(); i++) {
                    ConfigValue item = items.items().get(i);
                    perVcpu.add(CpuList.parse(item.location(), key, XlConfig.string(key, i, item)));
                }
                yield Optional.of(new CpuAffinity.PerVcpu(perVcpu));
            }
        };
    }

    private ShutdownAction action(String key, ShutdownAction byDefault) throws ConfigException {
        Optional<String> a = config.string(key);
        if (a.isEmpty()) {
            return byDefault;
        }
        return ShutdownAction.of(a.get()).orElseThrow(() -> new ConfigException(at(key), key,
                "Unknown " + key + " action \"" + a.get() + "\" specified (expected destroy, restart, rename-restart,"
                        + " preserve, coredump-destroy, coredump-restart or soft-reset)"));
    }

    private Boot boot() throws ConfigException {
        Optional<String> cmdline = config.string("cmdline");
        Optional<String> root = config.string("root");
        Optional<String> extra = config.string("extra");
        if (cmdline.isPresent()) {
            if (root.isPresent() || extra.isPresent()) {
                warn(root.isPresent() ? "root" : "extra", "ignoring root= and extra= in favour of cmdline=");
            }
        } else if (root.isPresent()) {
            cmdline = Optional.of("root=" + root.get() + extra.map(e -> " " + e).orElse(""));
        } else {
            cmdline = extra;
        }
        List<String> bootloaderArgs = List.of();
        Optional<Setting> args = config.setting("bootloader_args");
        if (args.isPresent()) {
            switch (args.get().value()) {
                case ConfigValue.Items items -> bootloaderArgs = XlConfig.strings("bootloader_args", items);
                case ConfigValue.Str str -> {
                    warn("bootloader_args", "Specifying \"bootloader_args\" as a string is deprecated. "
                            + "Please use a list of arguments.");
                    bootloaderArgs = List.of(str.value().split("[ \\t\\n]+")).stream().filter(a -> !a.isEmpty()).toList();
                }
            }
        }
        return new Boot(config.string("kernel"), config.string("ramdisk"), cmdline, config.string("bootloader"),
                bootloaderArgs);
    }

    private List<DiskSpec> disks() throws ConfigException {
        Optional<ConfigValue.Items> list = config.list("disk");
        List<DiskSpec> disks = new ArrayList<>();
        if (list.isPresent()) {
            for (int i = 0; i < list.get().items().size(); i++) {
                ConfigValue item = list.get().items().get(i);
                disks.add(DiskSpec.parse(item.location(), XlConfig.string("disk", i, item)));
            }
        }
        return disks;
    }

    /** One warning for each key present that jxen does not read: documented or not. */
    private void unsupportedKeys() {
        for (Setting s : config.settings().values()) {
            if (IMPLEMENTED.contains(s.key())) {
                continue;
            }
            Optional<XlCfgKeys.Key> documented = XlCfgKeys.lookup(s.key());
            warnings.add(new ConfigWarning(s.keyLocation(), s.key(), documented.isPresent()
                    ? "key `" + s.key() + "' is not supported by jxen yet; ignored"
                    : "key `" + s.key() + "' is not an xl.cfg(5) key; ignored (xl ignores it too)"));
        }
    }
}
