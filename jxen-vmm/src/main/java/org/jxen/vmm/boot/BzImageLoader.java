package org.jxen.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;

/**
 * Boots a Linux bzImage through the 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * "64-bit Boot Protocol" and "The Real-Mode Kernel Header"): the protected-mode kernel is
 * loaded at its preferred address, the zero page gets the setup header, the e820 map, the
 * command line, the initrd and the RSDP, and the vCPU enters {@code startup_64} in long mode
 * on identity page tables covering the first 4 GiB.
 */
public final class BzImageLoader {
    // boot.rst: offsets in the file and in struct boot_params (the zero page).
    static final int SETUP_SECTS = 0x1F1;
    static final int BOOT_FLAG = 0x1FE;
    static final int HEADER = 0x202;
    static final int VERSION = 0x206;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21C;
    static final int HEAP_END_PTR = 0x224;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22C;
    static final int KERNEL_ALIGNMENT = 0x230;
    static final int RELOCATABLE_KERNEL = 0x234;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;
    static final int BP_ACPI_RSDP_ADDR = 0x070;
    static final int BP_EXT_RAMDISK_IMAGE = 0x0C0;
    static final int BP_EXT_RAMDISK_SIZE = 0x0C4;
    static final int BP_EXT_CMD_LINE_PTR = 0x0C8;
    static final int BP_E820_ENTRIES = 0x1E8;
    static final int BP_E820_TABLE = 0x2D0;
    static final int E820_MAX_ENTRIES = 128;
    static final int E820_ENTRY_SIZE = 20;
    static final int HDRS_MAGIC = 0x53726448; // "HdrS"
    static final int BOOT_FLAG_MAGIC = 0xAA55;
    /** 2.12: the first version with xloadflags and so a declared 64-bit entry. */
    static final int MIN_VERSION = 0x020C;
    static final int XLF_KERNEL_64 = 1;
    /** xloadflags bit 1: kernel, boot_params, command line and ramdisk may lie above 4 GiB. */
    static final int XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
    static final int LOADFLAGS_LOADED_HIGH = 1;
    static final int LOADFLAGS_CAN_USE_HEAP = 0x80;
    /** type_of_loader 0xFF: "undefined", as boot.rst tells loaders without an assigned ID to use. */
    static final int LOADER_UNDEFINED = 0xFF;
    /** The 64-bit entry point is 0x200 bytes into the protected-mode kernel. */
    static final long STARTUP_64_OFFSET = 0x200;
    static final long DEFAULT_LOAD_ADDRESS = 0x100_0000;
    static final long PAGE_PRESENT_RW = 0x3;
    static final long PAGE_PS = 0x80;

    private BzImageLoader() {}

    /** Whether the image has the boot sector flag and the "HdrS" setup header. */
    public static boolean isBzImage(byte[] image) {
        if (image.length < INIT_SIZE + 4) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        return Short.toUnsignedInt(b.getShort(BOOT_FLAG)) == BOOT_FLAG_MAGIC && b.getInt(HEADER) == HDRS_MAGIC;
    }

    public static EntryState load(GuestMemory mem, BootSpec spec, byte[] image) throws BootException {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        AddressMap map = spec.map();
        int version = Short.toUnsignedInt(b.getShort(VERSION));
        if (version < MIN_VERSION) {
            throw new BootException(String.format("%s: Linux boot protocol %d.%02d is too old (expected: 2.12 or later, "
                    + "for the 64-bit entry)", spec.kernel(), version >> 8, version & 0xff));
        }
        if ((b.getShort(XLOADFLAGS) & XLF_KERNEL_64) == 0) {
            throw new BootException(spec.kernel() + ": this bzImage has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)");
        }
        int setupSects = Byte.toUnsignedInt(image[SETUP_SECTS]);
        if (setupSects == 0) {
            setupSects = 4;
        }
        long kernelOffset = (setupSects + 1L) * 512;
        if (kernelOffset >= image.length) {
            throw new BootException(spec.kernel() + ": truncated bzImage: the protected-mode kernel starts at byte "
                    + kernelOffset + " of a " + image.length + "-byte file");
        }
        long kernelSize = image.length - kernelOffset;
        long initSize = Integer.toUnsignedLong(b.getInt(INIT_SIZE));
        long pref = b.getLong(PREF_ADDRESS);
        long load = pref >= AddressMap.HIMEM_START ? pref : DEFAULT_LOAD_ADDRESS;
        long footprint = Math.max(initSize, kernelSize);
        GuestLoad.checkKernelRange(spec.kernel(), map, load, footprint, "the kernel (init_size " + (initSize >> 20) + " MiB)");
        mem.write(load, java.util.Arrays.copyOfRange(image, (int) kernelOffset, image.length));

        long zp = AddressMap.ZERO_PAGE;
        mem.zero(zp, 4096);
        // Copy the setup header: from 0x1F1 to 0x202 + the jump offset at 0x201 (boot.rst).
        int headerEnd = HEADER + Byte.toUnsignedInt(image[0x201]);
        if (headerEnd > image.length || headerEnd > 4096 || headerEnd < INIT_SIZE + 4) {
            throw new BootException(spec.kernel() + ": malformed bzImage setup header (ends at " + headerEnd + ")");
        }
        mem.write(zp + SETUP_SECTS, java.util.Arrays.copyOfRange(image, SETUP_SECTS, headerEnd));
        mem.writeByte(zp + TYPE_OF_LOADER, LOADER_UNDEFINED);
        mem.writeByte(zp + LOADFLAGS, (image[LOADFLAGS] | LOADFLAGS_LOADED_HIGH | LOADFLAGS_CAN_USE_HEAP) & 0xff);
        mem.writeU16(zp + HEAP_END_PTR, 0xFE00);
        long cmdlineMax = Integer.toUnsignedLong(b.getInt(CMDLINE_SIZE)) + 1;
        long cmdline = GuestLoad.writeCmdline(mem, spec.cmdline(), (int) Math.min(cmdlineMax, AddressMap.CMDLINE_MAX));
        mem.writeU32(zp + CMD_LINE_PTR, (int) cmdline);
        mem.writeU32(zp + BP_EXT_CMD_LINE_PTR, (int) (cmdline >>> 32));
        try (InitrdFile initrd = InitrdFile.open(spec.initrd())) {
            if (initrd != null) {
                long max = Integer.toUnsignedLong(b.getInt(INITRD_ADDR_MAX)) + 1;
                // Below initrd_addr_max when it fits; above 4 GiB only for a kernel that says it copes.
                boolean above4G = (b.getShort(XLOADFLAGS) & XLF_CAN_BE_LOADED_ABOVE_4G) != 0;
                long at = GuestLoad.loadInitrd(mem, initrd, map, load + footprint, max, above4G);
                mem.writeU32(zp + RAMDISK_IMAGE, (int) at);
                mem.writeU32(zp + RAMDISK_SIZE, (int) initrd.size());
                mem.writeU32(zp + BP_EXT_RAMDISK_IMAGE, (int) (at >>> 32));
                mem.writeU32(zp + BP_EXT_RAMDISK_SIZE, (int) (initrd.size() >>> 32));
            }
        }
        mem.writeU64(zp + BP_ACPI_RSDP_ADDR, spec.rsdp());
        List<AddressMap.MapEntry> e820 = map.memoryMap();
        for (int i = 0; i < e820.size(); i++) {
            long e = zp + BP_E820_TABLE + (long) i * E820_ENTRY_SIZE;
            mem.writeU64(e, e820.get(i).start());
            mem.writeU64(e + 8, e820.get(i).size());
            mem.writeU32(e + 16, e820.get(i).type());
        }
        mem.writeByte(zp + BP_E820_ENTRIES, e820.size());
        writeIdentityPageTables(mem);
        return EntryState.long64(load + STARTUP_64_OFFSET, zp, AddressMap.PML4);
    }

    /** PML4 → PDPT → four page directories of 2 MiB pages: the first 4 GiB, identity-mapped. */
    static void writeIdentityPageTables(GuestMemory mem) {
        mem.zero(AddressMap.PML4, 4096);
        mem.zero(AddressMap.PDPT, 4096);
        mem.writeU64(AddressMap.PML4, AddressMap.PDPT | PAGE_PRESENT_RW);
        for (int i = 0; i < 4; i++) {
            long pd = AddressMap.PD + i * 4096L;
            mem.writeU64(AddressMap.PDPT + i * 8L, pd | PAGE_PRESENT_RW);
            for (int j = 0; j < 512; j++) {
                long phys = ((long) i << 30) | ((long) j << 21);
                mem.writeU64(pd + j * 8L, phys | PAGE_PRESENT_RW | PAGE_PS);
            }
        }
    }
}
