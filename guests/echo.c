/*
 * echo: interrupt-driven COM1 input. Prints `echo: ready`, reads one
 * line (echoed, backspace editing), prints `echo: got <line>`, checks it
 * against expect= ('_' stands for a space) and that interrupts arrived.
 * Keys: expect=<text> (optional).
 */
#include "rt.h"

RT_GUEST("echo");

void guest_main(void)
{
    if (!rt_check(rt_serial_irq_enable(), "com1 interrupt routed", "no I/O APIC route for ISA IRQ %d",
                  COM1_ISA_IRQ))
        return;
    rt_puts("echo: ready\n");
    char line[256];
    int n = rt_readline(line, sizeof(line));
    rt_cli();
    if (n == RT_LINE_CTRL_C)
        rt_puts("echo: got ^C\n");
    else
        rt_printf("echo: got %s\n", line);
    const char *exp = rt_cmdline_get("expect");
    if (exp) {
        char want[256];
        size_t i;
        for (i = 0; exp[i] && i + 1 < sizeof(want); i++)
            want[i] = exp[i] == '_' ? ' ' : exp[i];
        want[i] = '\0';
        rt_check(n != RT_LINE_CTRL_C && !strcmp(line, want), "line matches expect", "got \"%s\", expected \"%s\"",
                 n == RT_LINE_CTRL_C ? "^C" : line, want);
    }
    rt_printf("# serial irqs=%lu\n", rt_serial_irqs);
    rt_check(rt_serial_irqs > 0, "input arrived by interrupt", "no COM1 interrupt was taken");
}
