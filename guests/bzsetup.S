/*
 * The real-mode part of bzstub.bzImage: boot sector, the setup header of
 * Documentation/arch/x86/boot.rst ("The Real-Mode Kernel Header", protocol
 * 2.15), and a small 16-bit setup for loaders that run it (QEMU -kernel,
 * qboot, SeaBIOS): it builds struct boot_params (zero-page.rst) from the
 * header and BIOS INT 15h E820 (ACPI 6.5 §15.1), enters 32-bit protected
 * mode on a flat GDT with __BOOT_CS/__BOOT_DS and jumps to code32_start
 * with ESI = boot_params ("32-bit Boot Protocol"), EDI = BZ_ENTRY16_MAGIC.
 *
 * Linked at 0 and with --just-symbols of the protected-mode ELF for
 * bz_syssize, bz_init_size and bz_kernel_info_offset (link.ld.S).
 * Runs on: the BSP, real mode, entered at segment (base + 0x20):0000 with
 * DS = ES = SS = base (boot.rst "Running the Kernel").
 */
#include "abi.h"

#define SETUP_SECTS     2                       /* real-mode part = (2 + 1) * 512 bytes */
#define RM_BP           ((SETUP_SECTS + 1) * 512)       /* our boot_params, offset in the segment */
#define RM_STACK_TOP    (RM_BP + BP_SIZE + 0x1000)      /* in the setup heap the loader gives us */
#define VID_MODE_NORMAL 0xFFFF                  /* boot.rst "Special Command Line Options": vga=normal */
#define START_SYS_SEG   0x1000                  /* boot.rst start_sys_seg: "The load-low segment (0x1000)" */
#define BZIMAGE_LOAD    0x100000                /* boot.rst "Loading The Rest": bzImage load address */

        .code16
        .section .text, "ax"
        .globl _start
_start:
        /* Boot sector: this is not a disk image; a BIOS that boots it halts. */
        cli
1:      hlt
        jmp     1b

        .org    BP_SETUP_SECTS
        .byte   SETUP_SECTS                     /* 0x1F1 setup_sects */
        .word   0                               /* 0x1F2 root_flags */
        .long   bz_syssize                      /* 0x1F4 syssize (16-byte paragraphs) */
        .word   0                               /* 0x1F8 ram_size (obsolete) */
        .word   VID_MODE_NORMAL                 /* 0x1FA vid_mode */
        .word   0                               /* 0x1FC root_dev */
        .word   LINUX_BOOT_FLAG                 /* 0x1FE boot_flag */
        .byte   0xEB, hdr_end - _start - (BP_JUMP + 2)  /* 0x200 jump: short jmp; its offset gives the header's end */
        .ascii  "HdrS"                          /* 0x202 header */
        .word   LINUX_PROTOCOL_2_15             /* 0x206 version */
        .long   0                               /* 0x208 realmode_swtch */
        .word   START_SYS_SEG                   /* 0x20C start_sys_seg */
        .word   kernel_version - _start - 0x200 /* 0x20E kernel_version */
        .byte   0                               /* 0x210 type_of_loader (loader writes) */
        .byte   LOADFLAGS_LOADED_HIGH           /* 0x211 loadflags */
        .word   0                               /* 0x212 setup_move_size */
        .long   BZIMAGE_LOAD                    /* 0x214 code32_start */
        .long   0                               /* 0x218 ramdisk_image */
        .long   0                               /* 0x21C ramdisk_size */
        .long   0                               /* 0x220 bootsect_kludge */
        .word   0                               /* 0x224 heap_end_ptr */
        .byte   0                               /* 0x226 ext_loader_ver */
        .byte   0                               /* 0x227 ext_loader_type */
        .long   0                               /* 0x228 cmd_line_ptr */
        .long   BZ_INITRD_ADDR_MAX              /* 0x22C initrd_addr_max */
        .long   BZ_ALIGN                        /* 0x230 kernel_alignment */
        .byte   1                               /* 0x234 relocatable_kernel */
        .byte   BZ_ALIGN_LOG2                   /* 0x235 min_alignment */
        .word   XLF_KERNEL_64                   /* 0x236 xloadflags */
        .long   BZ_CMDLINE_SIZE                 /* 0x238 cmdline_size */
        .long   0                               /* 0x23C hardware_subarch: x86/PC */
        .quad   0                               /* 0x240 hardware_subarch_data */
        .long   0                               /* 0x248 payload_offset */
        .long   0                               /* 0x24C payload_length */
        .quad   0                               /* 0x250 setup_data */
        .quad   BZ_LOAD_ADDR                    /* 0x258 pref_address */
        .long   bz_init_size                    /* 0x260 init_size */
        .long   0                               /* 0x264 handover_offset: no EFI handover */
        .long   bz_kernel_info_offset           /* 0x268 kernel_info_offset */
        .org    BP_HDR_END                      /* fails to assemble if the header overran */
hdr_end:

/* 16-bit entry: CS = base + 0x20, IP = 0 ran the jump above; now at
 * CS:(hdr_end - 0x200). Make CS = DS so that offsets are file offsets. */
        cli
        cld
        pushw   %ds
        pushw   $1f
        lretw
1:      movw    %ds, %ax
        movw    %ax, %es
        movw    %ax, %ss
        movw    $RM_STACK_TOP, %sp
        /* boot_params: zero, then the setup header as the loader left it. */
        movw    $RM_BP, %di
        movw    $(BP_SIZE / 2), %cx
        xorw    %ax, %ax
        rep stosw
        movw    $BP_SETUP_SECTS, %si
        movw    $(RM_BP + BP_SETUP_SECTS), %di
        movw    $(BP_HDR_END - BP_SETUP_SECTS), %cx
        rep movsb
        /* e820 map: INT 15h, EAX = E820h, EDX = "SMAP", ES:DI = entry,
         * EBX = continuation (ACPI 6.5 §15.1 Table 15.2/15.3). */
        xorl    %ebx, %ebx
        xorw    %bp, %bp
        movw    $(RM_BP + BP_E820_TABLE), %di
2:      movl    $0xE820, %eax
        movl    $E820_SMAP, %edx
        movl    $BP_E820_ENTRY_SIZE, %ecx
        int     $0x15
        jc      3f
        cmpl    $E820_SMAP, %eax
        jne     3f
        incw    %bp
        addw    $BP_E820_ENTRY_SIZE, %di
        cmpw    $BP_E820_MAX, %bp
        jae     3f
        testl   %ebx, %ebx
        jnz     2b
3:      cli
        movw    %bp, %ax
        movb    %al, (RM_BP + BP_E820_ENTRIES)
        /* Protected mode: patch the GDT base and the far jump with our
         * linear address (the segment is the loader's choice). */
        xorl    %ebx, %ebx
        movw    %ds, %bx
        shll    $4, %ebx
        leal    gdt(%ebx), %eax
        movl    %eax, (gdt_ptr + 2)
        leal    pm32(%ebx), %eax
        movl    %eax, (pm32_target)
        leal    RM_BP(%ebx), %esi
        lgdtl   (gdt_ptr)
        movl    %cr0, %eax
        orl     $CR0_PE, %eax
        movl    %eax, %cr0
        .byte   0x66, 0xEA                      /* ljmpl $__BOOT_CS, $pm32 */
pm32_target:
        .long   0
        .word   LINUX_BOOT_CS

        .code32
pm32:
        movl    $LINUX_BOOT_DS, %eax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    %ax, %fs
        movw    %ax, %gs
        movl    BP_CODE32_START(%esi), %eax
        xorl    %ebx, %ebx
        xorl    %ebp, %ebp
        movl    $BZ_ENTRY16_MAGIC, %edi
        jmp     *%eax

        .code16
        .balign 8
gdt:    .quad   0
        .quad   0
        .quad   0x00CF9A000000FFFF              /* 0x10 __BOOT_CS: flat 32-bit code (SDM Vol. 3A §3.4.5) */
        .quad   0x00CF92000000FFFF              /* 0x18 __BOOT_DS: flat data */
gdt_end:
gdt_ptr:
        .word   gdt_end - gdt - 1
        .long   0
kernel_version:
        .asciz  "jxen bzstub"

        .org    (SETUP_SECTS + 1) * 512         /* fails to assemble if the code outgrew SETUP_SECTS */
        .section .note.GNU-stack, "", @progbits
