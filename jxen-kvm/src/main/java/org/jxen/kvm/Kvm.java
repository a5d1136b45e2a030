package org.jxen.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.jxen.kvm.abi.KvmH;
import org.jxen.kvm.abi.KvmLayouts;
import org.jxen.sys.Errno;
import org.jxen.sys.Fd;
import org.jxen.sys.SysException;

/**
 * {@code /dev/kvm}: the system file descriptor. Checks the API version on open, answers
 * capability questions and creates VMs (api.rst, section 4: "ioctls for /dev/kvm").
 *
 * <p>Thread-safe: every method is a single ioctl on a descriptor that is never re-assigned.
 */
public final class Kvm extends KvmFd {
    /** Where KVM lives unless {@code JXEN_KVM_DEVICE} says otherwise. */
    public static final String DEFAULT_DEVICE = "/dev/kvm";

    private static final int CPUID_MAX_ENTRIES = 256;

    private final int vcpuMmapSize;

    private Kvm(Fd fd) throws KvmException {
        super(fd);
        int version = ioctl("KVM_GET_API_VERSION", KvmH.KVM_GET_API_VERSION, 0L);
        if (version != KvmH.KVM_API_VERSION) {
            throw new KvmException("KVM_GET_API_VERSION (got " + version + ", expected " + KvmH.KVM_API_VERSION + ")",
                    fd.what(), Errno.EINVAL);
        }
        this.vcpuMmapSize = ioctl("KVM_GET_VCPU_MMAP_SIZE", KvmH.KVM_GET_VCPU_MMAP_SIZE, 0L);
    }

    /** Opens {@code path} (normally {@code /dev/kvm}). */
    public static Kvm open(String path) throws SysException {
        return new Kvm(Fd.open(path));
    }

    /** Opens the device named by {@code JXEN_KVM_DEVICE}, or {@code /dev/kvm}. */
    public static Kvm open() throws SysException {
        String dev = System.getenv("JXEN_KVM_DEVICE");
        return open(dev == null || dev.isEmpty() ? DEFAULT_DEVICE : dev);
    }

    /** {@code KVM_CHECK_EXTENSION}: 0 when absent, else a capability-specific value. */
    public int checkExtension(int capability) {
        try {
            return ioctl("KVM_CHECK_EXTENSION", KvmH.KVM_CHECK_EXTENSION, capability);
        } catch (KvmException e) {
            return 0;
        }
    }

    /** The size of each vCPU's {@code kvm_run} mapping. */
    public int vcpuMmapSize() {
        return vcpuMmapSize;
    }

    /** The most vCPUs a VM may have ({@code KVM_CAP_MAX_VCPUS}, falling back to NR_VCPUS, then 4). */
    public int maxVcpus() {
        int max = checkExtension(KvmH.KVM_CAP_MAX_VCPUS);
        if (max <= 0) {
            max = checkExtension(KvmH.KVM_CAP_NR_VCPUS);
        }
        return max > 0 ? max : 4;
    }

    /** {@code KVM_GET_SUPPORTED_CPUID}: every leaf KVM can offer on this host. */
    public List<CpuidEntry> supportedCpuid() throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            long entry = KvmLayouts.KVM_CPUID_ENTRY2.byteSize();
            MemorySegment buf = arena.allocate(KvmLayouts.KVM_CPUID2.byteSize() + CPUID_MAX_ENTRIES * entry, 8);
            buf.set(ValueLayout.JAVA_INT, 0, CPUID_MAX_ENTRIES);
            ioctl("KVM_GET_SUPPORTED_CPUID", KvmH.KVM_GET_SUPPORTED_CPUID, buf);
            int n = buf.get(ValueLayout.JAVA_INT, 0);
            List<CpuidEntry> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(CpuidCodec.read(buf, KvmLayouts.KVM_CPUID2.byteSize() + i * entry));
            }
            return out;
        }
    }

    /** {@code KVM_CREATE_VM} with the default machine type. */
    public KvmVm createVm(String name) throws KvmException {
        int vmfd = ioctl("KVM_CREATE_VM", KvmH.KVM_CREATE_VM, 0L);
        return new KvmVm(this, new Fd(vmfd, "vm " + name));
    }
}
