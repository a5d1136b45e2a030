package org.jxen.vmm.vcpu;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Instruction names from their bytes (Intel SDM vol. 2, appendix A). */
class InstructionNamesTest {
    static String name(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return InstructionNames.name(b);
    }

    @Test
    void namesTheHypercallInstructions() {
        assertThat(name(0x0F, 0x01, 0xC1)).isEqualTo("vmcall");
        assertThat(name(0x0F, 0x01, 0xD9)).isEqualTo("vmmcall");
        assertThat(name(0x0F, 0x01, 0xD1)).isEqualTo("xsetbv");
    }

    @Test
    void namesLdmxcsrOnlyWithAMemoryOperand() {
        assertThat(name(0x0F, 0xAE, 0x10)).as("ldmxcsr [rax]").isEqualTo("ldmxcsr");
        assertThat(name(0x0F, 0xAE, 0x55, 0xFC)).as("ldmxcsr [rbp-4]").isEqualTo("ldmxcsr");
        assertThat(name(0x0F, 0xAE, 0x5D, 0xFC)).as("stmxcsr [rbp-4]").isEqualTo("stmxcsr");
        assertThat(name(0x0F, 0xAE, 0x28)).as("xrstor [rax]").isEqualTo("xrstor");
        assertThat(name(0x48, 0x0F, 0xAE, 0x20)).as("xsave64 [rax]").isEqualTo("xsave");
        // Register forms of 0F AE are the fences, which every host runs.
        assertThat(name(0x0F, 0xAE, 0xE8)).as("lfence").isNull();
        assertThat(name(0x0F, 0xAE, 0xF0)).as("mfence").isNull();
        assertThat(name(0x0F, 0xAE, 0xF8)).as("sfence").isNull();
    }

    @Test
    void cmpxchg16bNeedsRexW() {
        assertThat(name(0x48, 0x0F, 0xC7, 0x0E)).isEqualTo("cmpxchg16b");
        assertThat(name(0xF0, 0x48, 0x0F, 0xC7, 0x0E)).as("lock cmpxchg16b").isEqualTo("cmpxchg16b");
        assertThat(name(0x0F, 0xC7, 0x0E)).isEqualTo("cmpxchg8b");
        assertThat(name(0x48, 0x0F, 0xC7, 0x1E)).as("xrstors").isEqualTo("xrstors");
    }

    @Test
    void namesInt3AndVexAndEvex() {
        assertThat(name(0xCC)).isEqualTo("int3");
        assertThat(name(0xC5, 0xF8, 0x77)).as("vzeroupper").isEqualTo(InstructionNames.VEX);
        assertThat(name(0xC4, 0xE2, 0x7D, 0x18, 0x00)).isEqualTo(InstructionNames.VEX);
        assertThat(name(0x62, 0xF1, 0x7C, 0x48, 0x10, 0x00)).isEqualTo("EVEX-encoded (AVX-512) instruction");
    }

    @Test
    void namesWhatThisProjectsEmulatedKvmFailsOn() {
        // The bytes cpufeatures saw crash jxen-run on kvm_pvm (guests/README.md).
        assertThat(name(0xD9, 0xE8)).as("fld1").isEqualTo(InstructionNames.X87);
        assertThat(name(0xF3, 0x48, 0x0F, 0xB8, 0xC0)).isEqualTo("popcnt");
        assertThat(name(0xF2, 0x48, 0x0F, 0x38, 0xF1, 0xC1)).isEqualTo("crc32");
        assertThat(name(0x66, 0x48, 0x0F, 0x38, 0xF6, 0xC1)).isEqualTo("adcx");
        assertThat(name(0x0F, 0x38, 0xF0, 0x00)).isEqualTo("movbe");
        assertThat(name(0x0F, 0x01, 0xD0)).isEqualTo("xgetbv");
        assertThat(name(0x66, 0x0F, 0xAE, 0x37)).isEqualTo("clwb");
        assertThat(name(0x0F, 0xAE, 0x36)).isEqualTo("xsaveopt");
        assertThat(name(0x0F, 0xC7, 0x26)).isEqualTo("xsavec");
        assertThat(name(0x0F, 0x01, 0xFC)).isEqualTo("clzero");
        assertThat(name(0x0F, 0x01, 0xCA)).isEqualTo("clac");
        assertThat(name(0xC4, 0xE2, 0xF0, 0xF2)).as("andn (BMI1)").isEqualTo(InstructionNames.VEX);
        assertThat(name(0x0F, 0xC7, 0xF0)).as("rdrand runs here").isNull();
    }

    @Test
    void namesSseAndMmx() {
        assertThat(name(0x0F, 0x28, 0xC1)).as("movaps").isEqualTo("SSE instruction");
        assertThat(name(0x66, 0x0F, 0xEF, 0xC0)).as("pxor xmm").isEqualTo("SSE instruction");
        assertThat(name(0x0F, 0xEF, 0xC0)).as("pxor mm").isEqualTo("MMX/SSE instruction");
    }

    @Test
    void ordinaryInstructionsAndIncompleteBytesHaveNoName() {
        assertThat(name(0x90)).isNull();
        assertThat(name(0xF4)).as("hlt").isNull();
        assertThat(name(0x0F, 0x01)).isNull();
        assertThat(name(0x0F)).isNull();
        assertThat(name(0x66, 0x48)).isNull();
        assertThat(name()).isNull();
        assertThat(name(0x0F, 0xA2)).as("cpuid").isNull();
    }

    @Test
    void hexPrintsSpaceSeparatedBytes() {
        assertThat(InstructionNames.hex(new byte[] {0x0F, 0x01, (byte) 0xC1})).isEqualTo("0f 01 c1");
        assertThat(InstructionNames.hex(new byte[0])).isEmpty();
    }

    @Property(tries = 5000)
    void randomBytesNeverThrow(@ForAll @Size(max = 16) byte[] bytes) {
        String n = InstructionNames.name(bytes);
        assertThat(n == null || !n.isEmpty()).isTrue();
        assertThat(InstructionNames.hex(bytes)).hasSize(Math.max(0, bytes.length * 3 - 1));
    }
}
