/*
 * cpufeatures: what the VMM's CPUID advertises, and whether the host can
 * execute it where the guest will.
 *   insn=<name>     ring 0: reads the feature's CPUID bit (ring 0, so the
 *                   VMM's leaves); if advertised, sets what the feature
 *                   needs (CR0/CR4 bits, XCR0, x2APIC mode), prints
 *                   `cpufeatures: about to <name>`, runs one representative
 *                   instruction in ring 0 (cpufeatures_insn.S) and checks
 *                   its result against a constant or against the same
 *                   routine run natively in ring 3 first.
 *   insn=all-ring3  every feature: advertised ones run in ring 3
 *                   (rt_run_user; set-up in ring 0 first), where an
 *                   exception is caught and reported, so faults seen here
 *                   come from the host CPU, not from a ring-0 emulator.
 *   insn=list       prints the names.
 * CPUID bits: Intel SDM Vol. 2A, CPUID (Tables 3-8, 3-10, leaf 07H, 0DH,
 * 80000001H, 80000008H), AMD APM Vol. 3 Appendix E. `host=` is the bit as
 * ring 3 sees it (native CPUID on hosts whose ring 3 runs natively).
 * Runs on: the BSP; ring 0 except the ring-3 runs.
 */
#include "rt.h"

RT_GUEST("cpufeatures");

enum { EAX, EBX, ECX, EDX };
static const char *const reg_names[] = {"eax", "ebx", "ecx", "edx"};

/* What a feature needs before its instruction can run. */
#define N_FPU      0x001   /* CR0.EM=0, CR0.TS=0, CR0.MP=1 (SDM Vol. 3A §2.5) */
#define N_SSE      0x002   /* N_FPU + CR4.OSFXSR, CR4.OSXMMEXCPT (SDM Vol. 3A §13.1.3) */
#define N_XSAVE    0x004   /* CR4.OSXSAVE (needs CPUID.1:ECX.XSAVE) */
#define N_AVX      0x008   /* N_SSE + N_XSAVE + XCR0 SSE|AVX (SDM Vol. 1 §14.3) */
#define N_AVX512   0x010   /* N_AVX + XCR0 opmask|ZMM_Hi256|Hi16_ZMM (SDM Vol. 1 §15.2) */
#define N_FSGS     0x020   /* CR4.FSGSBASE */
#define N_PKE      0x040   /* CR4.PKE */
#define N_UMIP     0x080   /* CR4.UMIP */
#define N_X2APIC   0x100   /* IA32_APIC_BASE.EXTD (SDM Vol. 3A §11.12.1) */

#define F_RING0    0x01    /* privileged: not run in ring 3 */
#define F_EXPECT   0x02    /* result must equal .expect */
#define F_REF      0x04    /* result must equal the ring-3 run's */
#define F_R3_GP    0x08    /* in ring 3 it must raise #GP (umip) */
#define F_CRC32C   0x10    /* expect = CRC-32C computed in C */

struct feat {
    const char *name, *insn;
    uint32_t leaf, sub;
    uint8_t reg, bit;
    uint16_t needs;
    uint8_t flags;
    uint64_t expect;
    uint64_t (*fn)(uint64_t);
};

#define CF(n) uint64_t cf_##n(uint64_t);
CF(cx8) CF(cx16) CF(popcnt) CF(movbe) CF(lzcnt) CF(bmi1) CF(bmi2) CF(adx) CF(rdrand) CF(rdseed) CF(rdtscp)
CF(rdpid) CF(fsgsbase) CF(xsave) CF(xsaveopt) CF(xsavec) CF(xsaves) CF(fpu) CF(mmx) CF(fxsr) CF(cmov) CF(tsc)
CF(lahf_lm) CF(sse) CF(sse2) CF(sse3) CF(ssse3) CF(sse41) CF(sse42) CF(crc32) CF(aes) CF(pclmulqdq) CF(sha)
CF(sse4a) CF(gfni) CF(avx) CF(avx2) CF(f16c) CF(fma) CF(vaes) CF(vpclmulqdq) CF(avx512f) CF(clflush)
CF(clflushopt) CF(clwb) CF(clzero) CF(wbnoinvd) CF(smap) CF(pku) CF(invpcid) CF(umip) CF(x2apic)

#define L1   0x1u
#define L7   0x7u
#define LD   0xDu
#define X1   0x80000001u
#define X8   0x80000008u
static const struct feat feats[] = {
    /* name        insn            leaf sub reg bit  needs      flags              expect */
    {"fpu",        "fld1",         L1, 0, EDX, 0,  N_FPU,     F_EXPECT,          2,                      cf_fpu},
    {"tsc",        "rdtsc",        L1, 0, EDX, 4,  0,         F_EXPECT,          1,                      cf_tsc},
    {"cx8",        "cmpxchg8b",    L1, 0, EDX, 8,  0,         F_EXPECT,          0xAABBCCDDEEFF0011ull,  cf_cx8},
    {"cmov",       "cmove",        L1, 0, EDX, 15, 0,         F_EXPECT,          7,                      cf_cmov},
    {"clflush",    "clflush",      L1, 0, EDX, 19, 0,         F_EXPECT,          1,                      cf_clflush},
    {"mmx",        "paddq mm",     L1, 0, EDX, 23, N_FPU,     F_EXPECT,          10,                     cf_mmx},
    {"fxsr",       "fxsave",       L1, 0, EDX, 24, N_SSE,     F_REF,             0,                      cf_fxsr},
    {"sse",        "movaps",       L1, 0, EDX, 25, N_SSE,     F_EXPECT,          0x2222,                 cf_sse},
    {"sse2",       "paddq xmm",    L1, 0, EDX, 26, N_SSE,     F_EXPECT,          15,                     cf_sse2},
    {"sse3",       "haddpd",       L1, 0, ECX, 0,  N_SSE,     F_EXPECT,          0x4008000000000000ull,  cf_sse3},
    {"pclmulqdq",  "pclmulqdq",    L1, 0, ECX, 1,  N_SSE,     F_EXPECT,          15,                     cf_pclmulqdq},
    {"ssse3",      "pshufb",       L1, 0, ECX, 9,  N_SSE,     F_EXPECT,          0x08090A0B0C0D0E0Full,  cf_ssse3},
    {"fma",        "vfmadd231ss",  L1, 0, ECX, 12, N_AVX,     F_EXPECT,          0x40E00000,             cf_fma},
    {"cx16",       "cmpxchg16b",   L1, 0, ECX, 13, 0,         F_EXPECT,          0x7777777777777777ull,  cf_cx16},
    {"sse41",      "pmovzxbd",     L1, 0, ECX, 19, N_SSE,     F_EXPECT,          0x22,                   cf_sse41},
    {"sse42",      "pcmpgtq",      L1, 0, ECX, 20, N_SSE,     F_EXPECT,          ~0ull,                  cf_sse42},
    {"crc32",      "crc32q",       L1, 0, ECX, 20, 0,         F_CRC32C,          0,                      cf_crc32},
    {"x2apic",     "rdmsr 0x802",  L1, 0, ECX, 21, N_X2APIC,  F_RING0,           0,                      cf_x2apic},
    {"movbe",      "movbe",        L1, 0, ECX, 22, 0,         F_EXPECT,          0x0807060504030201ull,  cf_movbe},
    {"popcnt",     "popcnt",       L1, 0, ECX, 23, 0,         F_EXPECT,          32,                     cf_popcnt},
    {"aes",        "aesenc",       L1, 0, ECX, 25, N_SSE,     F_REF,             0,                      cf_aes},
    {"xsave",      "xsave/xgetbv", L1, 0, ECX, 26, N_XSAVE,   F_EXPECT,          1,                      cf_xsave},
    {"avx",        "vxorps ymm",   L1, 0, ECX, 28, N_AVX,     F_EXPECT,          0x4010000000000000ull,  cf_avx},
    {"f16c",       "vcvtph2ps",    L1, 0, ECX, 29, N_AVX,     F_EXPECT,          0x3F800000,             cf_f16c},
    {"rdrand",     "rdrand",       L1, 0, ECX, 30, 0,         F_EXPECT,          1,                      cf_rdrand},
    {"fsgsbase",   "rdfsbase",     L7, 0, EBX, 0,  N_FSGS,    F_EXPECT,          0x12345000,             cf_fsgsbase},
    {"bmi1",       "andn",         L7, 0, EBX, 3,  0,         F_EXPECT,          0xFF,                   cf_bmi1},
    {"avx2",       "vpaddq ymm",   L7, 0, EBX, 5,  N_AVX,     F_EXPECT,          42,                     cf_avx2},
    {"bmi2",       "pdep",         L7, 0, EBX, 8,  0,         F_EXPECT,          0x50,                   cf_bmi2},
    {"invpcid",    "invpcid",      L7, 0, EBX, 10, 0,         F_RING0|F_EXPECT,  1,                      cf_invpcid},
    {"avx512f",    "vpaddq zmm",   L7, 0, EBX, 16, N_AVX512,  F_EXPECT,          42,                     cf_avx512f},
    {"rdseed",     "rdseed",       L7, 0, EBX, 18, 0,         F_EXPECT,          1,                      cf_rdseed},
    {"adx",        "adcx",         L7, 0, EBX, 19, 0,         F_EXPECT,          4,                      cf_adx},
    {"smap",       "stac/clac",    L7, 0, EBX, 20, 0,         F_RING0|F_EXPECT,  1,                      cf_smap},
    {"clflushopt", "clflushopt",   L7, 0, EBX, 23, 0,         F_EXPECT,          1,                      cf_clflushopt},
    {"clwb",       "clwb",         L7, 0, EBX, 24, 0,         F_EXPECT,          1,                      cf_clwb},
    {"sha",        "sha1rnds4",    L7, 0, EBX, 29, N_SSE,     F_REF,             0,                      cf_sha},
    {"umip",       "sgdt",         L7, 0, ECX, 2,  N_UMIP,    F_R3_GP,           0,                      cf_umip},
    {"pku",        "rdpkru",       L7, 0, ECX, 3,  N_PKE,     0,                 0,                      cf_pku},
    {"gfni",       "gf2p8affineqb",L7, 0, ECX, 8,  N_SSE,     F_REF,             0,                      cf_gfni},
    {"vaes",       "vaesenc ymm",  L7, 0, ECX, 9,  N_AVX,     F_REF,             0,                      cf_vaes},
    {"vpclmulqdq", "vpclmulqdq",   L7, 0, ECX, 10, N_AVX,     F_EXPECT,          15,                     cf_vpclmulqdq},
    {"rdpid",      "rdpid",        L7, 0, ECX, 22, 0,         0,                 0,                      cf_rdpid},
    {"xsaveopt",   "xsaveopt",     LD, 1, EAX, 0,  N_XSAVE,   F_EXPECT,          1,                      cf_xsaveopt},
    {"xsavec",     "xsavec",       LD, 1, EAX, 1,  N_XSAVE,   F_EXPECT,          1,                      cf_xsavec},
    {"xsaves",     "xsaves",       LD, 1, EAX, 3,  N_XSAVE,   F_RING0|F_EXPECT,  1,                      cf_xsaves},
    {"lahf_lm",    "lahf",         X1, 0, ECX, 0,  0,         F_EXPECT,          0x46,                   cf_lahf_lm},
    {"lzcnt",      "lzcnt",        X1, 0, ECX, 5,  0,         F_EXPECT,          31,                     cf_lzcnt},
    {"abm",        "lzcnt",        X1, 0, ECX, 5,  0,         F_EXPECT,          31,                     cf_lzcnt},
    {"sse4a",      "extrq",        X1, 0, ECX, 6,  N_SSE,     F_EXPECT,          0xABCD,                 cf_sse4a},
    {"rdtscp",     "rdtscp",       X1, 0, EDX, 27, 0,         F_EXPECT,          1,                      cf_rdtscp},
    {"clzero",     "clzero",       X8, 0, EBX, 0,  0,         F_EXPECT,          0,                      cf_clzero},
    {"wbnoinvd",   "wbnoinvd",     X8, 0, EBX, 9,  0,         F_RING0|F_EXPECT,  1,                      cf_wbnoinvd},
};

static uint8_t buf[8192] __attribute__((aligned(4096)));

/* ---- CPUID, in ring 0 (the VMM's leaves) or ring 3 ---- */
static bool cpuid_bit(uint32_t leaf, uint32_t sub, int reg, int bit)
{
    uint32_t r[4];
    cpuid(leaf & 0x80000000u, 0, r);
    if (r[0] < leaf)
        return false;               /* leaf beyond the maximum: not advertised */
    cpuid(leaf, sub, r);
    return (r[reg] >> bit) & 1;
}

static uint64_t u_cpuid_bit(uint64_t arg)
{
    const struct feat *f = (const struct feat *)arg;
    return cpuid_bit(f->leaf, f->sub, f->reg, f->bit);
}

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of the 8 bytes of
 * v, from crc, no final inversion: what CRC32 r64, r/m64 computes (SDM Vol. 2A CRC32). */
static uint32_t crc32c_u64(uint32_t crc, uint64_t v)
{
    for (int i = 0; i < 64; i++) {
        uint32_t b = (crc ^ (uint32_t)(v >> i)) & 1;
        crc = (crc >> 1) ^ (b ? 0x82F63B78u : 0);
    }
    return crc;
}

/* ---- set-up in ring 0 ---- */
static uint64_t rd_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static uint64_t rd_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static void wr_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static void wr_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static bool xcr0_set;
static void xsetbv0(uint64_t v) { __asm__ volatile("xsetbv" : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(0)); }

/* Each step is printed before it runs, so a crash names the step. */
static void step(const char *s)
{
    rt_printf("# setup: %s\n", s);
}

/* Returns NULL when done, else why the feature cannot be enabled. */
static const char *enable(uint16_t needs)
{
    if (needs & (N_FPU | N_SSE | N_AVX | N_AVX512)) {
        uint64_t cr0 = rd_cr0();
        if ((cr0 & (CR0_EM | CR0_TS)) || !(cr0 & CR0_MP)) {
            step("cr0.em=0 cr0.ts=0 cr0.mp=1");
            wr_cr0((cr0 & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP);
        }
    }
    if (needs & (N_SSE | N_AVX | N_AVX512)) {
        if ((rd_cr4() & (CR4_OSFXSR | CR4_OSXMMEXCPT)) != (CR4_OSFXSR | CR4_OSXMMEXCPT)) {
            step("cr4.osfxsr=1 cr4.osxmmexcpt=1");
            wr_cr4(rd_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
        }
    }
    if (needs & (N_XSAVE | N_AVX | N_AVX512)) {
        if (!cpuid_bit(L1, 0, ECX, 26))
            return "needs xsave (CPUID.1:ECX[26]), which is not advertised";
        if (!(rd_cr4() & CR4_OSXSAVE)) {
            step("cr4.osxsave=1");
            wr_cr4(rd_cr4() | CR4_OSXSAVE);
        }
    }
    if (needs & (N_AVX | N_AVX512)) {
        uint32_t r[4];
        cpuid(LD, 0, r);
        uint64_t want = XCR0_X87 | XCR0_SSE | XCR0_AVX | ((needs & N_AVX512) ? XCR0_AVX512 : 0);
        if ((r[0] & want) != want)
            return "CPUID.(EAX=0DH,ECX=0):EAX lacks the XCR0 bits it needs";
        /* Only xsetbv: XCR0 is x87-only after reset (SDM Vol. 1 §13.3), and
         * ring-0 xgetbv is one of the instructions under test (xsave). */
        if (!xcr0_set) {
            step("xsetbv");
            xsetbv0(want);
            xcr0_set = true;
        }
    }
    if ((needs & N_FSGS) && !(rd_cr4() & CR4_FSGSBASE)) {
        step("cr4.fsgsbase=1");
        wr_cr4(rd_cr4() | CR4_FSGSBASE);
    }
    if ((needs & N_PKE) && !(rd_cr4() & CR4_PKE)) {
        step("cr4.pke=1");
        wr_cr4(rd_cr4() | CR4_PKE);
    }
    if ((needs & N_UMIP) && !(rd_cr4() & CR4_UMIP)) {
        step("cr4.umip=1");
        wr_cr4(rd_cr4() | CR4_UMIP);
    }
    if (needs & N_X2APIC) {
        uint64_t base = rdmsr(MSR_APIC_BASE);
        if (!(base & APIC_BASE_EXTD)) {
            step("ia32_apic_base.extd=1");
            wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
        }
    }
    return NULL;
}

static uint64_t expected(const struct feat *f)
{
    if (f->flags & F_CRC32C)
        return crc32c_u64(0xFFFFFFFFu, 0x0123456789ABCDEFull);
    return f->expect;
}

static const char *vec_name(uint64_t v)
{
    static const char *const n[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
                                    "#NP", "#SS", "#GP", "#PF", "?",   "#MF", "#AC", "#MC", "#XM"};
    return v < RT_ARRAY_SIZE(n) ? n[v] : "exception";
}

static void print_advertised(const struct feat *f, bool adv, bool host)
{
    rt_printf("# advertised=%d name=%s cpuid=0x%x.%u:%s[%u] host=%d insn=%s\n", adv, f->name, f->leaf, f->sub,
              reg_names[f->reg], f->bit, host, f->insn);
}

/* ---- insn=<name>: ring 0 ---- */
static void ring0_one(const struct feat *f)
{
    bool adv = cpuid_bit(f->leaf, f->sub, f->reg, f->bit);
    bool host = rt_run_user(u_cpuid_bit, (uint64_t)f);
    print_advertised(f, adv, host);
    char what[80];
    if (!adv) {
        rt_snprintf(what, sizeof(what), "%s not advertised", f->name);
        rt_check(true, what, "-");
        return;
    }
    rt_printf("cpufeatures: about to %s\n", f->name);
    uint32_t xapic_id = 0;
    if (f->needs & N_X2APIC) {
        rt_map_identity(rt_lapic_base(), 4096);
        xapic_id = rt_lapic_id();
    }
    const char *why = enable(f->needs);
    rt_snprintf(what, sizeof(what), "%s advertised and runs in ring 0", f->name);
    if (why) {
        rt_check(false, what, "%s", why);
        return;
    }
    uint64_t ref = 0;
    struct rt_user_fault uf = {0};
    bool have_ref = false;
    if ((f->flags & F_REF) && !(f->flags & F_RING0) && host) {
        ref = rt_run_user_catch(f->fn, (uint64_t)buf, &uf);
        have_ref = !uf.faulted;
        if (uf.faulted)
            rt_printf("# %s ring3 reference: %s at rip=0x%lx\n", f->name, vec_name(uf.vector), uf.rip);
    }
    uint64_t v = f->fn((uint64_t)buf);
    if (f->needs & N_X2APIC) {
        rt_printf("# %s ring0=0x%lx xapic_id=0x%x\n", f->name, v, xapic_id);
        rt_check(v == xapic_id, what, "x2APIC id 0x%lx, xAPIC id 0x%x", v, xapic_id);
    } else if (f->flags & (F_EXPECT | F_CRC32C)) {
        rt_printf("# %s ring0=0x%lx expect=0x%lx\n", f->name, v, expected(f));
        rt_check(v == expected(f), what, "ring 0 gave 0x%lx, expected 0x%lx", v, expected(f));
    } else if (have_ref) {
        rt_printf("# %s ring0=0x%lx ring3=0x%lx\n", f->name, v, ref);
        rt_check(v == ref, what, "ring 0 gave 0x%lx, ring 3 gave 0x%lx", v, ref);
    } else {
        rt_printf("# %s ring0=0x%lx\n", f->name, v);
        rt_check(true, what, "-");
    }
}

/* ---- insn=all-ring3 ---- */
static void ring3_all(void)
{
    for (unsigned i = 0; i < RT_ARRAY_SIZE(feats); i++) {
        const struct feat *f = &feats[i];
        bool adv = cpuid_bit(f->leaf, f->sub, f->reg, f->bit);
        bool host = rt_run_user(u_cpuid_bit, (uint64_t)f);
        print_advertised(f, adv, host);
        char what[80];
        if (!adv) {
            rt_snprintf(what, sizeof(what), "%s not advertised", f->name);
            rt_check(true, what, "-");
            continue;
        }
        if (f->flags & F_RING0) {
            rt_snprintf(what, sizeof(what), "%s is ring-0 only, not run in ring 3", f->name);
            rt_check(true, what, "-");
            continue;
        }
        rt_snprintf(what, sizeof(what), "%s runs in ring 3", f->name);
        rt_printf("cpufeatures: about to %s in ring 3\n", f->name);
        const char *why = enable(f->needs);
        if (why) {
            rt_check(false, what, "%s", why);
            continue;
        }
        struct rt_user_fault uf;
        uint64_t v = rt_run_user_catch(f->fn, (uint64_t)buf, &uf);
        if (f->flags & F_R3_GP) {
            /* UMIP: SGDT at CPL 3 must raise #GP(0) once CR4.UMIP=1 (SDM Vol. 3A §2.5). */
            rt_snprintf(what, sizeof(what), "%s: sgdt in ring 3 raises #GP", f->name);
            rt_printf("# %s ring3 %s\n", f->name, uf.faulted ? vec_name(uf.vector) : "no fault");
            rt_check(uf.faulted && uf.vector == VEC_GP, what, "%s", uf.faulted ? vec_name(uf.vector) : "no fault");
            wr_cr4(rd_cr4() & ~(uint64_t)CR4_UMIP);
            continue;
        }
        if (uf.faulted) {
            rt_check(false, what, "%s error=0x%lx at rip=0x%lx", vec_name(uf.vector), uf.error, uf.rip);
            continue;
        }
        rt_printf("# %s ring3=0x%lx\n", f->name, v);
        if (f->flags & (F_EXPECT | F_CRC32C))
            rt_check(v == expected(f), what, "ring 3 gave 0x%lx, expected 0x%lx", v, expected(f));
        else
            rt_check(true, what, "-");
    }
}

/* The leaves the table uses, raw, as ring 0 and ring 3 see them. */
static uint64_t u_cpuid_regs(uint64_t arg)
{
    uint32_t *r = (uint32_t *)arg;
    cpuid(r[0], r[1], r);
    return 0;
}

static void print_leaves(void)
{
    static const uint32_t leaves[][2] = {{L1, 0}, {L7, 0}, {LD, 0}, {LD, 1}, {X1, 0}, {X8, 0}};
    for (unsigned i = 0; i < RT_ARRAY_SIZE(leaves); i++) {
        uint32_t r0[4], r3[4] = {leaves[i][0], leaves[i][1], 0, 0};
        cpuid(leaves[i][0], leaves[i][1], r0);
        rt_run_user(u_cpuid_regs, (uint64_t)r3);
        rt_printf("# cpuid 0x%x.%u ring0 %08x %08x %08x %08x ring3 %08x %08x %08x %08x\n", leaves[i][0],
                  leaves[i][1], r0[0], r0[1], r0[2], r0[3], r3[0], r3[1], r3[2], r3[3]);
    }
}

void guest_main(void)
{
    const char *name = rt_cmdline_get("insn");
    if (!name || !*name || !strcmp(name, "list")) {
        char line[512];
        size_t n = 0;
        for (unsigned i = 0; i < RT_ARRAY_SIZE(feats); i++)
            n += rt_snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", feats[i].name);
        rt_printf("# names: %s all-ring3\n", line);
        print_leaves();
        rt_check(name != NULL, "insn= given", "usage: insn=<name>|all-ring3|list");
        return;
    }
    if (!strcmp(name, "all-ring3")) {
        ring3_all();
        return;
    }
    for (unsigned i = 0; i < RT_ARRAY_SIZE(feats); i++)
        if (!strcmp(name, feats[i].name)) {
            ring0_one(&feats[i]);
            return;
        }
    rt_check(false, "insn known", "insn=%s (insn=list prints the names)", name);
}
