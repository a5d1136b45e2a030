/*
 * One PT_LOAD segment at 1 MiB holding everything (so the Multiboot
 * address fields describe a contiguous file range), plus a PT_NOTE for
 * the PVH flavour. Preprocessed with -DRT_PVH or -DRT_MB.
 */
OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
#ifdef RT_PVH
ENTRY(rt_pvh_entry)
#else
ENTRY(rt_mb_entry)
#endif

PHDRS
{
    image PT_LOAD FLAGS(7);
#ifdef RT_PVH
    note PT_NOTE FLAGS(4);
#endif
}

SECTIONS
{
    . = 0x100000;
    rt_image_start = .;
    .text : {
        KEEP(*(.multiboot))
        *(.boot.text)
        *(.text .text.*)
    } :image
    .rodata : { *(.rodata .rodata.*) } :image
#ifdef RT_PVH
    .note.Xen : { KEEP(*(.note.Xen)) } :image :note
#endif
    .data : { *(.data .data.*) } :image
    rt_image_edata = .;
    .bss : { *(.bss .bss.*) *(COMMON) } :image
    . = ALIGN(4096);
    rt_image_end = .;
    /DISCARD/ : { *(.comment) *(.eh_frame) *(.note.gnu.property) *(.note.GNU-stack) }
}
