package org.jxen.vmm.acpi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jxen.vmm.acpi.Aml.*;

/** AML encodings (ACPI 6.x, chapter 20), by the bytes and through iasl's parser. */
class AmlTest {
    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    /** Decodes a PkgLength (20.2.4): returns {encoded length, bytes it took}. */
    static int[] decodePkgLength(byte[] b) {
        int lead = b[0] & 0xff;
        int follow = lead >> 6;
        if (follow == 0) {
            return new int[] {lead & 0x3f, 1};
        }
        assertThat(lead & 0x30).as("bits 5:4 of a multi-byte lead are reserved").isZero();
        int len = lead & 0x0f;
        for (int i = 1; i <= follow; i++) {
            len |= (b[i] & 0xff) << (4 + 8 * (i - 1));
        }
        return new int[] {len, follow + 1};
    }

    @Test
    void pkgLengthUsesEachFormUpToItsLimit() {
        assertThat(pkgLength(0)).containsExactly(0x01);
        assertThat(pkgLength(62)).containsExactly(0x3F);
        assertThat(pkgLength(63)).containsExactly(0x41, 0x04); // 65
        assertThat(pkgLength(4093)).containsExactly(0x4F, 0xFF); // 4095
        assertThat(pkgLength(4094)).containsExactly(0x81, 0x00, 0x01); // 4097
        assertThat(pkgLength(0xF_FFFC)).containsExactly(0x8F, 0xFF, 0xFF); // 0xFFFFF
        assertThat(pkgLength(0xF_FFFD)).containsExactly(0xC1, 0x00, 0x00, 0x01); // 0x100001
        assertThat(pkgLength(0x0FFF_FFFB)).containsExactly(0xCF, 0xFF, 0xFF, 0xFF); // 0xFFFFFFF
    }

    @Test
    void rejectsPackagesBeyondTheFourByteForm() {
        assertThatThrownBy(() -> pkgLength(0x0FFF_FFFC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256 MiB");
    }

    @Property
    void pkgLengthCountsItselfAndIsAsShortAsPossible(@ForAll @IntRange(min = 0, max = 0x0FFF_FFFB) int body) {
        byte[] enc = pkgLength(body);
        int[] d = decodePkgLength(enc);
        assertThat(d[1]).isEqualTo(enc.length);
        assertThat(d[0]).isEqualTo(body + enc.length);
        int[] limits = {0x3F, 0xFFF, 0xF_FFFF, 0xFFF_FFFF};
        if (enc.length > 1) {
            assertThat(body + enc.length - 1).as("the shorter form would not do").isGreaterThan(limits[enc.length - 2]);
        }
    }

    @Test
    void integersUseTheShortestEncoding() {
        assertThat(integer(0)).containsExactly(0x00);
        assertThat(integer(1)).containsExactly(0x01);
        assertThat(integer(2)).containsExactly(0x0A, 0x02);
        assertThat(integer(0xFF)).containsExactly(0x0A, 0xFF);
        assertThat(integer(0x100)).containsExactly(0x0B, 0x00, 0x01);
        assertThat(integer(0xFFFF)).containsExactly(0x0B, 0xFF, 0xFF);
        assertThat(integer(0x1_0000)).containsExactly(0x0C, 0x00, 0x00, 0x01, 0x00);
        assertThat(integer(0xFFFF_FFFFL)).containsExactly(0x0C, 0xFF, 0xFF, 0xFF, 0xFF);
        assertThat(integer(0x1_0000_0000L)).containsExactly(0x0E, 0, 0, 0, 0, 1, 0, 0, 0);
        assertThat(integer(-1)).containsExactly(0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
        assertThat(integer(Long.MIN_VALUE)).containsExactly(0x0E, 0, 0, 0, 0, 0, 0, 0, 0x80);
    }

    @Test
    void eisaIdCompressesAsTheSpecSays() {
        // PNP0A03 is 0x030AD041, stored little-endian.
        assertThat(eisaId("PNP0A03")).containsExactly(0x0C, 0x41, 0xD0, 0x0A, 0x03);
        assertThat(eisaId("PNP0A08")).containsExactly(0x0C, 0x41, 0xD0, 0x0A, 0x08);
        assertThat(eisaId("PNP0501")).containsExactly(0x0C, 0x41, 0xD0, 0x05, 0x01);
    }

    @Test
    void rejectsMalformedEisaIds() {
        for (String bad : new String[] {"pnp0a03", "PNP0A0", "PNP0A0G", "PNP0A033", "PN00A03", "", "ACPI0007"}) {
            assertThatThrownBy(() -> eisaId(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + bad + "\"");
        }
    }

    @Test
    void nameStringsPadSegmentsAndUseRootDualAndMultiPrefixes() {
        assertThat(nameString("_SB")).containsExactly('_', 'S', 'B', '_');
        assertThat(nameString("PCI0")).containsExactly('P', 'C', 'I', '0');
        assertThat(nameString("\\_S5")).containsExactly('\\', '_', 'S', '5', '_');
        assertThat(nameString("\\")).containsExactly('\\', 0x00);
        assertThat(nameString("_SB.PCI0")).containsExactly(0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');
        assertThat(nameString("\\_SB.PCI0.ISA")).containsExactly('\\', 0x2F, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
                'I', 'S', 'A', '_');
    }

    @Test
    void rejectsBadNames() {
        for (String bad : new String[] {"pci0", "0ABC", "ABCDE", "A..B", "ABC.", ".ABC", "A-B", "^PCI0", "\\\\X", "A B"}) {
            assertThatThrownBy(() -> nameString(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void stringsAreNulTerminated() {
        assertThat(string("ACPI0007")).containsExactly(0x0D, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00);
    }

    @Test
    void packagesCountTheirElementsAndRefuseMoreThan255() {
        assertThat(pkg(integer(5), integer(0))).containsExactly(0x12, 0x05, 0x02, 0x0A, 0x05, 0x00);
        assertThatThrownBy(() -> pkg(new byte[256][])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256");
    }

    @Test
    void devicesMethodsAndResourceTemplatesHaveTheirOpcodes() {
        assertThat(device("DEV0")).containsExactly(0x5B, 0x82, 0x05, 'D', 'E', 'V', '0');
        assertThat(methodReturning("_STA", integer(0x0F))).containsExactly(0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xA4, 0x0A,
                0x0F);
        // Buffer, PkgLength, size, the descriptor, End Tag with a zero checksum.
        assertThat(resourceTemplate(irqNoFlags(4))).containsExactly(0x11, 0x08, 0x0A, 0x05, 0x22, 0x10, 0x00, 0x79, 0x00);
        assertThat(io(0x3F8, 0x3F8, 0, 8)).containsExactly(0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x00, 0x08);
        assertThat(memory32Fixed(0xE000_0000L, 0x1000_0000L, true)).containsExactly(0x86, 0x09, 0x00, 0x01,
                0x00, 0x00, 0x00, 0xE0, 0x00, 0x00, 0x00, 0x10);
    }

    @Test
    void iaslParsesEveryConstructAndEveryPkgLengthForm(@TempDir Path dir) throws Exception {
        byte[] big = new byte[5000]; // a 3-byte PkgLength
        Arrays.fill(big, (byte) 0xA5);
        byte[] mid = new byte[100]; // a 2-byte PkgLength
        byte[] dsdt = new AcpiTable("DSDT", 2, "JXENTEST")
                .bytes(scope("\\_SB",
                        device("DEV0",
                                name("_HID", eisaId("PNP0C02")),
                                name("_UID", integer(0x1234_5678)),
                                name("QW", integer(-1)),
                                name("TXT", string("hello")),
                                name("BIG", buffer(big)),
                                name("BUF2", buffer(mid)),
                                name("PKG", pkg(integer(1), integer(0x100), string("x"))),
                                methodReturning("_STA", integer(0x0F)),
                                name("_CRS", resourceTemplate(io(0x600, 0x600, 1, 12), irqNoFlags(9),
                                        wordBusNumber(0, 0xFF), wordIo(0x0D00, 0xFFFF), dwordMemory(0xC000_0000L, 0xDFFF_FFFFL),
                                        qwordMemory(0x10_0000_0000L, 0x1F_FFFF_FFFFL),
                                        memory32Fixed(0xFED0_0000L, 0x400, true))))))
                .bytes(name("\\_SB.DEV0.ABCD", integer(2)))
                .bytes(name("\\_SB.DEV1", integer(3)))
                .toBytes();
        String dsl = Iasl.disassemble(dir, "dsdt", dsdt);
        assertThat(dsl).contains("Device (DEV0)", "EisaId (\"PNP0C02\")", "0x12345678", "0xFFFFFFFFFFFFFFFF",
                "\"hello\"", "Buffer (0x1388)", "Buffer (0x64)", "Return (0x0F)", "IRQNoFlags ()", "{9}",
                "0x0D00,             // Range Minimum", "0xDFFFFFFF,         // Range Maximum",
                "0x0000001FFFFFFFFF, // Range Maximum", "Memory32Fixed (ReadWrite,", "0xFED00000,");
        assertThat(dsl).containsPattern("Name \\((\\\\_SB\\.DEV0\\.)?ABCD, 0x02\\)").containsPattern("DEV1, 0x03\\)");
        Iasl.run(dir, "-oa", "dsdt.dsl").clean();
        byte[] again = Files.readAllBytes(dir.resolve("dsdt.aml"));
        assertThat(Arrays.copyOfRange(again, AcpiTable.HEADER_SIZE, again.length))
                .as("iasl recompiles the disassembly to the same AML")
                .isEqualTo(Arrays.copyOfRange(dsdt, AcpiTable.HEADER_SIZE, dsdt.length));
    }

    @Test
    void tableChecksumMakesTheBytesSumToZero() {
        byte[] t = new AcpiTable("TEST", 1, "X").u32(0xDEADBEEFL).u8(7).toBytes();
        assertThat(t).hasSize(41);
        int sum = 0;
        for (byte b : t) {
            sum += b;
        }
        assertThat(sum & 0xff).isZero();
        assertThatThrownBy(() -> new AcpiTable("TOOLONG", 1, "X")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AcpiTable("TEST", 1, "NINECHARS")).isInstanceOf(IllegalArgumentException.class);
    }
}
