/*
 * Entry points (the bzImage ones are in hdr_bz.S), the switch to long mode, the static GDT/TSS/page tables,
 * exception and interrupt stubs, the ring-3 call gate and the AP
 * trampoline.
 *
 * Runs on: the BSP (entry) and every AP (trampoline), ring 0, interrupts off.
 * Both boot protocols enter in 32-bit protected mode with paging off:
 *   PVH  (Xen docs/misc/pvh.pandoc): EBX = struct hvm_start_info *.
 *   Multiboot v1 (0.6.96 §3.2): EAX = 0x2BADB002, EBX = multiboot info.
 * Ring 0 is emulated instruction by instruction on some KVM hosts, so the
 * page tables and the GDT are built by the assembler, not at run time.
 */
#include "abi.h"

#define RT_BOOT_PVH        1
#define RT_BOOT_MULTIBOOT  2
#define BOOT_STACK_SIZE    16384

        .section .boot.text, "ax"
        .code32
        .globl rt_pvh_entry
rt_pvh_entry:
        cld
        movl    $RT_BOOT_PVH, rt_boot_kind
        movl    %ebx, rt_boot_info_addr
        jmp     rt_enter_long32

        .globl rt_mb_entry
rt_mb_entry:
        cld
        movl    $RT_BOOT_MULTIBOOT, rt_boot_kind
        movl    %eax, rt_boot_magic
        movl    %ebx, rt_boot_info_addr
/* Common 32-bit path (also the bzImage stub's startup_32, hdr_bz.S):
 * protected mode, paging off, flat segments, rt_boot_* already set. */
        .globl rt_enter_long32
rt_enter_long32:
        movl    $rt_boot_stack_top, %esp
        lgdt    rt_gdt_ptr
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $rt_pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $(CR0_PG | CR0_PE), %eax
        movl    %eax, %cr0
        ljmp    $SEL_CODE64, $rt_long_entry

/* Long mode on our GDT and page tables (the bzImage stub's startup_64
 * joins here by a far return). */
        .code64
        .globl rt_long_entry
rt_long_entry:
        movl    $SEL_DATA, %eax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        xorl    %eax, %eax
        mov     %ax, %fs
        mov     %ax, %gs
        movq    $rt_boot_stack_top, %rsp
        xorl    %ebp, %ebp
        call    rt_entry
2:      cli
        hlt
        jmp     2b

/* ---------------------------------------------------------------------
 * AP trampoline, copied to AP_TRAMPOLINE_ADDR (SIPI vector 0x08 gives
 * CS=0x0800 IP=0, SDM Vol. 3A §9.4.4). Position independent: every
 * address is trampoline-relative, so it needs no second load address.
 */
#define TR(x) (AP_TRAMPOLINE_ADDR + (x) - rt_ap_tramp_start)
        .section .rodata.tramp, "a"
        .code16
        .globl rt_ap_tramp_start, rt_ap_tramp_end
rt_ap_tramp_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        lgdtl   (ap_gdt_ptr - rt_ap_tramp_start)
        movl    %cr0, %eax
        orl     $CR0_PE, %eax
        movl    %eax, %cr0
        ljmpl   $SEL_CODE32, $TR(ap_pm)
        .code32
ap_pm:
        movl    $SEL_DATA, %eax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $rt_pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $CR0_PG, %eax
        movl    %eax, %cr0
        ljmp    $SEL_CODE64, $TR(ap_lm)
        .code64
ap_lm:
        movabsq $rt_ap_entry64, %rax
        jmp     *%rax
        .balign 4
ap_gdt_ptr:
        .word   rt_gdt_end - rt_gdt - 1
        .long   rt_gdt
rt_ap_tramp_end:

        .text
        .code64
rt_ap_entry64:
        movl    $SEL_DATA, %eax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        xorl    %eax, %eax
        mov     %ax, %fs
        mov     %ax, %gs
        movl    $1, %eax
        lock xaddl %eax, rt_ap_next_slot(%rip)
        cmpl    $RT_MAX_AP_STACKS, %eax
        jae     3f
        movl    %eax, %edi              /* slot */
        leal    1(%eax), %eax
        imull   $RT_AP_STACK_SIZE, %eax
        leaq    rt_ap_stacks(%rip), %rsp
        addq    %rax, %rsp
        xorl    %ebp, %ebp
        call    rt_ap_main
3:      cli
        hlt
        jmp     3b

/* ---------------------------------------------------------------------
 * Exception / interrupt stubs: one 16-byte stub per vector, so C finds
 * vector v at rt_vector_stubs + 16*v. Vectors 8, 10-14, 17, 21, 29, 30
 * push an error code (SDM Vol. 3A §6.3.1 Table 6-1); the others get 0.
 */
        .balign 16
        .globl rt_vector_stubs
rt_vector_stubs:
        vec = 0
        .rept 256
        .balign 16
        .if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        .else
        pushq   $0
        .endif
        pushq   $vec
        jmp     trap_common
        vec = vec + 1
        .endr

trap_common:
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, %rdi
        movq    %rsp, %rbx
        andq    $-16, %rsp
        call    rt_trap
        movq    %rbx, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        addq    $16, %rsp
        iretq

/* ---------------------------------------------------------------------
 * uint64_t rt_run_user(uint64_t (*fn)(uint64_t), uint64_t arg)
 * Runs fn(arg) in ring 3 on rt_user_stack. fn's result comes back in RAX
 * through the `ud2` at rt_user_exit_insn: rt_trap sees #UD at that address
 * from ring 3 and calls rt_user_resume. Why not syscall or `int $n`: on
 * kvm_pvm hosts `syscall` from ring 3 reaches IA32_LSTAR but leaves CPL at
 * 3, and `int $n` raises #UD; exceptions are delivered correctly.
 */
        .globl rt_run_user
rt_run_user:
        pushfq
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, rt_user_saved_rsp(%rip)
        movq    %rsp, rt_tss+TSS_OFF_RSP0(%rip)   /* ring-3 traps land below us */
        pushq   $(SEL_UDATA | RPL3)
        leaq    rt_user_stack_top(%rip), %rax
        pushq   %rax
        pushfq
        andq    $~RFLAGS_IOPL_MASK, (%rsp)                  /* IOPL 0: ports via the TSS bitmap */
        pushq   $(SEL_UCODE64 | RPL3)
        leaq    user_tramp(%rip), %rax
        pushq   %rax
        iretq
user_tramp:                                       /* ring 3 */
        movq    %rdi, %rax
        movq    %rsi, %rdi
        call    *%rax
        .globl rt_user_exit_insn
rt_user_exit_insn:
        ud2

/* void rt_user_resume(uint64_t result): ring 0, from rt_trap; drops the
 * trap frame and returns `result` from rt_run_user. */
        .globl rt_user_resume
rt_user_resume:
        movq    %rdi, %rax
        movq    rt_user_saved_rsp(%rip), %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        popfq
        ret

/* ---------------------------------------------------------------------
 * GDT (SDM Vol. 3A §3.4.5, §5.2.1): flat 32-bit code, 64-bit code, data,
 * ring-3 data and 64-bit code, then the 16-byte TSS descriptor that C
 * fills in (its base cannot be split by the assembler).
 */
        .section .data.gdt, "aw"
        .balign 16
        .globl rt_gdt, rt_gdt_end, rt_gdt_tss
rt_gdt:
        .quad   0
        .quad   0x00CF9A000000FFFF      /* 0x08 code32, DPL0 */
        .quad   0x00AF9A000000FFFF      /* 0x10 code64, DPL0 (L=1) */
        .quad   0x00CF92000000FFFF      /* 0x18 data, DPL0 */
        .quad   0x00CFF2000000FFFF      /* 0x20 data, DPL3 */
        .quad   0x00AFFA000000FFFF      /* 0x28 code64, DPL3 */
rt_gdt_tss:
        .quad   0, 0                    /* 0x30 TSS (filled by rt_cpu_init) */
rt_gdt_end:
        .balign 8
        .word   0
        .globl rt_gdt_ptr
rt_gdt_ptr:
        .word   rt_gdt_end - rt_gdt - 1
        .quad   rt_gdt

/* 64-bit TSS with an I/O permission bitmap (SDM Vol. 1 §19.5.2): every
 * port denied to ring 3 except COM1 (0x3F8-0x3FF = bitmap byte 0x7F). */
        .balign 16
        .globl rt_tss, rt_tss_end
rt_tss:
        .fill   TSS_OFF_IOMAP_BASE, 1, 0
        .word   TSS_HDR_SIZE
        .fill   COM1_BASE / 8, 1, 0xFF
        .byte   0x00
        .fill   TSS_IOMAP_BYTES - COM1_BASE / 8 - 1, 1, 0xFF
        .byte   0xFF                    /* required terminator byte */
rt_tss_end:

/* Identity map of 0-4 GiB with 2 MiB pages, user-accessible (ring-3
 * helpers read tables and touch RAM). SDM Vol. 3A §4.5. The PDPT slots
 * 4..511 are filled at run time for RAM and ECAM above 4 GiB. */
        .section .data.pagetables, "aw"
        .balign 4096
        .globl rt_pml4, rt_pdpt
rt_pml4:
        .quad   rt_pdpt + PTE_TABLE
        .fill   511, 8, 0
rt_pdpt:
        .quad   rt_pd0 + PTE_TABLE
        .quad   rt_pd0 + 0x1000 + PTE_TABLE
        .quad   rt_pd0 + 0x2000 + PTE_TABLE
        .quad   rt_pd0 + 0x3000 + PTE_TABLE
        .fill   508, 8, 0
rt_pd0:
        pde = 0
        .rept 2048
        .quad   (pde << 21) | PTE_LARGE
        pde = pde + 1
        .endr

        .section .bss.stacks, "aw", @nobits
        .balign 16
        .space  BOOT_STACK_SIZE
        .globl rt_boot_stack_top
rt_boot_stack_top:
        .balign 16
        .space  RT_USER_STACK_SIZE
        .globl rt_user_stack_top
rt_user_stack_top:
        .balign 16
        .globl rt_ap_stacks
rt_ap_stacks:
        .space  RT_MAX_AP_STACKS * RT_AP_STACK_SIZE

        .section .note.GNU-stack, "", @progbits
