package org.jxen.toolstack.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What jxen builds a domain from, read from an xl config the way xl's {@code parse_config_data}
 * reads it, with libxl's defaults applied. Keys jxen does not act on yet are not here: each one
 * present in the file is a warning in {@link #warnings()}, never silence.
 *
 * @param name {@code name}, checked by {@link DomainConfigReader}
 * @param uuid {@code uuid}; absent: the domain gets a new one when created
 * @param type {@code type} (or the deprecated {@code builder}); xl's default is PV
 * @param memory {@code memory} and {@code maxmem}
 * @param vcpus {@code vcpus}, {@code maxvcpus}, {@code cpus}, {@code cpus_soft}
 * @param actions {@code on_poweroff}, {@code on_reboot}, {@code on_watchdog}, {@code on_crash}
 * @param boot {@code kernel}, {@code ramdisk}, the command line, {@code bootloader}
 * @param disks {@code disk}
 * @param vifs {@code vif}; a vif's devid is its index unless it gives one
 * @param warnings one line each, in file order
 */
public record DomainConfigSpec(
        String name,
        Optional<UUID> uuid,
        GuestType type,
        Memory memory,
        Vcpus vcpus,
        Actions actions,
        Boot boot,
        List<DiskSpec> disks,
        List<VifSpec> vifs,
        List<ConfigWarning> warnings) {

    public DomainConfigSpec {
        disks = List.copyOf(disks);
        vifs = List.copyOf(vifs);
        warnings = List.copyOf(warnings);
    }

    /**
     * Memory in MiB, as xl.cfg gives it. Without {@code maxmem} the maximum is {@code memory};
     * without {@code memory} the target is {@code maxmem}; with neither both are 32 MiB (libxl's
     * {@code libxl__domain_build_info_setdefault}).
     */
    public record Memory(long targetMiB, long maxMiB) {}

    /**
     * vCPUs: {@code count} online at start (at least 1, as xl makes it), up to {@code max}; hard
     * and soft affinity if given.
     */
    public record Vcpus(int count, int max, Optional<CpuAffinity> hardAffinity, Optional<CpuAffinity> softAffinity) {}

    /** The four event actions; xl's defaults are destroy, restart, destroy, destroy. */
    public record Actions(ShutdownAction onPoweroff, ShutdownAction onReboot, ShutdownAction onWatchdog,
            ShutdownAction onCrash) {}

    /**
     * How the domain boots. {@code cmdline} is xl's: {@code cmdline} if given, else
     * {@code "root=" + root + " " + extra}, {@code "root=" + root} or {@code extra}
     * ({@code parse_cmdline} in {@code xl_parse.c}).
     */
    public record Boot(Optional<String> kernel, Optional<String> ramdisk, Optional<String> cmdline,
            Optional<String> bootloader, List<String> bootloaderArgs) {
        public Boot {
            bootloaderArgs = List.copyOf(bootloaderArgs);
        }
    }

    /**
     * {@code cpus}/{@code cpus_soft}: one list for every vCPU (a string), or one per vCPU (a list
     * of strings: entry i for vCPU i; entries past {@code maxvcpus} are ignored, vCPUs past the
     * entries keep the default), as xl's {@code parse_vcpu_affinity}.
     */
    public sealed interface CpuAffinity {
        record AllVcpus(CpuList cpus) implements CpuAffinity {}

        record PerVcpu(List<CpuList> cpus) implements CpuAffinity {
            public PerVcpu {
                cpus = List.copyOf(cpus);
            }
        }
    }

    /**
     * This configuration with a relative {@code kernel} and {@code ramdisk} made absolute against
     * {@code dir}: the directory xl ran in, as libxl opens them relative to xl's working directory.
     */
    public DomainConfigSpec resolvedAgainst(Path dir) {
        Boot b = new Boot(boot.kernel().map(k -> dir.resolve(k).normalize().toString()),
                boot.ramdisk().map(r -> dir.resolve(r).normalize().toString()), boot.cmdline(), boot.bootloader(),
                boot.bootloaderArgs());
        return new DomainConfigSpec(name, uuid, type, memory, vcpus, actions, b, disks, vifs, warnings);
    }

    /** Reads the domain configuration from a parsed file. */
    public static DomainConfigSpec from(XlConfig config) throws ConfigException {
        return DomainConfigReader.read(config);
    }

    /** Reads and parses {@code file}. */
    public static DomainConfigSpec read(Path file) throws ConfigException {
        return from(XlConfig.read(file));
    }
}
