package org.jxen.vmm.vcpu;

import java.util.List;

import org.jxen.kvm.CpuidEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The CPUID leaves a vCPU sees (Intel SDM vol. 2, CPUID; AMD APM vol. 3, appendix E). */
class CpuidTemplateTest {
    static final int SSE3 = 1, FMA = 1 << 12, CX16 = 1 << 13, SSE42 = 1 << 20, TSC_DEADLINE = 1 << 24;
    static final int XSAVE = 1 << 26, OSXSAVE = 1 << 27, AVX = 1 << 28, F16C = 1 << 29, HYPERVISOR = 1 << 31;
    static final int HTT = 1 << 28;
    static final int L7_FSGSBASE = 1, L7_AVX2 = 1 << 5, L7_AVX512F = 1 << 16, L7_ERMS = 1 << 9;

    /** A KVM_GET_SUPPORTED_CPUID answer with everything the template touches switched on. */
    static final List<CpuidEntry> SUPPORTED = List.of(
            new CpuidEntry(0x0, 0, 0, 0x1F, 0x756E6547, 0x6C65746E, 0x49656E69),
            new CpuidEntry(0x1, 0, 0, 0x000906EA, 0x0000_0800, SSE3 | FMA | CX16 | SSE42 | XSAVE | OSXSAVE | AVX | F16C,
                    0x0F8B_FBFF),
            new CpuidEntry(0x4, 0, 1, 0x0000_0121, 0x01C0003F, 0x3F, 0), // L1d
            new CpuidEntry(0x4, 3, 1, 0x0000_0163, 0x03C0003F, 0x2FFF, 6), // L3
            new CpuidEntry(0x4, 4, 1, 0, 0, 0, 0), // no more caches
            new CpuidEntry(0x7, 0, 1, 0, L7_FSGSBASE | L7_AVX2 | L7_AVX512F | L7_ERMS, 1 << 1, 1 << 2),
            new CpuidEntry(0x7, 1, 1, (1 << 4) | (1 << 5), 0, 0, 0),
            new CpuidEntry(0xB, 0, 1, 1, 2, 0x100, 7),
            new CpuidEntry(0xB, 1, 1, 4, 16, 0x201, 7),
            new CpuidEntry(0xB, 2, 1, 0, 0, 2, 7),
            new CpuidEntry(0xD, 0, 1, 0x7, 0x340, 0x340, 0),
            new CpuidEntry(0xD, 1, 1, 0xF, 0, 0, 0),
            new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0x4B4D564B, 0x564B4D56, 0x4D),
            new CpuidEntry(0x8000_0001, 0, 0, 0, 0, (1 << 11) | (1 << 16) | 1, 1 << 29),
            new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0, 0x0000_F0FF, 0),
            new CpuidEntry(0x8000_001E, 0, 0, 9, 9, 9, 0));

    static CpuidEntry leaf(List<CpuidEntry> leaves, int function, int index) {
        return leaves.stream().filter(e -> e.function() == function && e.index() == index).findFirst().orElseThrow();
    }

    @Test
    void leafOneCarriesTheApicIdAndCountInEbxAndTheHypervisorBit() {
        List<CpuidEntry> l = new CpuidTemplate(SUPPORTED, 8, false, false).forVcpu(5);
        CpuidEntry one = leaf(l, 1, 0);
        assertThat(one.ebx() >>> 24).as("initial APIC id").isEqualTo(5);
        assertThat((one.ebx() >>> 16) & 0xff).as("logical processor count").isEqualTo(8);
        assertThat(one.ebx() & 0xffff).as("brand index and CLFLUSH size kept").isEqualTo(0x0800);
        assertThat(one.ecx() & HYPERVISOR).isNotZero();
        assertThat(one.edx() & HTT).isNotZero();
        assertThat(one.ecx() & TSC_DEADLINE).isZero();
        assertThat(one.eax()).isEqualTo(0x000906EA);
    }

    @Test
    void eachVcpuGetsItsOwnApicId() {
        CpuidTemplate t = new CpuidTemplate(SUPPORTED, 4, false, false);
        for (int id = 0; id < 4; id++) {
            List<CpuidEntry> l = t.forVcpu(id);
            assertThat(leaf(l, 1, 0).ebx() >>> 24).isEqualTo(id);
            assertThat(leaf(l, 0xB, 0).edx()).isEqualTo(id);
            assertThat(leaf(l, 0xB, 1).edx()).isEqualTo(id);
            assertThat(leaf(l, 0x8000_001E, 0).eax()).isEqualTo(id);
        }
        assertThat(t.vcpus()).isEqualTo(4);
    }

    @Test
    void tscDeadlineBitFollowsTheCapability() {
        assertThat(leaf(new CpuidTemplate(SUPPORTED, 1, false, true).forVcpu(0), 1, 0).ecx() & TSC_DEADLINE).isNotZero();
    }

    @Test
    void extendedTopologyDescribesOneThreadPerCoreAndAllVcpusInThePackage() {
        List<CpuidEntry> l = new CpuidTemplate(SUPPORTED, 8, false, false).forVcpu(3);
        CpuidEntry smt = leaf(l, 0xB, 0);
        assertThat(smt.eax() & 0x1f).as("no bits for threads").isZero();
        assertThat(smt.ebx() & 0xffff).as("one thread per core").isEqualTo(1);
        assertThat(smt.ecx()).as("level 0, type SMT").isEqualTo(0x100);
        assertThat(smt.edx()).as("x2APIC id").isEqualTo(3);
        CpuidEntry core = leaf(l, 0xB, 1);
        assertThat(core.eax() & 0x1f).as("bits for 8 ids").isEqualTo(3);
        assertThat(core.ebx() & 0xffff).isEqualTo(8);
        assertThat(core.ecx()).as("level 1, type core").isEqualTo(0x201);
        assertThat(core.edx()).isEqualTo(3);
        CpuidEntry end = leaf(l, 0xB, 2);
        assertThat(end.ecx()).as("type invalid ends the list").isEqualTo(2);
        assertThat(end.eax()).isZero();
        assertThat(end.ebx()).isZero();
    }

    @Test
    void apicIdWidthRoundsUpToAPowerOfTwo() {
        int[][] cases = {{1, 0}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {8, 3}, {9, 4}, {255, 8}};
        for (int[] c : cases) {
            List<CpuidEntry> l = new CpuidTemplate(SUPPORTED, c[0], false, false).forVcpu(0);
            assertThat(leaf(l, 0xB, 1).eax()).as("%d vCPUs", c[0]).isEqualTo(c[1]);
            CpuidEntry amd = leaf(l, 0x8000_0008, 0);
            assertThat(amd.ecx() & 0xff).as("NC").isEqualTo(c[0] - 1);
            assertThat((amd.ecx() >> 12) & 0xf).as("ApicIdSize").isEqualTo(c[1]);
        }
    }

    @Test
    void cacheLeavesShareTheLastLevelAmongAllVcpus() {
        List<CpuidEntry> l = new CpuidTemplate(SUPPORTED, 8, false, false).forVcpu(0);
        assertThat(leaf(l, 4, 0).eax() >>> 26).as("cores per package - 1").isEqualTo(7);
        assertThat((leaf(l, 4, 0).eax() >> 14) & 0xfff).as("L1 is per core").isZero();
        assertThat((leaf(l, 4, 3).eax() >> 14) & 0xfff).as("L3 shared by all").isEqualTo(7);
        assertThat(leaf(l, 4, 3).eax() & 0x3fff).as("type and level kept").isEqualTo(0x163);
        assertThat(leaf(l, 4, 4)).as("the null cache is left alone").isEqualTo(leaf(SUPPORTED, 4, 4));
    }

    @Test
    void emulatedSupervisorHidesWhatItsRingZeroEmulatorCannotRun() {
        List<CpuidEntry> l = new CpuidTemplate(SUPPORTED, 2, true, false).forVcpu(0);
        int ecx = leaf(l, 1, 0).ecx();
        assertThat(ecx & (XSAVE | OSXSAVE | AVX | CX16 | FMA | F16C)).isZero();
        assertThat(ecx & (SSE3 | SSE42 | HYPERVISOR)).isEqualTo(SSE3 | SSE42 | HYPERVISOR);
        CpuidEntry seven = leaf(l, 7, 0);
        assertThat(seven.ebx() & (L7_AVX2 | L7_AVX512F)).isZero();
        assertThat(seven.ebx() & (L7_FSGSBASE | L7_ERMS)).isEqualTo(L7_FSGSBASE | L7_ERMS);
        assertThat(seven.ecx()).as("AVX-512 VBMI").isZero();
        assertThat(seven.edx()).as("AVX-512 4VNNIW").isZero();
        assertThat(leaf(l, 7, 1).eax()).as("AVX-VNNI, AVX512_BF16").isZero();
        for (int index : new int[] {0, 1}) {
            CpuidEntry d = leaf(l, 0xD, index);
            assertThat(new int[] {d.eax(), d.ebx(), d.ecx(), d.edx()}).as("leaf 0xD.%d", index).containsOnly(0);
        }
        assertThat(leaf(l, 0x8000_0001, 0).ecx()).as("XOP and FMA4 hidden, LAHF kept").isEqualTo(1);
    }

    @Test
    void hardwareHostKeepsXsaveAvxAndCmpxchg16b() {
        List<CpuidEntry> l = new CpuidTemplate(SUPPORTED, 2, false, false).forVcpu(0);
        int ecx = leaf(l, 1, 0).ecx();
        assertThat(ecx & (XSAVE | OSXSAVE | AVX | CX16 | FMA | F16C)).isEqualTo(XSAVE | OSXSAVE | AVX | CX16 | FMA | F16C);
        assertThat(leaf(l, 7, 0)).isEqualTo(leaf(SUPPORTED, 7, 0));
        assertThat(leaf(l, 7, 1)).isEqualTo(leaf(SUPPORTED, 7, 1));
        assertThat(leaf(l, 0xD, 0)).isEqualTo(leaf(SUPPORTED, 0xD, 0));
        assertThat(leaf(l, 0x8000_0001, 0)).isEqualTo(leaf(SUPPORTED, 0x8000_0001, 0));
    }

    @Test
    void oneVcpuHasNoHyperThreadingBitAdded() {
        List<CpuidEntry> noHtt = SUPPORTED.stream().map(e -> e.function() == 1 ? e.withEdx(e.edx() & ~HTT) : e).toList();
        CpuidEntry one = leaf(new CpuidTemplate(noHtt, 1, false, false).forVcpu(0), 1, 0);
        assertThat(one.edx() & HTT).isZero();
        assertThat((one.ebx() >>> 16) & 0xff).isEqualTo(1);
    }

    @Test
    void otherLeavesPassThroughInOrder() {
        List<CpuidEntry> l = new CpuidTemplate(SUPPORTED, 2, true, true).forVcpu(1);
        assertThat(l).hasSameSizeAs(SUPPORTED);
        for (int i = 0; i < l.size(); i++) {
            assertThat(l.get(i).function()).isEqualTo(SUPPORTED.get(i).function());
            assertThat(l.get(i).index()).isEqualTo(SUPPORTED.get(i).index());
        }
        assertThat(leaf(l, 0, 0)).isEqualTo(leaf(SUPPORTED, 0, 0));
        assertThat(leaf(l, 0x4000_0000, 0)).isEqualTo(leaf(SUPPORTED, 0x4000_0000, 0));
    }
}
