/*
 * rtc: reads the CMOS RTC, prints `rtc: epoch=<seconds>` (the Java test
 * compares it with host time) and checks that the year is 2020..2100.
 */
#include "rt.h"

RT_GUEST("rtc");

void guest_main(void)
{
    struct rt_time t;
    if (!rt_check(rt_rtc_read(&t), "rtc readable", "no RTC at ports 0x70/0x71, or update-in-progress never cleared"))
        return;
    const uint8_t *f = rt_acpi()->fadt;
    rt_printf("# rtc %04d-%02d-%02d %02d:%02d:%02d century_reg=0x%x\n", t.year, t.month, t.day, t.hour, t.minute,
              t.second, f ? f[FADT_OFF_CENTURY] : 0);
    rt_printf("rtc: epoch=%lu\n", rt_time_to_epoch(&t));
    rt_check(t.year >= 2020 && t.year <= 2100 && t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 &&
                 t.hour < 24 && t.minute < 60 && t.second < 61,
             "rtc date sane", "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day, t.hour, t.minute, t.second);
}
