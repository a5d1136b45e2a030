/*
 * Multiboot v1 header (Multiboot 0.6.96 §3.1.1-3.1.3). Flags: page-align
 * modules, want memory info, and the address fields (bit 16) so that a
 * loader needs no ELF parsing (QEMU 7.2 refuses x86-64 ELF files without
 * them). Must lie in the first 8 KiB of the file, 4-byte aligned; the
 * linker script puts it first. Only the .mb.elf flavour links this file.
 */
#include "abi.h"
#define MB_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_AOUT_KLUDGE)
        .section .multiboot, "a"
        .balign 4
mb_header:
        .long   MULTIBOOT_HEADER_MAGIC
        .long   MB_FLAGS
        .long   -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)
        .long   mb_header               /* header_addr */
        .long   rt_image_start          /* load_addr */
        .long   rt_image_edata          /* load_end_addr */
        .long   rt_image_end            /* bss_end_addr */
        .long   rt_mb_entry             /* entry_addr */
        .section .note.GNU-stack, "", @progbits
