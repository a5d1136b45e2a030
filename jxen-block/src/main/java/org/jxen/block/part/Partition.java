package org.jxen.block.part;

/**
 * One partition of a disk: its number as Linux numbers it (1-4 primary MBR or GPT entries in
 * order, 5 and up for MBR logical partitions), where it starts and how long it is in bytes, and
 * its type: the MBR type byte as two hex digits ("83"), or the GPT type GUID in lower case.
 */
public record Partition(int number, long offset, long length, String type, String name, boolean bootable) {
    /** Linux filesystem data, GPT (UEFI spec, Linux's list). */
    public static final String GPT_LINUX_FS = "0fc63daf-8483-4772-8e79-3d69d8477de4";
    /** EFI system partition, GPT. */
    public static final String GPT_EFI_SYSTEM = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
    /** BIOS boot partition, GPT (GRUB's core image; no filesystem). */
    public static final String GPT_BIOS_BOOT = "21686148-6449-6e6f-744e-656564454649";
    /** Linux swap: MBR type 82, GPT GUID. */
    public static final String MBR_SWAP = "82";
    public static final String GPT_SWAP = "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f";

    /** Whether this kind of partition can hold no filesystem worth looking in (swap, BIOS boot, extended). */
    public boolean holdsNoFilesystem() {
        return type.equals(MBR_SWAP) || type.equals(GPT_SWAP) || type.equals(GPT_BIOS_BOOT)
                || type.equals("05") || type.equals("0f") || type.equals("85");
    }
}
