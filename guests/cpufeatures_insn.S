/*
 * One representative instruction per CPU feature, for the cpufeatures
 * guest. Each routine is `uint64_t cf_<name>(uint64_t buf)`: RDI = a
 * 64-byte-aligned 8 KiB scratch buffer (an XSAVE area at +4096); the
 * result in RAX is checked against a constant or the same routine run in
 * ring 3. Callable in ring 0 and in ring 3 (rt_run_user), so no privileged
 * instruction unless the feature is ring-0-only (smap, invpcid, x2apic,
 * xsaves, wbnoinvd). The feature's own instruction comes first wherever a
 * register-only form exists, so an emulator that cannot run it stops on it.
 * SIMD registers are used only here: the C code stays -mgeneral-regs-only.
 * Mnemonics and encodings: Intel SDM Vol. 2, AMD APM Vol. 3 and Vol. 4.
 */
#include "abi.h"

#define FN(n)   .globl cf_##n; .type cf_##n, @function; cf_##n:

        .text
        .code64

FN(cx8)                                 /* CMPXCHG8B m64 */
        pushq   %rbx
        movabsq $0x1122334455667788, %rax
        movq    %rax, (%rdi)
        movl    $0x55667788, %eax       /* EDX:EAX = expected */
        movl    $0x11223344, %edx
        movl    $0xEEFF0011, %ebx       /* ECX:EBX = new */
        movl    $0xAABBCCDD, %ecx
        lock cmpxchg8b (%rdi)
        popq    %rbx
        movq    (%rdi), %rax            /* 0xAABBCCDDEEFF0011 */
        ret

FN(cx16)                                /* CMPXCHG16B m128 (16-byte aligned) */
        pushq   %rbx
        movabsq $0x1111111111111111, %rax
        movabsq $0x2222222222222222, %rdx
        movq    %rax, (%rdi)
        movq    %rdx, 8(%rdi)
        movabsq $0x3333333333333333, %rbx
        movabsq $0x4444444444444444, %rcx
        lock cmpxchg16b (%rdi)
        popq    %rbx
        movq    8(%rdi), %rax
        xorq    (%rdi), %rax            /* 0x3333.. ^ 0x4444.. = 0x7777777777777777 */
        ret

FN(popcnt)
        movabsq $0xF0F0F0F0F0F0F0F0, %rcx
        popcnt  %rcx, %rax              /* 32 */
        ret

FN(movbe)
        movabsq $0x0102030405060708, %rax
        movq    %rax, (%rdi)
        movbe   (%rdi), %rax            /* 0x0807060504030201 */
        ret

FN(lzcnt)                               /* without LZCNT the bytes decode as BSR: 32 */
        movabsq $0x100000000, %rcx
        lzcnt   %rcx, %rax              /* 31 */
        ret

FN(bmi1)                                /* ANDN: dest = ~src1 & src2 (VEX-encoded GPR) */
        movl    $0xFF00, %ecx
        movl    $0xFFFF, %edx
        andn    %rdx, %rcx, %rax        /* 0xFF */
        ret

FN(bmi2)                                /* PDEP: deposit src bits into the mask's set bits */
        movl    $0x5, %ecx
        movl    $0xF0, %edx
        pdep    %rdx, %rcx, %rax        /* 0x50 */
        ret

FN(adx)
        movl    $1, %eax
        movl    $2, %ecx
        stc
        adcx    %rcx, %rax              /* 1 + 2 + CF = 4 */
        ret

FN(rdrand)                              /* 1 when a value came within 100 tries */
        movl    $100, %ecx
1:      rdrand  %rax
        jc      2f
        decl    %ecx
        jnz     1b
        xorl    %eax, %eax
        ret
2:      movl    $1, %eax
        ret

FN(rdseed)
        movl    $100, %ecx
1:      rdseed  %rax
        jc      2f
        pause
        decl    %ecx
        jnz     1b
        xorl    %eax, %eax
        ret
2:      movl    $1, %eax
        ret

FN(rdtscp)                              /* 1 when the TSC is nonzero */
        rdtscp
        shlq    $32, %rdx
        orq     %rdx, %rax
        setnz   %al
        movzbl  %al, %eax
        ret

FN(rdpid)                               /* IA32_TSC_AUX */
        rdpid   %rax
        ret

FN(fsgsbase)                            /* needs CR4.FSGSBASE */
        rdfsbase %rcx
        movabsq $0x12345000, %rax
        wrfsbase %rax
        rdfsbase %rdx
        wrfsbase %rcx
        movq    %rdx, %rax              /* 0x12345000 */
        ret

FN(xsave)                               /* needs CR4.OSXSAVE; XSAVE first, then returns XCR0 & 1 */
        leaq    4096(%rdi), %rsi
        movl    $XCR0_X87, %eax
        xorl    %edx, %edx
        xsave   (%rsi)
        xorl    %ecx, %ecx
        xgetbv
        andl    $XCR0_X87, %eax         /* 1 */
        ret

FN(xsaveopt)
        leaq    4096(%rdi), %rsi
        movl    $XCR0_X87, %eax
        xorl    %edx, %edx
        xsaveopt (%rsi)
        movl    $1, %eax
        ret

FN(xsavec)                              /* XCOMP_BV bit 63: compacted form (SDM Vol. 1 §13.4.3) */
        leaq    4096(%rdi), %rsi
        movl    $XCR0_X87, %eax
        xorl    %edx, %edx
        xsavec  (%rsi)
        movq    520(%rsi), %rax
        shrq    $63, %rax               /* 1 */
        ret

FN(xsaves)                              /* ring 0 only */
        leaq    4096(%rdi), %rsi
        movl    $XCR0_X87, %eax
        xorl    %edx, %edx
        xsaves  (%rsi)
        movq    520(%rsi), %rax
        shrq    $63, %rax               /* 1 */
        ret

FN(fpu)                                 /* x87; needs CR0.EM=0 */
        fninit
        fld1
        fadd    %st(0), %st(0)
        fistpl  (%rdi)
        movl    (%rdi), %eax            /* 2 */
        ret

FN(mmx)
        movq    $5, (%rdi)
        movq    (%rdi), %mm0
        paddq   %mm0, %mm0
        movq    %mm0, %rax              /* 10 */
        emms
        ret

FN(fxsr)                                /* FXSAVE; MXCSR is at +24 (SDM Vol. 1 §10.5.1) */
        leaq    4096(%rdi), %rsi
        fxsave  (%rsi)
        movl    24(%rsi), %eax
        ret

FN(cmov)
        movl    $1, %eax
        movl    $7, %ecx
        cmpl    %eax, %eax
        cmove   %rcx, %rax              /* 7 */
        ret

FN(tsc)
        rdtsc
        shlq    $32, %rdx
        orq     %rdx, %rax
        setnz   %al
        movzbl  %al, %eax               /* 1 */
        ret

FN(lahf_lm)                             /* LAHF in 64-bit mode */
        xorl    %eax, %eax              /* ZF=1 PF=1 */
        lahf
        movzbl  %ah, %eax               /* ZF|PF|bit 1 = 0x46 */
        ret

FN(sse)                                 /* needs CR0.EM=0, CR4.OSFXSR */
        movq    $0x1111, (%rdi)
        movq    $0x2222, 8(%rdi)
        movaps  (%rdi), %xmm0
        movaps  %xmm0, 16(%rdi)
        movq    24(%rdi), %rax          /* 0x2222 */
        ret

FN(sse2)
        movq    $5, (%rdi)
        movq    $6, 8(%rdi)
        movq    $10, 16(%rdi)
        movq    $20, 24(%rdi)
        movdqa  (%rdi), %xmm0
        paddq   16(%rdi), %xmm0
        movq    %xmm0, %rax             /* 15 */
        ret

FN(sse3)
        movabsq $0x3FF0000000000000, %rax   /* 1.0 */
        movq    %rax, (%rdi)
        movabsq $0x4000000000000000, %rax   /* 2.0 */
        movq    %rax, 8(%rdi)
        lddqu   (%rdi), %xmm0
        haddpd  %xmm0, %xmm0
        movq    %xmm0, %rax             /* 3.0 = 0x4008000000000000 */
        ret

FN(ssse3)
        movabsq $0x0706050403020100, %rax
        movq    %rax, (%rdi)
        movabsq $0x0F0E0D0C0B0A0908, %rax
        movq    %rax, 8(%rdi)
        movabsq $0x08090A0B0C0D0E0F, %rax   /* shuffle control: reverse */
        movq    %rax, 16(%rdi)
        movabsq $0x0001020304050607, %rax
        movq    %rax, 24(%rdi)
        pabsb   (%rdi), %xmm0
        pshufb  16(%rdi), %xmm0
        movq    %xmm0, %rax             /* 0x08090A0B0C0D0E0F */
        ret

FN(sse41)
        movl    $0x44332211, (%rdi)
        pmovzxbd (%rdi), %xmm0
        pextrd  $1, %xmm0, %eax         /* 0x22 */
        ret

FN(sse42)
        pcmpgtq %xmm0, %xmm0            /* x > x: all zero */
        movq    $5, (%rdi)
        movq    $0, 8(%rdi)
        movq    $3, 16(%rdi)
        movq    $0, 24(%rdi)
        movdqa  (%rdi), %xmm0
        pcmpgtq 16(%rdi), %xmm0
        movq    %xmm0, %rax             /* 5 > 3: all ones */
        ret

FN(crc32)                               /* CRC32 r64, r/m64 (SSE4.2, general-purpose registers) */
        movl    $0xFFFFFFFF, %eax
        movabsq $0x0123456789ABCDEF, %rcx
        crc32q  %rcx, %rax
        ret

FN(aes)
        aesenc  %xmm0, %xmm0
        movabsq $0x0123456789ABCDEF, %rax
        movq    %rax, (%rdi)
        movq    %rax, 8(%rdi)
        movabsq $0x0F1E2D3C4B5A6978, %rax
        movq    %rax, 16(%rdi)
        movq    %rax, 24(%rdi)
        movdqa  (%rdi), %xmm0
        aesenc  16(%rdi), %xmm0
        movq    %xmm0, %rax
        ret

FN(pclmulqdq)
        pclmulqdq $0, %xmm0, %xmm0
        movq    $3, (%rdi)
        movq    $0, 8(%rdi)
        movq    $5, 16(%rdi)
        movq    $0, 24(%rdi)
        movdqa  (%rdi), %xmm0
        pclmulqdq $0, 16(%rdi), %xmm0
        movq    %xmm0, %rax             /* 0b11 clmul 0b101 = 0b1111 = 15 */
        ret

FN(sha)
        sha1msg1 %xmm0, %xmm0
        movabsq $0x0123456789ABCDEF, %rax
        movq    %rax, (%rdi)
        movq    %rax, 8(%rdi)
        movabsq $0x0F1E2D3C4B5A6978, %rax
        movq    %rax, 16(%rdi)
        movq    %rax, 24(%rdi)
        movdqa  (%rdi), %xmm1
        sha1rnds4 $0, 16(%rdi), %xmm1
        movq    %xmm1, %rax
        ret

FN(sse4a)                               /* AMD EXTRQ */
        extrq   $8, $0, %xmm0
        movq    $0xABCDEF, (%rdi)
        movq    (%rdi), %xmm0
        extrq   $16, $8, %xmm0          /* 16 bits from bit 8 */
        movq    %xmm0, %rax             /* 0xABCD */
        ret

FN(gfni)
        gf2p8affineqb $0, %xmm0, %xmm0
        movabsq $0x0102040810204080, %rax   /* identity matrix */
        movq    %rax, 16(%rdi)
        movq    %rax, 24(%rdi)
        movabsq $0x0123456789ABCDEF, %rax
        movq    %rax, (%rdi)
        movq    %rax, 8(%rdi)
        movdqa  (%rdi), %xmm0
        gf2p8affineqb $0, 16(%rdi), %xmm0
        movq    %xmm0, %rax
        ret

FN(avx)                                 /* needs XCR0 SSE|AVX */
        vxorps  %ymm0, %ymm0, %ymm0
        movabsq $0x4010000000000000, %rax   /* 4.0 */
        movq    %rax, (%rdi)
        vbroadcastsd (%rdi), %ymm1
        vaddpd  %ymm1, %ymm0, %ymm1
        vmovupd %ymm1, 32(%rdi)
        vzeroupper
        movq    56(%rdi), %rax          /* 0x4010000000000000 */
        ret

FN(avx2)
        vpxor   %ymm0, %ymm0, %ymm0
        movq    $21, (%rdi)
        vpbroadcastq (%rdi), %ymm1
        vpaddq  %ymm1, %ymm1, %ymm0
        vmovdqu %ymm0, 32(%rdi)
        vzeroupper
        movq    56(%rdi), %rax          /* 42 */
        ret

FN(f16c)
        vcvtph2ps %xmm0, %xmm0
        movq    $0x3C00, (%rdi)         /* half 1.0 */
        vcvtph2ps (%rdi), %xmm0
        vmovd   %xmm0, %eax             /* float 1.0 = 0x3F800000 */
        ret

FN(fma)
        vfmadd231ss %xmm0, %xmm0, %xmm0
        movl    $0x3F800000, (%rdi)     /* 1.0 */
        movl    $0x40000000, 4(%rdi)    /* 2.0 */
        movl    $0x40400000, 8(%rdi)    /* 3.0 */
        vmovss  (%rdi), %xmm0
        vmovss  4(%rdi), %xmm1
        vfmadd231ss 8(%rdi), %xmm1, %xmm0
        vmovd   %xmm0, %eax             /* 2 * 3 + 1 = 7.0 = 0x40E00000 */
        ret

FN(vaes)                                /* VEX.256 VAESENC */
        vaesenc %ymm0, %ymm0, %ymm0
        movabsq $0x0123456789ABCDEF, %rax
        movq    %rax, (%rdi)
        movabsq $0x0F1E2D3C4B5A6978, %rax
        movq    %rax, 32(%rdi)
        vmovdqu (%rdi), %ymm1
        vaesenc 32(%rdi), %ymm1, %ymm1
        vmovdqu %ymm1, 64(%rdi)
        vzeroupper
        movq    64(%rdi), %rax
        ret

FN(vpclmulqdq)                          /* VEX.256 VPCLMULQDQ */
        vpclmulqdq $0, %ymm0, %ymm0, %ymm0
        movq    $3, (%rdi)
        movq    $5, 32(%rdi)
        vmovdqu (%rdi), %ymm1
        vpclmulqdq $0, 32(%rdi), %ymm1, %ymm1
        vmovdqu %ymm1, 64(%rdi)
        vzeroupper
        movq    64(%rdi), %rax          /* 15 */
        ret

FN(avx512f)                             /* needs XCR0 opmask|ZMM_Hi256|Hi16_ZMM */
        vpxord  %zmm0, %zmm0, %zmm0
        movq    $21, (%rdi)
        vpbroadcastq (%rdi), %zmm1
        vpaddq  %zmm1, %zmm1, %zmm0
        vmovdqu64 %zmm0, 64(%rdi)
        vzeroupper
        movq    120(%rdi), %rax         /* 42 */
        ret

FN(clflush)
        clflush (%rdi)
        movl    $1, %eax
        ret

FN(clflushopt)
        clflushopt (%rdi)
        movl    $1, %eax
        ret

FN(clwb)
        clwb    (%rdi)
        movl    $1, %eax
        ret

FN(clzero)                              /* AMD: zeroes the cache line at RAX */
        movq    $-1, (%rdi)
        movq    %rdi, %rax
        clzero
        movq    (%rdi), %rax            /* 0 */
        ret

FN(wbnoinvd)                            /* ring 0 only */
        wbnoinvd
        movl    $1, %eax
        ret

/* SMAP (ring 0 only): enable CR4.SMAP with RFLAGS.AC already set (all our
 * pages are user pages, so nothing may touch memory while AC=0), then
 * CLAC; STAC, then CR4 and RFLAGS as they were. Returns 1 if AC was set
 * again by STAC. */
FN(smap)
        pushfq
        pushfq
        orq     $RFLAGS_AC, (%rsp)
        popfq
        movq    %cr4, %rdx
        movq    %rdx, %r8
        orq     $CR4_SMAP, %rdx
        movq    %rdx, %cr4
        clac                            /* no memory access until stac */
        stac
        pushfq
        popq    %rax
        movq    %r8, %cr4
        popfq
        shrq    $18, %rax               /* RFLAGS.AC is bit 18 */
        andl    $1, %eax
        ret

FN(pku)                                 /* needs CR4.PKE; returns PKRU */
        xorl    %ecx, %ecx
        rdpkru
        ret

FN(invpcid)                             /* ring 0 only; type 2: all contexts, including globals */
        subq    $16, %rsp
        movq    $0, (%rsp)
        movq    $0, 8(%rsp)
        movl    $2, %eax
        invpcid (%rsp), %rax
        addq    $16, %rsp
        movl    $1, %eax
        ret

FN(umip)                                /* SGDT: allowed in ring 0; #GP in ring 3 with CR4.UMIP */
        sgdt    (%rdi)
        movzwl  (%rdi), %eax            /* GDT limit */
        ret

FN(x2apic)                              /* ring 0 only, after IA32_APIC_BASE.EXTD=1 */
        movl    $MSR_X2APIC_ID, %ecx
        rdmsr
        ret

        .section .note.GNU-stack, "", @progbits
