package org.jxen.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Skips a test when the host lacks what it needs, printing why; or fails it instead when the
 * environment demands the feature ({@code JXEN_REQUIRE_KVM=1} in CI, {@code JXEN_LINUX_E2E=1}
 * on hardware hosts).
 */
public final class HostAssume {
    private HostAssume() {}

    /** The KVM device tests use: {@code JXEN_KVM_DEVICE} or {@code /dev/kvm}. */
    public static Path kvmDevice() {
        String dev = System.getenv("JXEN_KVM_DEVICE");
        return Path.of(dev == null || dev.isEmpty() ? "/dev/kvm" : dev);
    }

    /** Why KVM cannot be used here, or null when it can. */
    public static String kvmMissingReason() {
        Path dev = kvmDevice();
        if (!Files.exists(dev)) {
            return dev + " does not exist (no KVM on this host)";
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            return dev + " is not readable and writable by this user";
        }
        return null;
    }

    /** Skips (or, with {@code JXEN_REQUIRE_KVM=1}, fails) unless KVM is usable. */
    public static void kvm() {
        String why = kvmMissingReason();
        if (why != null) {
            if ("1".equals(System.getenv("JXEN_REQUIRE_KVM"))) {
                fail("JXEN_REQUIRE_KVM=1 but " + why);
            }
            Assumptions.abort("skipped: " + why);
        }
    }

    /** The kind of KVM: "hardware" (kvm_intel/kvm_amd), "emulated" (kvm_pvm) or "none". */
    public static String kvmKind() {
        if (kvmMissingReason() != null) {
            return "none";
        }
        if (Files.isDirectory(Path.of("/sys/module/kvm_pvm"))) {
            return "emulated";
        }
        if (Files.isDirectory(Path.of("/sys/module/kvm_intel")) || Files.isDirectory(Path.of("/sys/module/kvm_amd"))) {
            return "hardware";
        }
        try {
            String cpu = Files.readString(Path.of("/proc/cpuinfo"));
            return cpu.contains(" vmx") || cpu.contains(" svm") ? "hardware" : "emulated";
        } catch (IOException e) {
            return "emulated";
        }
    }

    /**
     * Skips (or, with {@code JXEN_LINUX_E2E=1}, fails) unless this host can boot a real Linux
     * guest in useful time: hardware KVM.
     */
    public static void linuxCapableHost() {
        kvm();
        String kind = kvmKind();
        if (!kind.equals("hardware")) {
            String why = "a real Linux guest needs hardware KVM; this host's KVM is " + kind
                    + " (kvm_pvm emulates guest ring 0 at ~2M instructions/s)";
            if ("1".equals(System.getenv("JXEN_LINUX_E2E"))) {
                fail("JXEN_LINUX_E2E=1 but " + why);
            }
            Assumptions.abort("skipped: " + why);
        }
    }

    /** Skips (failing under {@code JXEN_REQUIRE_TOOLS=1}) unless {@code tool} is on the PATH. */
    public static Path tool(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String why = tool + " is not installed (./jxen test installs it)";
        if ("1".equals(System.getenv("JXEN_REQUIRE_TOOLS"))) {
            fail("JXEN_REQUIRE_TOOLS=1 but " + why);
        }
        Assumptions.abort("skipped: " + why);
        return null;
    }
}
