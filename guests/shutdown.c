/*
 * shutdown: prints its `end` line, then does what action= says:
 * poweroff (ACPI S5), reboot (FADT reset register, 0xCF9, i8042, triple
 * fault), pvpanic (write 1 to port 0x505 or pvpanic=<port>), triplefault,
 * halt (cli; hlt forever), and one reset mechanism alone, so that a test
 * can tell which device reset the machine:
 *   reset-acpi   the FADT RESET_REG with RESET_VALUE (ACPI 6.5 §4.8.4.6,
 *                §5.2.9); not ok if the FADT has none (RESET_REG_SUP clear)
 *   reset-cf9    0x06 to port 0xCF9 (PIIX4/ICH Reset Control Register)
 *   reset-i8042  0xFE to port 0x64 (8042 "pulse output line 0")
 * If the machine is still running 200 ms after a reset-* write, the guest
 * prints `# reset: still running ...` and halts (cli; hlt).
 * Keys: action=poweroff|reboot|pvpanic|triplefault|halt|reset-acpi|reset-cf9|reset-i8042
 *       (default poweroff); pvpanic=<port>.
 */
#include "rt.h"

RT_GUEST("shutdown");

static bool fadt_reset_reg(const uint8_t **fadt)
{
    const uint8_t *f = rt_acpi()->fadt;
    *fadt = f;
    return f && rd32(f + SDT_OFF_LENGTH) >= FADT_OFF_RESET_VALUE + 1 &&
           (rd32(f + FADT_OFF_FLAGS) & FADT_FLAG_RESET_REG_SUP) && rd64(f + FADT_OFF_RESET_REG + GAS_OFF_ADDRESS);
}

static RT_NORETURN void after_reset(const char *how)
{
    rt_udelay(200000);
    rt_printf("# reset: still running 200 ms after %s; halting\n", how);
    rt_halt_forever();
}

void guest_main(void)
{
    const char *act = rt_cmdline_get("action");
    if (!act)
        act = "poweroff";
    static const char *const known[] = {"poweroff",  "reboot",    "pvpanic",     "triplefault",
                                        "halt",      "reset-acpi", "reset-cf9", "reset-i8042"};
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
    if (!strcmp(act, "reset-acpi")) {
        if (!rt_check(fadt_reset_reg(&f), "fadt reset register present",
                      "%s", !f ? "no FADT" : rd32(f + SDT_OFF_LENGTH) < FADT_OFF_RESET_VALUE + 1
                                                 ? "FADT too short for RESET_REG (ACPI 1.0 layout)"
                                                 : "RESET_REG_SUP clear or RESET_REG address 0"))
            return;
    }
    rt_end_line();
    if (!strcmp(act, "poweroff"))
        rt_poweroff();
    if (!strcmp(act, "reboot"))
        rt_reset();
    if (!strcmp(act, "triplefault"))
        rt_triple_fault();
    if (!strcmp(act, "reset-acpi")) {
        rt_cli();
        rt_acpi_reset_reg();
        after_reset("the FADT RESET_REG write");
    }
    if (!strcmp(act, "reset-cf9")) {
        rt_cli();
        outb(PORT_RESET_CF9, CF9_HARD_RESET);
        after_reset("0x06 to port 0xCF9");
    }
    if (!strcmp(act, "reset-i8042")) {
        rt_cli();
        outb(I8042_CMD, I8042_PULSE_RESET);
        after_reset("0xFE to port 0x64");
    }
    if (!strcmp(act, "pvpanic")) {
        rt_pvpanic();
        rt_udelay(200000);
        rt_printf("# pvpanic: still running 200 ms after the write; halting\n");
    }
    rt_halt_forever();
}
