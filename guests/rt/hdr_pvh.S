/*
 * PVH ELF note: XEN_ELFNOTE_PHYS32_ENTRY (/usr/include/xen/elfnote.h),
 * name "Xen", a 32-bit physical entry address as Xen defines it (Linux's
 * vmlinux does the same). Only the PVH flavour links this file.
 */
#include "abi.h"
        .section .note.Xen, "a", @note
        .balign 4
        .long   4                       /* namesz: "Xen\0" */
        .long   4                       /* descsz */
        .long   XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  "Xen"
        .long   rt_pvh_entry
        .section .note.GNU-stack, "", @progbits
