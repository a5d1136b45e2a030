package org.jxen.vmm.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.jxen.vmm.acpi.Aml.*;

/**
 * Builds the whole set of ACPI tables for a platform as one blob to be copied to guest
 * memory at {@code base} (inside 0xE0000..0xFFFFF so that the RSDP is found by the legacy scan
 * as well as through PVH's {@code rsdp_paddr} and boot_params' {@code acpi_rsdp_addr}).
 *
 * <pre>
 * base+0x00  RSDP (ACPI 2.0+, 36 bytes)
 * base+0x40  FACS (64-byte aligned, 5.2.10)
 * then       DSDT, FADT, MADT, MCFG, XSDT, RSDT, each 16-byte aligned
 * </pre>
 */
public final class AcpiTables {
    /** The tables laid out: the bytes, where the RSDP is, and where each table is. */
    public record Blob(long base, byte[] bytes, long rsdp, Map<String, Long> tables) {
        /** The bytes of one table (by signature; "RSDP" and "FACS" included). */
        public byte[] table(String signature) {
            long at = tables.get(signature) - base;
            int len = switch (signature) {
                case "RSDP" -> 36;
                case "FACS" -> 64;
                default -> ByteBuffer.wrap(bytes, (int) at + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            };
            byte[] out = new byte[len];
            System.arraycopy(bytes, (int) at, out, 0, len);
            return out;
        }
    }

    // ACPI 6.x, 5.2.9 table 5.10: FADT flags.
    static final int FADT_WBINVD = 1;
    static final int FADT_PROC_C1 = 1 << 2;
    static final int FADT_SLP_BUTTON = 1 << 5;
    static final int FADT_FIX_RTC = 1 << 6;
    static final int FADT_TMR_VAL_EXT = 1 << 8;
    static final int FADT_RESET_REG_SUP = 1 << 10;
    // ACPI 6.x, 5.2.9.3 table 5.11: IA-PC boot architecture flags.
    static final int IAPC_LEGACY_DEVICES = 1;
    static final int IAPC_VGA_NOT_PRESENT = 1 << 2;
    // ACPI 6.x, 5.2.12: MADT.
    static final int MADT_PCAT_COMPAT = 1;
    static final int MADT_LOCAL_APIC = 0;
    static final int MADT_IO_APIC = 1;
    static final int MADT_INTERRUPT_OVERRIDE = 2;
    static final int MADT_LOCAL_APIC_NMI = 4;
    /** MPS INTI flags (5.2.12.5): active high (01) and level triggered (11 << 2). */
    static final int INTI_ACTIVE_HIGH_LEVEL = 0x0D;
    static final int INTI_ACTIVE_HIGH_EDGE = 0x05;
    /** GAS address spaces (5.2.3.2). */
    static final int GAS_SYSTEM_IO = 1;

    private AcpiTables() {}

    public static Blob build(AcpiPlatform p, long base) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, Long> at = new LinkedHashMap<>();
        out.writeBytes(new byte[36]); // RSDP, written last
        pad(out, 64);
        at.put("FACS", base + out.size());
        out.writeBytes(facs());
        long dsdt = place(out, base, at, "DSDT", dsdt(p));
        long fadt = place(out, base, at, "FACP", fadt(p, at.get("FACS"), dsdt));
        long madt = place(out, base, at, "APIC", madt(p));
        long mcfg = place(out, base, at, "MCFG", mcfg(p));
        long[] pointers = {fadt, madt, mcfg};
        long xsdt = place(out, base, at, "XSDT", xsdt(pointers));
        long rsdt = place(out, base, at, "RSDT", rsdt(pointers));
        byte[] bytes = out.toByteArray();
        System.arraycopy(rsdp(rsdt, xsdt), 0, bytes, 0, 36);
        at.put("RSDP", base);
        return new Blob(base, bytes, base, at);
    }

    private static long place(ByteArrayOutputStream out, long base, Map<String, Long> at, String sig, byte[] table) {
        pad(out, 16);
        long addr = base + out.size();
        at.put(sig, addr);
        out.writeBytes(table);
        return addr;
    }

    private static void pad(ByteArrayOutputStream out, int align) {
        while (out.size() % align != 0) {
            out.write(0);
        }
    }

    /** RSDP revision 2 (ACPI 6.x, 5.2.5.3). */
    static byte[] rsdp(long rsdt, long xsdt) {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 0);
        b.put(AcpiTable.OEM_ID.getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 2);
        b.putInt((int) rsdt);
        b.putInt(36);
        b.putLong(xsdt);
        b.put((byte) 0);
        b.put(new byte[3]);
        byte[] r = b.array();
        byte[] first20 = new byte[20];
        System.arraycopy(r, 0, first20, 0, 20);
        r[8] = AcpiTable.checksum(first20);
        r[32] = AcpiTable.checksum(r);
        return r;
    }

    /** FACS (ACPI 6.x, 5.2.10): no checksum; the global lock and waking vectors stay zero. */
    static byte[] facs() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("FACS".getBytes(StandardCharsets.US_ASCII));
        b.putInt(64);
        b.putInt(0); // hardware signature
        b.putInt(0); // firmware waking vector
        b.putInt(0); // global lock
        b.putInt(0); // flags
        b.putLong(0); // X firmware waking vector
        b.put((byte) 2); // version
        return b.array();
    }

    /** FADT revision 6 (ACPI 6.x, 5.2.9, table 5.9): 276 bytes. */
    static byte[] fadt(AcpiPlatform p, long facs, long dsdt) {
        int pm1Evt = p.pmBase();
        int pm1Cnt = p.pmBase() + 4;
        int pmTmr = p.pmBase() + 8;
        AcpiTable t = new AcpiTable("FACP", 6, "JXENFACP");
        t.u32(facs)             // 36 FIRMWARE_CTRL
         .u32(dsdt)             // 40 DSDT
         .u8(0)                 // 44 reserved
         .u8(0)                 // 45 Preferred_PM_Profile: unspecified
         .u16(p.sciIrq())       // 46 SCI_INT
         .u32(0)                // 48 SMI_CMD: 0, the platform is always in ACPI mode
         .u8(0).u8(0)           // 52 ACPI_ENABLE, ACPI_DISABLE
         .u8(0).u8(0)           // 54 S4BIOS_REQ, PSTATE_CNT
         .u32(pm1Evt)           // 56 PM1a_EVT_BLK
         .u32(0)                // 60 PM1b_EVT_BLK
         .u32(pm1Cnt)           // 64 PM1a_CNT_BLK
         .u32(0)                // 68 PM1b_CNT_BLK
         .u32(0)                // 72 PM2_CNT_BLK
         .u32(pmTmr)            // 76 PM_TMR_BLK
         .u32(0).u32(0)         // 80 GPE0_BLK, GPE1_BLK
         .u8(4).u8(2).u8(0).u8(4) // 88 PM1_EVT_LEN, PM1_CNT_LEN, PM2_CNT_LEN, PM_TMR_LEN
         .u8(0).u8(0).u8(0)     // 92 GPE0_BLK_LEN, GPE1_BLK_LEN, GPE1_BASE
         .u8(0)                 // 95 CST_CNT
         .u16(0x0FFF)           // 96 P_LVL2_LAT: > 100, C2 not supported
         .u16(0x0FFF)           // 98 P_LVL3_LAT: > 1000, C3 not supported
         .u16(0).u16(0)         // 100 FLUSH_SIZE, FLUSH_STRIDE
         .u8(0).u8(0)           // 104 DUTY_OFFSET, DUTY_WIDTH
         .u8(0).u8(0)           // 106 DAY_ALRM, MON_ALRM
         .u8(p.rtcCentury())    // 108 CENTURY
         .u16(IAPC_LEGACY_DEVICES | IAPC_VGA_NOT_PRESENT) // 109 IAPC_BOOT_ARCH
         .u8(0)                 // 111 reserved
         .u32(FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP) // 112
         .gas(GAS_SYSTEM_IO, 8, 0, 1, p.resetPort()) // 116 RESET_REG
         .u8(p.resetValue())    // 128 RESET_VALUE
         .u16(0)                // 129 ARM_BOOT_ARCH
         .u8(0)                 // 131 FADT minor version
         .u64(0)                // 132 X_FIRMWARE_CTRL (FIRMWARE_CTRL is used)
         .u64(dsdt)             // 140 X_DSDT
         .gas(GAS_SYSTEM_IO, 32, 0, 0, pm1Evt) // 148 X_PM1a_EVT_BLK
         .gas(0, 0, 0, 0, 0)    // 160 X_PM1b_EVT_BLK
         .gas(GAS_SYSTEM_IO, 16, 0, 0, pm1Cnt) // 172 X_PM1a_CNT_BLK
         .gas(0, 0, 0, 0, 0)    // 184 X_PM1b_CNT_BLK
         .gas(0, 0, 0, 0, 0)    // 196 X_PM2_CNT_BLK
         .gas(GAS_SYSTEM_IO, 32, 0, 0, pmTmr) // 208 X_PM_TMR_BLK
         .gas(0, 0, 0, 0, 0)    // 220 X_GPE0_BLK
         .gas(0, 0, 0, 0, 0)    // 232 X_GPE1_BLK
         .gas(0, 0, 0, 0, 0)    // 244 SLEEP_CONTROL_REG (hardware-reduced only)
         .gas(0, 0, 0, 0, 0)    // 256 SLEEP_STATUS_REG
         .bytes("JXENJXEN".getBytes(StandardCharsets.US_ASCII)); // 268 hypervisor vendor identity
        return t.toBytes();
    }

    /** MADT revision 3 (ACPI 6.x, 5.2.12). */
    static byte[] madt(AcpiPlatform p) {
        AcpiTable t = new AcpiTable("APIC", 3, "JXENAPIC");
        t.u32(p.lapicAddress()).u32(MADT_PCAT_COMPAT);
        for (int i = 0; i < p.vcpus(); i++) {
            t.u8(MADT_LOCAL_APIC).u8(8).u8(i).u8(i).u32(1); // UID i, APIC id i, enabled
        }
        // KVM's in-kernel IOAPIC has id 0 and takes GSIs 0..23.
        t.u8(MADT_IO_APIC).u8(12).u8(0).u8(0).u32(p.ioapicAddress()).u32(0);
        // The PIT's IRQ 0 arrives at IOAPIC pin 2, as on every PC.
        t.u8(MADT_INTERRUPT_OVERRIDE).u8(10).u8(0).u8(0).u32(2).u16(0);
        t.u8(MADT_INTERRUPT_OVERRIDE).u8(10).u8(0).u8(p.sciIrq()).u32(p.sciIrq()).u16(INTI_ACTIVE_HIGH_LEVEL);
        // NMIs arrive on LINT1 of every processor.
        t.u8(MADT_LOCAL_APIC_NMI).u8(6).u8(0xFF).u16(INTI_ACTIVE_HIGH_EDGE).u8(1);
        return t.toBytes();
    }

    /** MCFG (PCI Firmware 3.2, 4.1.2): one ECAM allocation, segment 0, buses 0..255. */
    static byte[] mcfg(AcpiPlatform p) {
        AcpiTable t = new AcpiTable("MCFG", 1, "JXENMCFG");
        t.zeros(8);
        t.u64(p.ecamBase()).u16(0).u8(0).u8(255).u32(0);
        return t.toBytes();
    }

    static byte[] xsdt(long[] tables) {
        AcpiTable t = new AcpiTable("XSDT", 1, "JXENXSDT");
        for (long a : tables) {
            t.u64(a);
        }
        return t.toBytes();
    }

    static byte[] rsdt(long[] tables) {
        AcpiTable t = new AcpiTable("RSDT", 1, "JXENRSDT");
        for (long a : tables) {
            t.u32(a);
        }
        return t.toBytes();
    }

    /** The DSDT, revision 2 (64-bit integers). */
    static byte[] dsdt(AcpiPlatform p) {
        ByteArrayOutputStream sb = new ByteArrayOutputStream();
        for (int i = 0; i < p.vcpus(); i++) {
            sb.writeBytes(device(String.format("C%03X", i),
                    name("_HID", string("ACPI0007")),
                    name("_UID", integer(i))));
        }
        byte[] pciCrs = cat(
                wordBusNumber(0, 0xFF),
                io(0xCF8, 0xCF8, 1, 8),
                wordIo(0x0000, 0x0CF7),
                wordIo(0x0D00, 0xFFFF),
                dwordMemory(p.mmio32Base(), p.mmio32Base() + p.mmio32Size() - 1),
                p.mmio64Size() > 0 ? qwordMemory(p.mmio64Base(), p.mmio64Base() + p.mmio64Size() - 1) : new byte[0]);
        // No _ADR beside the _HID: a device has one or the other (ACPI 6.x, 6.1; iasl warns).
        sb.writeBytes(device("PCI0",
                name("_HID", eisaId("PNP0A08")),
                name("_CID", eisaId("PNP0A03")),
                name("_SEG", integer(0)),
                name("_UID", integer(0)),
                name("_BBN", integer(0)),
                name("_CRS", resourceTemplate(pciCrs))));
        if (p.com1()) {
            sb.writeBytes(device("COM1",
                    name("_HID", eisaId("PNP0501")),
                    name("_UID", integer(1)),
                    name("_CRS", resourceTemplate(io(0x3F8, 0x3F8, 0, 8), irqNoFlags(4)))));
        }
        sb.writeBytes(device("RTC",
                name("_HID", eisaId("PNP0B00")),
                name("_CRS", resourceTemplate(io(0x70, 0x70, 1, 2), irqNoFlags(8)))));
        if (p.pvpanicPort() != 0) {
            sb.writeBytes(device("PEVT",
                    name("_HID", string("QEMU0001")),
                    name("_CRS", resourceTemplate(io(p.pvpanicPort(), p.pvpanicPort(), 1, 1))),
                    methodReturning("_STA", integer(0x0F))));
        }
        sb.writeBytes(device("MRES",
                name("_HID", eisaId("PNP0C02")),
                name("_UID", integer(1)),
                name("_CRS", resourceTemplate(
                        io(p.pmBase(), p.pmBase(), 1, 12),
                        memory32Fixed(p.ecamBase(), 0x1000_0000L, false)))));
        AcpiTable t = new AcpiTable("DSDT", 2, "JXENDSDT");
        t.bytes(name("\\_S5", pkg(integer(5), integer(5), integer(0), integer(0))));
        t.bytes(scope("\\_SB", sb.toByteArray()));
        return t.toBytes();
    }
}
