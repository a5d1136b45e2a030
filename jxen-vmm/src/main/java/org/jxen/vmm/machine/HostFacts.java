package org.jxen.vmm.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What kind of KVM this host has, and its limits. Hardware KVM ({@code kvm_intel},
 * {@code kvm_amd}) runs guest code natively; an emulated-supervisor KVM ({@code kvm_pvm})
 * runs guest ring 3 natively but emulates guest ring 0 at a few million instructions per
 * second, too slow to boot a stock Linux kernel in useful time (DESIGN.md).
 */
public record HostFacts(KvmKind kind, String module, long totalMemoryBytes, int hostCpus, String kernelRelease,
                        String cpuModel) {
    public enum KvmKind {
        HARDWARE("hardware"),
        EMULATED_SUPERVISOR("emulated-supervisor"),
        NONE("none");

        private final String label;

        KvmKind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Reads the facts from {@code /sys}, {@code /proc} and the KVM device path. */
    public static HostFacts probe(Path kvmDevice) {
        return probe(kvmDevice, Path.of("/sys/module"), Path.of("/proc"));
    }

    static HostFacts probe(Path kvmDevice, Path sysModule, Path proc) {
        String module = null;
        for (String m : new String[] {"kvm_pvm", "kvm_intel", "kvm_amd"}) {
            if (Files.isDirectory(sysModule.resolve(m))) {
                module = m;
                break;
            }
        }
        String cpuinfo = read(proc.resolve("cpuinfo"));
        KvmKind kind;
        if (!Files.exists(kvmDevice)) {
            kind = KvmKind.NONE;
        } else if ("kvm_pvm".equals(module)) {
            kind = KvmKind.EMULATED_SUPERVISOR;
        } else if (module != null) {
            kind = KvmKind.HARDWARE;
        } else {
            // Built-in KVM: hardware support shows as a CPU flag.
            kind = cpuinfo.contains(" vmx") || cpuinfo.contains(" svm") ? KvmKind.HARDWARE : KvmKind.EMULATED_SUPERVISOR;
        }
        long mem = 0;
        for (String line : read(proc.resolve("meminfo")).split("\n")) {
            if (line.startsWith("MemTotal:")) {
                mem = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        String model = "";
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("model name")) {
                model = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        String release = read(proc.resolve("sys/kernel/osrelease")).trim();
        return new HostFacts(kind, module == null ? (kind == KvmKind.NONE ? "" : "kvm") : module, mem,
                Runtime.getRuntime().availableProcessors(), release, model);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** A one-line description, such as "emulated-supervisor (kvm_pvm)". */
    public String kvmDescription() {
        return kind == KvmKind.NONE ? "none" : kind.label() + " (" + module + ")";
    }

    /** The facts as {@code xl info}-style key/value pairs. */
    public Map<String, String> asXlInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("host", hostName());
        m.put("release", kernelRelease);
        m.put("machine", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
        m.put("nr_cpus", Integer.toString(hostCpus));
        m.put("cpu_model", cpuModel);
        m.put("total_memory", Long.toString(totalMemoryBytes >> 20));
        m.put("virt_caps", kind == KvmKind.NONE ? "" : "hvm");
        m.put("kvm_kind", kvmDescription());
        m.put("xen_caps", kind == KvmKind.NONE ? "" : "hvm-3.0-x86_64 hvm-3.0-x86_32");
        return m;
    }

    private static String hostName() {
        String h = read(Path.of("/proc/sys/kernel/hostname")).trim();
        return h.isEmpty() ? "localhost" : h;
    }
}
