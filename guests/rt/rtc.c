/*
 * MC146818 RTC through CMOS ports 0x70/0x71: wait for UIP to clear, read
 * until two reads agree, decode BCD/binary and 12/24 h per register B,
 * century from the FADT CENTURY index when non-zero (ACPI 6.5 §5.2.9).
 * Runs on: the BSP, ring 0.
 */
#include "rt.h"

static uint8_t cmos(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static int bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0xF); }

struct raw { uint8_t s, m, h, d, mo, y, c; };

static bool read_raw(struct raw *r, uint8_t century_reg)
{
    int i;
    for (i = 0; i < 100000 && (cmos(RTC_REG_A) & RTC_A_UIP); i++)
        ;
    if (i == 100000)
        return false;
    r->s = cmos(RTC_SECONDS);
    r->m = cmos(RTC_MINUTES);
    r->h = cmos(RTC_HOURS);
    r->d = cmos(RTC_DAY);
    r->mo = cmos(RTC_MONTH);
    r->y = cmos(RTC_YEAR);
    r->c = century_reg ? cmos(century_reg) : 0;
    return true;
}

bool rt_rtc_read(struct rt_time *t)
{
    const uint8_t *f = rt_acpi()->fadt;
    uint8_t century_reg = f ? f[FADT_OFF_CENTURY] : 0;
    struct raw a, b;
    if (cmos(RTC_REG_A) == 0xFF && cmos(RTC_REG_B) == 0xFF)
        return false;                   /* nothing decodes ports 0x70/0x71 */
    if (!read_raw(&a, century_reg))
        return false;
    for (int tries = 0; tries < 10; tries++) {
        if (!read_raw(&b, century_reg))
            return false;
        if (!memcmp(&a, &b, sizeof(a)))
            break;
        a = b;
    }
    uint8_t regb = cmos(RTC_REG_B);
    bool pm = !(regb & RTC_B_24H) && (a.h & RTC_HOUR_PM);
    a.h &= (uint8_t)~RTC_HOUR_PM;
    if (!(regb & RTC_B_BINARY)) {
        a.s = bcd(a.s); a.m = bcd(a.m); a.h = bcd(a.h);
        a.d = bcd(a.d); a.mo = bcd(a.mo); a.y = bcd(a.y); a.c = bcd(a.c);
    }
    if (!(regb & RTC_B_24H)) {
        if (a.h == 12)
            a.h = 0;
        if (pm)
            a.h += 12;
    }
    int year = a.c ? a.c * 100 + a.y : (a.y < 70 ? 2000 + a.y : 1900 + a.y);
    *t = (struct rt_time){year, a.mo, a.d, a.h, a.m, a.s};
    return true;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm, re-derived). */
uint64_t rt_time_to_epoch(const struct rt_time *t)
{
    int y = t->year - (t->month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned mp = (unsigned)(t->month + (t->month > 2 ? -3 : 9));
    unsigned doy = (153 * mp + 2) / 5 + (unsigned)t->day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;
    return (uint64_t)(days * 86400 + t->hour * 3600 + t->minute * 60 + t->second);
}
