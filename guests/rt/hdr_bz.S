/*
 * The protected-mode head of the bzImage stub (bzstub.bzImage), linked at
 * BZ_LOAD_ADDR = pref_address; only the bzImage flavour links this file.
 * Documentation/arch/x86/boot.rst:
 *   startup_32 at +0      "32-bit Boot Protocol": protected mode, paging
 *                         off, CS=__BOOT_CS, DS=ES=SS=__BOOT_DS, ESI =
 *                         struct boot_params, no stack. Entered by our own
 *                         real-mode setup (bzsetup.S, EDI = BZ_ENTRY16_MAGIC)
 *                         or by a 32-bit loader, at code32_start.
 *   startup_64 at +0x200  "64-bit Boot Protocol": long mode, paging on,
 *                         identity map of the image (init_size), the zero
 *                         page and the command line; CS=__BOOT_CS,
 *                         DS=ES=SS=__BOOT_DS; RSI = struct boot_params.
 * Both move the image to its link address if the loader put it elsewhere
 * (relocatable_kernel=1 lets a loader choose any kernel_alignment multiple;
 * init_size < kernel_alignment, so the two ranges never overlap), zero the
 * bss (nobody else does), record how they were entered (rt_bz_entry), and
 * join head.S: startup_32 at rt_enter_long32 (our GDT and page tables from
 * paging off), startup_64 at rt_long_entry after loading our GDT and CR3.
 * Our stack and page tables are our own; nothing of the loader's is kept.
 */
#include "abi.h"

#define RT_BOOT_LINUX   3               /* enum rt_boot_kind (rt.h) */
#define BZ_ENTRY_16     16
#define BZ_ENTRY_32     32
#define BZ_ENTRY_64     64

        .section .bz.head, "ax"
        .code32
        .globl rt_bz_startup_32
rt_bz_startup_32:
        cld
        cli
        /* No stack is given: borrow boot_params.scratch for one call, as
         * Linux's startup_32 does, to learn where we run. */
        leal    (BP_SCRATCH + 4)(%esi), %esp
        call    1f
1:      popl    %ebp
        subl    $(1b - rt_bz_startup_32), %ebp  /* runtime address of startup_32 */
        movl    $rt_image_start, %eax
        cmpl    %eax, %ebp
        je      2f
        movl    %esi, %ebx
        movl    %edi, %edx                      /* BZ_ENTRY16_MAGIC or not */
        movl    %ebp, %esi
        movl    %eax, %edi
        movl    $rt_image_edata, %ecx
        subl    %eax, %ecx
        rep movsb                       /* file part only; the bss is zeroed below */
        movl    %ebx, %esi
        movl    %edx, %edi
2:      movl    $bz_entry32_linked, %eax
        jmp     *%eax

        .org    LINUX_STARTUP_64_OFF
        .code64
        .globl rt_bz_startup_64
rt_bz_startup_64:
        cld
        cli
        leaq    rt_bz_startup_32(%rip), %rbp     /* runtime address of +0 */
        movabsq $rt_image_start, %rdi
        cmpq    %rdi, %rbp
        je      1f
        movq    %rsi, %rbx
        movq    %rbp, %rsi
        movabsq $rt_image_edata, %rcx
        subq    %rdi, %rcx
        rep movsb
        movq    %rbx, %rsi
1:      movabsq $bz_entry64_linked, %rax
        jmp     *%rax

        /* kernel_info (boot.rst "The kernel_info", protocol 2.15): in the
         * protected-mode part, at header kernel_info_offset. */
        .balign 4
        .globl rt_bz_kernel_info
rt_bz_kernel_info:
        .long   LINUX_KERNEL_INFO_MAGIC         /* header "LToP" */
        .long   kernel_info_var_len_data - rt_bz_kernel_info   /* size */
        .long   kernel_info_end - rt_bz_kernel_info            /* size_total */
        .long   0                               /* setup_type_max: we read no setup_data */
kernel_info_var_len_data:
kernel_info_end:

/* ------------------------------------------------------------------ */
        .text
        .code32
bz_entry32_linked:
        movl    $rt_boot_stack_top, %esp        /* ours; stacks are not in the zeroed range */
        pushfl
        popl    %eax
        movl    $BZ_ENTRY_32, %edx
        cmpl    $BZ_ENTRY16_MAGIC, %edi
        jne     1f
        movl    $BZ_ENTRY_16, %edx
1:      pushl   %eax                            /* eflags */
        pushl   %edx                            /* entry kind */
        movl    $rt_bss_zero_start, %edi
        movl    $rt_bss_zero_end, %ecx
        subl    %edi, %ecx
        shrl    $2, %ecx
        xorl    %eax, %eax
        rep stosl
        popl    rt_bz_entry
        popl    rt_bz_entry_rflags
        movl    %ebp, rt_bz_loaded_at
        movw    %cs, rt_bz_entry_cs
        movw    %ds, rt_bz_entry_ds
        movw    %es, rt_bz_entry_es
        movw    %ss, rt_bz_entry_ss
        movl    $RT_BOOT_LINUX, rt_boot_kind
        movl    %esi, rt_boot_info_addr
        jmp     rt_enter_long32

        .code64
bz_entry64_linked:
        movq    $rt_boot_stack_top, %rsp
        pushfq
        popq    %r12
        movq    %rsi, %rbx
        movl    $MSR_EFER, %ecx
        rdmsr
        movl    %eax, %r13d
        movq    %cr0, %r14
        movq    %cr4, %r15
        movq    $rt_bss_zero_start, %rdi
        movq    $rt_bss_zero_end, %rcx
        subq    %rdi, %rcx
        shrq    $3, %rcx
        xorl    %eax, %eax
        rep stosq
        movl    $BZ_ENTRY_64, rt_bz_entry(%rip)
        movq    %r12, rt_bz_entry_rflags(%rip)
        movq    %rbp, rt_bz_loaded_at(%rip)
        movl    %r13d, rt_bz_entry_efer(%rip)
        movq    %r14, rt_bz_entry_cr0(%rip)
        movq    %r15, rt_bz_entry_cr4(%rip)
        movw    %cs, rt_bz_entry_cs(%rip)
        movw    %ds, rt_bz_entry_ds(%rip)
        movw    %es, rt_bz_entry_es(%rip)
        movw    %ss, rt_bz_entry_ss(%rip)
        sgdt    rt_bz_entry_gdt(%rip)
        movl    $RT_BOOT_LINUX, rt_boot_kind(%rip)
        movq    %rbx, rt_boot_info_addr(%rip)
        lgdt    rt_gdt_ptr(%rip)
        movq    $rt_pml4, %rax
        movq    %rax, %cr3
        pushq   $SEL_CODE64
        pushq   $rt_long_entry
        lretq

/* What the loader handed over; .data, so the bss clearing leaves it alone
 * (it is written after the clearing anyway). */
        .data
        .balign 8
        .globl rt_bz_entry, rt_bz_entry_rflags, rt_bz_loaded_at, rt_bz_entry_efer, rt_bz_entry_cr0
        .globl rt_bz_entry_cr4, rt_bz_entry_cs, rt_bz_entry_ds, rt_bz_entry_es, rt_bz_entry_ss, rt_bz_entry_gdt
rt_bz_loaded_at:        .quad 0
rt_bz_entry_rflags:     .quad 0
rt_bz_entry_cr0:        .quad 0
rt_bz_entry_cr4:        .quad 0
rt_bz_entry:            .long 0
rt_bz_entry_efer:       .long 0
rt_bz_entry_cs:         .word 0
rt_bz_entry_ds:         .word 0
rt_bz_entry_es:         .word 0
rt_bz_entry_ss:         .word 0
rt_bz_entry_gdt:        .word 0         /* sgdt: limit, then 8-byte base */
                        .quad 0

        .section .note.GNU-stack, "", @progbits
