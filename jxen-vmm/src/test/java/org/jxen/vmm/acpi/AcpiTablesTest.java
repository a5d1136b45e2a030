package org.jxen.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole table set, checked by its bytes and by Debian's {@code iasl}: each table is
 * disassembled without a complaint, the disassembly says what we meant, and the DSDT's
 * disassembly compiles back to the same AML.
 */
class AcpiTablesTest {
    static final long BASE = 0xE_0000;
    static final List<String> CHECKSUMMED = List.of("DSDT", "FACP", "APIC", "MCFG", "XSDT", "RSDT");

    static AcpiPlatform platform(int vcpus) {
        // As the machine builder makes it (Machine.acpiPlatform).
        return new AcpiPlatform(vcpus, 0x600, 9, 0xCF9, 0x06, 0xE000_0000L, 0xC000_0000L, 0x2000_0000L,
                64L << 30, 64L << 30, 0xFEC0_0000L, 0xFEE0_0000L, true, 0x505, 0x32);
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int sum(byte[] b, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) {
            s += b[i];
        }
        return s & 0xff;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void everyTableSumsToZeroAndHasItsSignatureAndLength(int vcpus) {
        AcpiTables.Blob blob = AcpiTables.build(platform(vcpus), BASE);
        for (String sig : CHECKSUMMED) {
            byte[] t = blob.table(sig);
            assertThat(new String(t, 0, 4)).isEqualTo(sig);
            assertThat(le(t).getInt(4)).isEqualTo(t.length);
            assertThat(sum(t, 0, t.length)).as("%s checksum", sig).isZero();
            assertThat(new String(t, 10, 6)).isEqualTo("JXEN  ");
            assertThat(blob.tables().get(sig) % 16).as("%s alignment", sig).isZero();
        }
        assertThat(blob.table("FACP")).hasSize(276);
        assertThat(blob.table("MCFG")).hasSize(36 + 8 + 16);
        assertThat(blob.table("XSDT")).hasSize(36 + 3 * 8);
        assertThat(blob.table("RSDT")).hasSize(36 + 3 * 4);
        assertThat(blob.table("APIC")).hasSize(36 + 8 + 8 * vcpus + 12 + 10 + 10 + 6);
        byte[] facs = blob.table("FACS");
        assertThat(new String(facs, 0, 4)).isEqualTo("FACS");
        assertThat(le(facs).getInt(4)).isEqualTo(64);
        assertThat(blob.tables().get("FACS") % 64).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void rsdpHasBothChecksumsAndPointsAtRsdtAndXsdt(int vcpus) {
        AcpiTables.Blob blob = AcpiTables.build(platform(vcpus), BASE);
        byte[] rsdp = blob.table("RSDP");
        assertThat(blob.rsdp()).isEqualTo(BASE);
        assertThat(new String(rsdp, 0, 8)).isEqualTo("RSD PTR ");
        assertThat(sum(rsdp, 0, 20)).as("ACPI 1.0 checksum over 20 bytes").isZero();
        assertThat(sum(rsdp, 0, 36)).as("extended checksum over 36 bytes").isZero();
        assertThat(rsdp[15]).as("revision").isEqualTo((byte) 2);
        assertThat(le(rsdp).getInt(16)).isEqualTo(blob.tables().get("RSDT").intValue());
        assertThat(le(rsdp).getInt(20)).isEqualTo(36);
        assertThat(le(rsdp).getLong(24)).isEqualTo(blob.tables().get("XSDT"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void xsdtAndRsdtPointAtFadtMadtAndMcfg(int vcpus) {
        AcpiTables.Blob blob = AcpiTables.build(platform(vcpus), BASE);
        List<Long> expected = List.of(blob.tables().get("FACP"), blob.tables().get("APIC"), blob.tables().get("MCFG"));
        ByteBuffer x = le(blob.table("XSDT"));
        ByteBuffer r = le(blob.table("RSDT"));
        for (int i = 0; i < 3; i++) {
            assertThat(x.getLong(36 + 8 * i)).isEqualTo(expected.get(i));
            assertThat(Integer.toUnsignedLong(r.getInt(36 + 4 * i))).isEqualTo(expected.get(i));
        }
        ByteBuffer fadt = le(blob.table("FACP"));
        assertThat(Integer.toUnsignedLong(fadt.getInt(36))).as("FIRMWARE_CTRL").isEqualTo(blob.tables().get("FACS"));
        assertThat(Integer.toUnsignedLong(fadt.getInt(40))).as("DSDT").isEqualTo(blob.tables().get("DSDT"));
        assertThat(fadt.getLong(140)).as("X_DSDT").isEqualTo(blob.tables().get("DSDT"));
        // Every table is inside the blob, which fits the space below 1 MiB reserved for it.
        for (long at : blob.tables().values()) {
            assertThat(at).isBetween(BASE, BASE + blob.bytes().length - 1);
        }
    }

    @Test
    void largestMachineStillFitsBelowOneMib() {
        AcpiTables.Blob blob = AcpiTables.build(platform(255), BASE);
        assertThat(BASE + blob.bytes().length).isLessThanOrEqualTo(0x10_0000);
        assertThat(sum(blob.table("DSDT"), 0, blob.table("DSDT").length)).isZero();
    }

    @Test
    void optionalDevicesAreLeftOutWhenAbsent() {
        AcpiPlatform bare = new AcpiPlatform(1, 0x600, 9, 0xCF9, 6, 0xE000_0000L, 0xC000_0000L, 0x2000_0000L, 0, 0,
                0xFEC0_0000L, 0xFEE0_0000L, false, 0, 0x32);
        String dsdt = new String(AcpiTables.build(bare, BASE).table("DSDT"), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(dsdt).doesNotContain("COM1", "PEVT", "QEMU0001").contains("PCI0", "RTC_", "MRES");
    }

    // --- iasl -------------------------------------------------------------------------------

    static int count(String haystack, String needle) {
        int n = 0;
        for (int at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    /** The value of "Field Name : value" in iasl's data-table disassembly (the first one after {@code after}). */
    static String field(String dsl, String after, String fieldName) {
        Matcher m = Pattern.compile("(?m)(^|\\])\\s+" + Pattern.quote(fieldName) + " : (\\S+)").matcher(dsl);
        int from = after == null ? 0 : dsl.indexOf(after);
        assertThat(from).as("%s in the disassembly", after).isNotNegative();
        assertThat(m.find(from)).as("field %s after %s in:%n%s", fieldName, after, dsl).isTrue();
        return m.group(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void iaslDisassemblesTheDsdtToWhatWeDeclared(int vcpus, @TempDir Path dir) throws Exception {
        AcpiTables.Blob blob = AcpiTables.build(platform(vcpus), BASE);
        String dsl = Iasl.disassemble(dir, "dsdt", blob.table("DSDT"));
        assertThat(dsl).containsPattern("Name \\(\\\\_S5, Package \\(0x04\\)\\s*// _S5_.*\\s*\\{\\s*0x05,\\s*0x05,\\s*Zero,\\s*Zero");
        assertThat(count(dsl, "\"ACPI0007\"")).as("processor devices").isEqualTo(vcpus);
        assertThat(dsl).contains("Device (C000)").contains("Device (C%03X)".formatted(vcpus - 1));
        assertThat(dsl).contains("Device (PCI0)", "EisaId (\"PNP0A08\")", "EisaId (\"PNP0A03\")",
                "Name (_SEG, Zero)", "Name (_BBN, Zero)");
        assertThat(dsl).contains("WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,",
                "0x00FF,             // Range Maximum",
                "0xC0000000,         // Range Minimum", "0xDFFFFFFF,         // Range Maximum",
                "0x0000001000000000, // Range Minimum", "0x0000001FFFFFFFFF, // Range Maximum");
        assertThat(dsl).contains("Device (COM1)", "EisaId (\"PNP0501\")", "0x03F8,             // Range Minimum", "{4}");
        assertThat(dsl).contains("Device (RTC)", "EisaId (\"PNP0B00\")", "0x0070,             // Range Minimum", "{8}");
        assertThat(dsl).contains("Device (PEVT)", "Name (_HID, \"QEMU0001\")", "0x0505,             // Range Minimum",
                "Method (_STA, 0, NotSerialized)", "Return (0x0F)");
        assertThat(dsl).contains("EisaId (\"PNP0C02\")", "0x0600,             // Range Minimum", "0x0C,               // Length",
                "0xE0000000,         // Address Base", "0x10000000,         // Address Length");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8})
    void dsdtDisassemblyRecompilesToTheSameAml(int vcpus, @TempDir Path dir) throws Exception {
        byte[] dsdt = AcpiTables.build(platform(vcpus), BASE).table("DSDT");
        Iasl.disassemble(dir, "dsdt", dsdt);
        // -oa: no optimisations, so that the AML comes out as written.
        Iasl.run(dir, "-oa", "dsdt.dsl").clean();
        byte[] again = Files.readAllBytes(dir.resolve("dsdt.aml"));
        assertThat(again).hasSameSizeAs(dsdt);
        assertThat(Arrays.copyOfRange(again, AcpiTable.HEADER_SIZE, again.length))
                .isEqualTo(Arrays.copyOfRange(dsdt, AcpiTable.HEADER_SIZE, dsdt.length));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void iaslReadsTheMadtWithOneLocalApicPerVcpu(int vcpus, @TempDir Path dir) throws Exception {
        String dsl = Iasl.disassemble(dir, "apic", AcpiTables.build(platform(vcpus), BASE).table("APIC"));
        assertThat(count(dsl, "[Processor Local APIC]")).isEqualTo(vcpus);
        assertThat(field(dsl, null, "Local Apic Address")).isEqualTo("FEE00000");
        assertThat(field(dsl, null, "PC-AT Compatibility")).isEqualTo("1");
        for (int i = 0; i < vcpus; i++) {
            String entry = "[Processor Local APIC]";
            int at = -1;
            for (int k = 0; k <= i; k++) {
                at = dsl.indexOf(entry, at + 1);
            }
            String tail = dsl.substring(at);
            assertThat(field(tail, null, "Processor ID")).isEqualTo("%02X".formatted(i));
            assertThat(field(tail, null, "Local Apic ID")).isEqualTo("%02X".formatted(i));
            assertThat(field(tail, null, "Processor Enabled")).isEqualTo("1");
        }
        assertThat(count(dsl, "[I/O APIC]")).isEqualTo(1);
        assertThat(field(dsl, "[I/O APIC]", "Address")).isEqualTo("FEC00000");
        assertThat(field(dsl, "[I/O APIC]", "Interrupt")).isEqualTo("00000000");
        assertThat(count(dsl, "[Interrupt Source Override]")).isEqualTo(2);
        String sciOverride = dsl.substring(dsl.indexOf("Source : 09"));
        assertThat(field(sciOverride, null, "Interrupt")).isEqualTo("00000009");
        assertThat(field(sciOverride, null, "Polarity")).as("active high").isEqualTo("1");
        assertThat(field(sciOverride, null, "Trigger Mode")).as("level").isEqualTo("3");
        assertThat(field(dsl, "Source : 00", "Interrupt")).as("IRQ 0 on pin 2").isEqualTo("00000002");
        assertThat(field(dsl, "[Local APIC NMI]", "Interrupt Input LINT")).isEqualTo("01");
    }

    @Test
    void iaslReadsTheFadtRegistersWeDeclared(@TempDir Path dir) throws Exception {
        AcpiTables.Blob blob = AcpiTables.build(platform(2), BASE);
        String dsl = Iasl.disassemble(dir, "facp", blob.table("FACP"));
        assertThat(field(dsl, null, "Table Length")).isEqualTo("00000114");
        assertThat(field(dsl, null, "Revision")).isEqualTo("06");
        assertThat(field(dsl, null, "SCI Interrupt")).isEqualTo("0009");
        assertThat(field(dsl, null, "SMI Command Port")).isEqualTo("00000000");
        assertThat(field(dsl, null, "PM1A Event Block Address")).isEqualTo("00000600");
        assertThat(field(dsl, null, "PM1A Control Block Address")).isEqualTo("00000604");
        assertThat(field(dsl, null, "PM Timer Block Address")).isEqualTo("00000608");
        assertThat(field(dsl, null, "PM1 Event Block Length")).isEqualTo("04");
        assertThat(field(dsl, null, "PM1 Control Block Length")).isEqualTo("02");
        assertThat(field(dsl, null, "PM Timer Block Length")).isEqualTo("04");
        assertThat(field(dsl, null, "RTC Century Index")).isEqualTo("32");
        assertThat(field(dsl, null, "32-bit PM Timer (V1)")).isEqualTo("1");
        assertThat(field(dsl, null, "Reset Register Supported (V2)")).isEqualTo("1");
        assertThat(field(dsl, null, "Control Method Power Button (V1)")).as("fixed-feature power button").isEqualTo("0");
        assertThat(field(dsl, null, "Hardware Reduced (V5)")).isEqualTo("0");
        assertThat(field(dsl, "Reset Register", "Space ID")).isEqualTo("01");
        assertThat(field(dsl, "Reset Register", "Bit Width")).isEqualTo("08");
        assertThat(field(dsl, "Reset Register", "Address")).isEqualTo("0000000000000CF9");
        assertThat(field(dsl, null, "Value to cause reset")).isEqualTo("06");
        assertThat(field(dsl, "PM1A Event Block :", "Address")).isEqualTo("0000000000000600");
        assertThat(field(dsl, "PM1A Control Block :", "Address")).isEqualTo("0000000000000604");
        assertThat(field(dsl, "PM Timer Block :", "Address")).isEqualTo("0000000000000608");
        assertThat(field(dsl, "PM Timer Block :", "Bit Width")).isEqualTo("20");
        assertThat(field(dsl, null, "DSDT Address")).isEqualTo("%08X".formatted(blob.tables().get("DSDT")));
        assertThat(field(dsl, null, "FACS Address")).isEqualTo("%08X".formatted(blob.tables().get("FACS")));
    }

    @Test
    void iaslReadsMcfgFacsAndTheRootTables(@TempDir Path dir) throws Exception {
        AcpiTables.Blob blob = AcpiTables.build(platform(1), BASE);
        String mcfg = Iasl.disassemble(dir, "mcfg", blob.table("MCFG"));
        assertThat(field(mcfg, null, "Base Address")).isEqualTo("00000000E0000000");
        assertThat(field(mcfg, null, "Segment Group Number")).isEqualTo("0000");
        assertThat(field(mcfg, null, "Start Bus Number")).isEqualTo("00");
        assertThat(field(mcfg, null, "End Bus Number")).isEqualTo("FF");
        String facs = Iasl.disassemble(dir, "facs", blob.table("FACS"));
        assertThat(field(facs, null, "Length")).isEqualTo("00000040");
        assertThat(field(facs, null, "Version")).isEqualTo("02");
        String xsdt = Iasl.disassemble(dir, "xsdt", blob.table("XSDT"));
        String rsdt = Iasl.disassemble(dir, "rsdt", blob.table("RSDT"));
        String[] targets = {"FACP", "APIC", "MCFG"};
        for (int i = 0; i < 3; i++) {
            assertThat(field(xsdt, null, "ACPI Table Address   " + i)).isEqualTo("%016X".formatted(blob.tables().get(targets[i])));
            assertThat(field(rsdt, null, "ACPI Table Address   " + i)).isEqualTo("%08X".formatted(blob.tables().get(targets[i])));
        }
    }

    @Test
    void iaslBuildsTheSameRsdpFromItsFields(@TempDir Path dir) throws Exception {
        // iasl cannot disassemble a lone RSDP, but its data-table compiler builds one, checksums
        // included, from the fields: it must come out byte for byte as ours.
        AcpiTables.Blob blob = AcpiTables.build(platform(2), BASE);
        Files.writeString(dir.resolve("rsdp.asl"), """
                [0008]                          Signature : "RSD PTR "
                [0001]                           Checksum : 00
                [0006]                             Oem ID : "JXEN  "
                [0001]                           Revision : 02
                [0004]                       RSDT Address : %08X
                [0004]                             Length : 00000024
                [0008]                       XSDT Address : %016X
                [0001]                  Extended Checksum : 00
                [0003]                           Reserved : 000000
                """.formatted(blob.tables().get("RSDT"), blob.tables().get("XSDT")));
        Iasl.run(dir, "rsdp.asl").clean();
        assertThat(Files.readAllBytes(dir.resolve("rsdp.aml"))).isEqualTo(blob.table("RSDP"));
    }
}
