package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jxen.vmm.machine.HostFacts;

/**
 * {@code xl info}: the keys Xen's xl prints, in its order ({@code tools/xl/xl_info.c},
 * {@code output_xeninfo}, {@code output_physinfo}, then the xend format line), with the host's
 * values and jxen's where Xen's hypervisor would answer. jxen's own keys follow:
 * {@code kvm_kind} and {@code kvm_module}.
 *
 * <p>{@code xen_major}/{@code xen_minor} are the Xen release whose public headers jxen's guest
 * ABI follows (Debian's libxen-dev 4.17; {@code xen/xen-compat.h} there gives
 * {@code __XEN_LATEST_INTERFACE_VERSION__} 0x00040e00); {@code xen_extra} names jxen.
 */
public final class HostInfo {
    /** The Xen release of the headers jxen's ABI follows (Debian's libxen-dev 4.17). */
    static final int XEN_MAJOR = 4;
    static final int XEN_MINOR = 17;
    static final String JXEN_VERSION = "0.1.0";

    private HostInfo() {}

    public static Map<String, String> xlInfo(HostFacts host, long freeMemoryMiB) {
        return xlInfo(host, freeMemoryMiB, Path.of("/proc"), Path.of("/sys/devices/system"));
    }

    static Map<String, String> xlInfo(HostFacts host, long freeMemoryMiB, Path proc, Path sys) {
        Map<String, String> m = new LinkedHashMap<>();
        boolean kvm = host.kind() != HostFacts.KvmKind.NONE;
        m.put("host", read(proc.resolve("sys/kernel/hostname"), "localhost"));
        m.put("release", host.kernelRelease());
        m.put("version", read(proc.resolve("sys/kernel/version"), ""));
        m.put("machine", "x86_64");
        int cpus = host.hostCpus();
        m.put("nr_cpus", Integer.toString(cpus));
        m.put("max_cpu_id", Integer.toString(cpus - 1));
        m.put("nr_nodes", Integer.toString(Math.max(1, count(sys.resolve("node"), "node"))));
        int threads = Math.max(1, siblings(sys.resolve("cpu/cpu0/topology/thread_siblings_list")));
        int cores = Math.max(1, siblings(sys.resolve("cpu/cpu0/topology/core_siblings_list")) / threads);
        m.put("cores_per_socket", Integer.toString(cores));
        m.put("threads_per_core", Integer.toString(threads));
        m.put("cpu_mhz", cpuMhz(read(proc.resolve("cpuinfo"), "")));
        m.put("hw_caps", "");
        m.put("virt_caps", !kvm ? "" : host.kind() == HostFacts.KvmKind.HARDWARE ? "hvm hap" : "hvm");
        m.put("total_memory", Long.toString(host.totalMemoryBytes() >> 20));
        m.put("free_memory", Long.toString(freeMemoryMiB));
        m.put("sharing_freed_memory", "0");
        m.put("sharing_used_memory", "0");
        m.put("outstanding_claims", "0");
        m.put("free_cpus", "0");
        m.put("xen_major", Integer.toString(XEN_MAJOR));
        m.put("xen_minor", Integer.toString(XEN_MINOR));
        m.put("xen_extra", "-jxen" + JXEN_VERSION);
        m.put("xen_version", XEN_MAJOR + "." + XEN_MINOR + "-jxen" + JXEN_VERSION);
        m.put("xen_caps", kvm ? "hvm-3.0-x86_64 hvm-3.0-x86_32" : "");
        m.put("xen_scheduler", "linux");
        m.put("xen_pagesize", "4096");
        m.put("platform_params", "virt_start=0x0");
        m.put("xen_changeset", "");
        m.put("xen_commandline", "");
        m.put("cc_compiler", "Java " + Runtime.version());
        m.put("cc_compile_by", "");
        m.put("cc_compile_domain", "");
        m.put("cc_compile_date", "");
        m.put("build_id", "");
        m.put("xend_config_format", "4");
        m.put("kvm_kind", host.kind().label());
        m.put("kvm_module", host.module());
        return m;
    }

    private static String read(Path p, String fallback) {
        try {
            String s = Files.readString(p).strip();
            return s.isEmpty() ? fallback : s;
        } catch (IOException e) {
            return fallback;
        }
    }

    private static int count(Path dir, String prefix) {
        try (var s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().matches(prefix + "\\d+")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** How many CPUs a sysfs list such as {@code 0-3,8} names. */
    static int siblings(Path list) {
        String s = read(list, "");
        int n = 0;
        for (String part : s.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] r = part.split("-");
            n += r.length == 2 ? Integer.parseInt(r[1].strip()) - Integer.parseInt(r[0].strip()) + 1 : 1;
        }
        return n;
    }

    private static String cpuMhz(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("cpu MHz")) {
                return Integer.toString((int) Double.parseDouble(line.substring(line.indexOf(':') + 1).strip()));
            }
        }
        return "0";
    }
}
