/*
 * TSC frequency: CPUID 0x15 (SDM Vol. 2A, "Time Stamp Counter and Nominal
 * Core Crystal Clock"), the hypervisor timing leaf 0x40000010 (EAX = TSC
 * kHz, as KVM/QEMU and VMware define it), KVM's pvclock multiplier (no
 * waiting), else PIT channel 2 for 10 ms, else the ACPI PM timer for
 * 10 ms, else CPUID 0x16 (base MHz), else a 2 GHz guess.
 * Runs on: the BSP, ring 0 (CPUID must see the VMM's leaves).
 */
#include "rt.h"

static uint64_t khz;
static const char *source = "none";

static uint64_t pit_calibrate(void)
{
    const uint32_t ms = 10, count = PIT_HZ * ms / 1000;
    uint8_t p61 = inb(PORT_61);
    if (p61 == 0xFF)
        return 0;                       /* no port 0x61 */
    outb(PORT_61, (p61 & ~PORT_61_SPEAKER) | PORT_61_GATE2);
    outb(PIT_CMD, PIT_CMD_CH2_LOHI_MODE0);
    outb(PIT_CH2, count & 0xFF);
    outb(PIT_CH2, count >> 8);          /* mode 0 starts counting; OUT2 goes high at zero */
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < 10000000; i++) {
        if (inb(PORT_61) & PORT_61_OUT2) {
            uint64_t t1 = rdtsc();
            outb(PORT_61, p61);
            return (t1 - t0) / ms;
        }
        if (rdtsc() - t0 > (1ull << 34))
            break;
    }
    outb(PORT_61, p61);
    return 0;
}

static uint64_t kvmclock_khz(void)
{
    static uint8_t ti[32] __attribute__((aligned(64)));
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & CPUID1_ECX_HYPERVISOR))
        return 0;
    for (uint32_t base = 0x40000000; base <= 0x40000100; base += 0x100) {
        cpuid(base, 0, r);
        if (r[1] != KVM_CPUID_SIGNATURE_EBX || r[0] < base + 1)
            continue;
        cpuid(base + 1, 0, r);
        if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
            return 0;
        volatile uint8_t *t = ti;
        wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uintptr_t)ti | 1);
        uint32_t mul = 0;
        int8_t shift = 0;
        for (int i = 0; i < 100 && !mul; i++) {
            uint32_t v = rd32((const void *)(t + PVCLOCK_OFF_VERSION));
            mul = rd32((const void *)(t + PVCLOCK_OFF_MUL));
            shift = (int8_t)t[PVCLOCK_OFF_SHIFT];
            if ((v & 1) || v != rd32((const void *)(t + PVCLOCK_OFF_VERSION)))
                mul = 0;
        }
        wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
        if (!mul)
            return 0;
        /* ns = (tsc << shift) * mul >> 32, so Hz = 1e9 * 2^32 / mul >> shift. */
        uint64_t k = (1000000ull << 32) / mul;
        return shift < 0 ? k << -shift : k >> shift;
    }
    return 0;
}

static uint64_t pmtimer_khz(void)
{
    const uint8_t *f = rt_acpi()->fadt;
    if (!f || rd32(f + SDT_OFF_LENGTH) < FADT_OFF_FLAGS + 4)
        return 0;
    uint32_t port = rd32(f + FADT_OFF_PM_TMR_BLK);
    if (!port || f[FADT_OFF_PM_TMR_LEN] < 4)
        return 0;
    uint32_t mask = (rd32(f + FADT_OFF_FLAGS) & FADT_FLAG_TMR_VAL_EXT) ? 0xFFFFFFFFu : 0xFFFFFFu;
    const uint32_t ticks = ACPI_PM_TIMER_HZ / 100;  /* 10 ms */
    uint32_t c0 = inl((uint16_t)port) & mask;
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < 10000000; i++) {
        uint32_t c = inl((uint16_t)port) & mask;
        if (((c - c0) & mask) >= ticks) {
            uint64_t t1 = rdtsc();
            return (t1 - t0) * ACPI_PM_TIMER_HZ / 1000 / ((c - c0) & mask);
        }
        if (rdtsc() - t0 > (1ull << 34))
            break;
    }
    return 0;
}

static bool plausible(uint64_t k)
{
    return k > 50000 && k < 20000000;  /* 50 MHz .. 20 GHz */
}

uint64_t rt_tsc_khz(void)
{
    if (khz)
        return khz;
    uint32_t r[4];
    cpuid(0, 0, r);
    uint32_t max = r[0];
    if (max >= 0x15) {
        cpuid(0x15, 0, r);
        if (r[0] && r[1] && r[2]) {
            khz = (uint64_t)r[2] * r[1] / r[0] / 1000;
            source = "cpuid15";
        }
    }
    if (!khz) {
        cpuid(1, 0, r);
        if (r[2] & CPUID1_ECX_HYPERVISOR) {
            cpuid(0x40000000, 0, r);
            if (r[0] >= 0x40000010 && r[0] < 0x40000100) {
                cpuid(0x40000010, 0, r);
                if (r[0]) {
                    khz = r[0];
                    source = "cpuid40000010";
                }
            }
        }
    }
    if (!khz) {
        uint64_t k = kvmclock_khz();
        if (plausible(k)) {
            khz = k;
            source = "kvmclock";
        }
    }
    if (!khz) {
        uint64_t k = pit_calibrate();
        if (plausible(k)) {
            khz = k;
            source = "pit";
        }
    }
    if (!khz) {
        uint64_t k = pmtimer_khz();
        if (plausible(k)) {
            khz = k;
            source = "acpi-pm-timer";
        }
    }
    if (!khz && max >= 0x16) {
        cpuid(0x16, 0, r);
        if (r[0]) {
            khz = (uint64_t)(r[0] & 0xFFFF) * 1000;
            source = "cpuid16";
        }
    }
    if (!khz) {
        khz = 2000000;
        source = "guess";
    }
    return khz;
}

const char *rt_tsc_source(void)
{
    rt_tsc_khz();
    return source;
}

void rt_udelay(uint64_t us)
{
    uint64_t end = rdtsc() + us * rt_tsc_khz() / 1000;
    while (rdtsc() < end)
        ;
}
