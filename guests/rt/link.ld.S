/*
 * One PT_LOAD segment holding everything (so the Multiboot address fields
 * describe a contiguous file range), plus a PT_NOTE for the PVH flavour.
 * Preprocessed with -DRT_PVH, -DRT_MB or -DRT_BZ:
 *   RT_PVH, RT_MB  loaded at 1 MiB by the PVH or Multiboot loader;
 *   RT_BZ          the protected-mode part of the bzImage stub, linked at
 *                  its pref_address (BZ_LOAD_ADDR); hdr_bz.S comes first
 *                  (startup_32 at +0, startup_64 at +0x200). Nobody zeroes
 *                  its bss but itself, so stacks and page-table pools (never
 *                  read before written) come first and only
 *                  rt_bss_zero_start..rt_bss_zero_end is cleared.
 */
#include "abi.h"
OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
#if defined(RT_PVH)
ENTRY(rt_pvh_entry)
#elif defined(RT_MB)
ENTRY(rt_mb_entry)
#else
ENTRY(rt_bz_startup_64)
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
#ifdef RT_BZ
    . = BZ_LOAD_ADDR;
#else
    . = RT_LOAD_ADDR;
#endif
    rt_image_start = .;
    .text : {
        KEEP(*(.bz.head))
        KEEP(*(.multiboot))
        *(.boot.text)
        *(.text .text.*)
    } :image
    .rodata : { *(.rodata .rodata.*) } :image
#ifdef RT_PVH
    .note.Xen : { KEEP(*(.note.Xen)) } :image :note
#endif
    .data : {
        *(.data .data.*)
        . = ALIGN(16);          /* the file part ends on a paragraph (bzImage syssize) */
    } :image
    rt_image_edata = .;
    .bss : {
        *(.bss.stacks)
        *(.bss.noinit.*)
        . = ALIGN(8);
        rt_bss_zero_start = .;
        *(.bss .bss.*) *(COMMON)
        . = ALIGN(8);
        rt_bss_zero_end = .;
    } :image
    . = ALIGN(4096);
    rt_image_end = .;
#ifdef RT_BZ
    /* For the real-mode header (bzsetup.S, linked with --just-symbols). */
    bz_syssize = (rt_image_edata - rt_image_start) / 16;
    bz_init_size = rt_image_end - rt_image_start;
    bz_kernel_info_offset = rt_bz_kernel_info - rt_image_start;
    ASSERT(bz_init_size < BZ_ALIGN, "bzstub: init_size must stay below kernel_alignment (self-move without overlap)")
    ASSERT(rt_bz_startup_64 - rt_image_start == LINUX_STARTUP_64_OFF, "bzstub: startup_64 must be at +0x200")
#endif
    /DISCARD/ : { *(.comment) *(.eh_frame) *(.note.gnu.property) *(.note.GNU-stack) }
}
