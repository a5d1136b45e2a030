package org.jxen.vmm.vcpu;

import java.util.ArrayList;
import java.util.List;

import org.jxen.kvm.CpuidEntry;

/**
 * The CPUID leaves each vCPU sees: what {@code KVM_GET_SUPPORTED_CPUID} offers, with the
 * topology of this VM (one socket of {@code vcpus} cores, one thread each, APIC id = vCPU
 * index), the hypervisor bit, and, on an emulated-supervisor host, without the features whose
 * instructions its ring-0 emulator cannot run. Bit positions from the Intel SDM vol. 2,
 * CPUID, and AMD APM vol. 3, appendix E.
 */
public final class CpuidTemplate {
    // Leaf 1 ECX.
    static final int ECX_FMA = 1 << 12;
    static final int ECX_CX16 = 1 << 13;
    static final int ECX_X2APIC = 1 << 21;
    static final int ECX_TSC_DEADLINE = 1 << 24;
    static final int ECX_XSAVE = 1 << 26;
    static final int ECX_OSXSAVE = 1 << 27;
    static final int ECX_AVX = 1 << 28;
    static final int ECX_F16C = 1 << 29;
    static final int ECX_HYPERVISOR = 1 << 31;
    // Leaf 1 EDX.
    static final int EDX_HTT = 1 << 28;
    // Leaf 7.0 EBX: AVX2, AVX-512 F/DQ/IFMA/PF/ER/CD/BW/VL.
    static final int L7_EBX_AVX = (1 << 5) | (1 << 16) | (1 << 17) | (1 << 21) | (1 << 26) | (1 << 27) | (1 << 28)
            | (1 << 30) | (1 << 31);
    // Leaf 7.0 ECX: AVX-512 VBMI, VBMI2, VAES, VPCLMULQDQ, VNNI, BITALG, VPOPCNTDQ (all VEX/EVEX).
    static final int L7_ECX_AVX = (1 << 1) | (1 << 6) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 14);
    // Leaf 7.0 EDX: AVX-512 4VNNIW, 4FMAPS, VP2INTERSECT, FP16; AMX.
    static final int L7_EDX_AVX = (1 << 2) | (1 << 3) | (1 << 8) | (1 << 22) | (1 << 23) | (1 << 24) | (1 << 25);
    // Leaf 7.1 EAX: AVX-VNNI, AVX512_BF16.
    static final int L71_EAX_AVX = (1 << 4) | (1 << 5);
    // Leaf 0x80000001 ECX: XOP (11), FMA4 (16): VEX-like AMD encodings.
    static final int EXT1_ECX_AVX = (1 << 11) | (1 << 16);

    private final List<CpuidEntry> supported;
    private final int vcpus;
    private final boolean emulatedSupervisor;
    private final boolean tscDeadline;

    /**
     * @param supported KVM_GET_SUPPORTED_CPUID's answer
     * @param vcpus the VM's vCPU count
     * @param emulatedSupervisor whether guest ring 0 is emulated (kvm_pvm), which cannot run
     *     the xsave family, AVX or cmpxchg16b in ring 0
     * @param tscDeadline whether KVM emulates the TSC-deadline timer (KVM_CAP_TSC_DEADLINE_TIMER)
     */
    public CpuidTemplate(List<CpuidEntry> supported, int vcpus, boolean emulatedSupervisor, boolean tscDeadline) {
        this.supported = List.copyOf(supported);
        this.vcpus = vcpus;
        this.emulatedSupervisor = emulatedSupervisor;
        this.tscDeadline = tscDeadline;
    }

    /** The leaves for the vCPU with APIC id {@code apicId}. */
    public List<CpuidEntry> forVcpu(int apicId) {
        int idBits = 32 - Integer.numberOfLeadingZeros(Math.max(vcpus - 1, 0));
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            CpuidEntry x = switch (e.function()) {
                case 0x1 -> {
                    int ecx = e.ecx() | ECX_HYPERVISOR | (tscDeadline ? ECX_TSC_DEADLINE : 0);
                    if (emulatedSupervisor) {
                        ecx &= ~(ECX_XSAVE | ECX_OSXSAVE | ECX_AVX | ECX_FMA | ECX_F16C | ECX_CX16);
                    }
                    int ebx = (e.ebx() & 0x0000_ffff) | (Math.min(vcpus, 255) << 16) | (apicId << 24);
                    yield e.withEbx(ebx).withEcx(ecx).withEdx(e.edx() | (vcpus > 1 ? EDX_HTT : 0));
                }
                case 0x4 -> {
                    // EAX[31:26]: cores per package - 1; EAX[25:14]: threads sharing this cache - 1.
                    int level = (e.eax() >> 5) & 7;
                    int sharing = level >= 3 ? vcpus - 1 : 0;
                    int eax = (e.eax() & 0x3fff) | ((Math.min(sharing, 0xfff)) << 14) | (Math.min(vcpus - 1, 63) << 26);
                    yield (e.eax() & 0x1f) == 0 ? e : e.withEax(eax);
                }
                case 0x7 -> {
                    if (!emulatedSupervisor) {
                        yield e;
                    }
                    if (e.index() == 0) {
                        yield e.withEbx(e.ebx() & ~L7_EBX_AVX).withEcx(e.ecx() & ~L7_ECX_AVX).withEdx(e.edx() & ~L7_EDX_AVX);
                    }
                    yield e.index() == 1 ? e.withEax(e.eax() & ~L71_EAX_AVX) : e;
                }
                case 0xB, 0x1F -> topology(e, apicId, idBits);
                case 0xD -> emulatedSupervisor ? e.withEax(0).withEbx(0).withEcx(0).withEdx(0) : e;
                case 0x8000_0001 -> emulatedSupervisor ? e.withEcx(e.ecx() & ~EXT1_ECX_AVX) : e;
                case 0x8000_0008 -> e.withEcx((e.ecx() & ~0xf0ff) | ((vcpus - 1) & 0xff) | (idBits << 12));
                case 0x8000_001E -> e.withEax(apicId).withEbx(apicId & 0xff).withEcx(0);
                default -> e;
            };
            out.add(x);
        }
        return out;
    }

    /** Leaves 0xB/0x1F (extended topology): level 0 SMT (1 thread), level 1 core (all vCPUs). */
    private CpuidEntry topology(CpuidEntry e, int apicId, int idBits) {
        return switch (e.index()) {
            case 0 -> e.withEax(0).withEbx(1).withEcx(1 << 8).withEdx(apicId);
            case 1 -> e.withEax(idBits).withEbx(vcpus).withEcx((2 << 8) | 1).withEdx(apicId);
            default -> e.withEax(0).withEbx(0).withEcx(e.index() & 0xff).withEdx(apicId);
        };
    }

    /** The vCPU count the topology describes. */
    public int vcpus() {
        return vcpus;
    }
}
