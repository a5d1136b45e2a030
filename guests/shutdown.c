/*
 * shutdown: prints its `end` line, then does what action= says:
 * poweroff (ACPI S5), reboot (FADT reset register, 0xCF9, i8042, triple
 * fault), pvpanic (write 1 to port 0x505 or pvpanic=<port>), triplefault,
 * halt (cli; hlt forever).
 * Keys: action=poweroff|reboot|pvpanic|triplefault|halt (default poweroff).
 */
#include "rt.h"

RT_GUEST("shutdown");

void guest_main(void)
{
    const char *act = rt_cmdline_get("action");
    if (!act)
        act = "poweroff";
    static const char *const known[] = {"poweroff", "reboot", "pvpanic", "triplefault", "halt"};
    bool ok = false;
    for (unsigned i = 0; i < RT_ARRAY_SIZE(known); i++)
        ok |= !strcmp(act, known[i]);
    rt_check(ok, "action known", "action=%s", act);
    if (!ok)
        return;
    const struct rt_acpi *a = rt_acpi();  /* parse the tables before the end line */
    rt_printf("# action=%s\n", act);
    const uint8_t *f = a->fadt;
    if (f && rd32(f + SDT_OFF_LENGTH) >= FADT_OFF_RESET_VALUE + 1) {
        uint32_t flags = rd32(f + FADT_OFF_FLAGS);
        rt_printf("# fadt hw_reduced=%d s5=%d slp_typ=%u reset_reg_sup=%d reset_space=%u reset_addr=0x%lx "
                  "reset_value=0x%x\n",
                  !!(flags & FADT_FLAG_HW_REDUCED), a->s5_found, a->s5_typa, !!(flags & FADT_FLAG_RESET_REG_SUP),
                  f[FADT_OFF_RESET_REG + GAS_OFF_SPACE], rd64(f + FADT_OFF_RESET_REG + GAS_OFF_ADDRESS),
                  f[FADT_OFF_RESET_VALUE]);
    }
    rt_end_line();
    if (!strcmp(act, "poweroff"))
        rt_poweroff();
    if (!strcmp(act, "reboot"))
        rt_reset();
    if (!strcmp(act, "triplefault"))
        rt_triple_fault();
    if (!strcmp(act, "pvpanic")) {
        rt_pvpanic();
        rt_udelay(200000);
        rt_printf("# pvpanic: still running 200 ms after the write; halting\n");
    }
    rt_halt_forever();
}
