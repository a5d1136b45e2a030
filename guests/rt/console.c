/*
 * COM1: polled output (ring 0 or ring 3, the TSS bitmap allows COM1's
 * ports), printf, and interrupt-driven input with a line editor.
 *
 * Output costs one port exit per byte plus one LSR read per FIFO-full
 * (16 bytes) when the UART reports a 16550A FIFO, else per byte.
 * Callers: any CPU, any ring; a bounded spinlock serialises lines.
 */
#include "rt.h"

static bool uart_fifo;
static unsigned tx_room;
static volatile uint32_t out_lock;

void rt_serial_init(void)
{
    const uint16_t b = COM1_BASE;
    outb(b + UART_IER, 0);
    outb(b + UART_LCR, UART_LCR_DLAB);
    outb(b + UART_DLL, UART_DIVISOR_115200 & 0xFF);
    outb(b + UART_DLM, UART_DIVISOR_115200 >> 8);
    outb(b + UART_LCR, UART_LCR_8N1);
    outb(b + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR | UART_FCR_TRIGGER_1);
    outb(b + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    uart_fifo = (inb(b + UART_IIR) & UART_IIR_FIFO_MASK) == UART_IIR_FIFO_MASK;
    tx_room = 0;
}

static void raw_putc(char c)
{
    if (tx_room == 0) {
        /* Bounded: a VMM whose THRE never rises still gets our bytes. */
        for (int i = 0; i < 100000; i++)
            if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
                break;
        tx_room = uart_fifo ? UART_FIFO_DEPTH : 1;
    }
    outb(COM1_BASE + UART_THR, (uint8_t)c);
    tx_room--;
}

static void lock(void)
{
    for (long i = 0; i < 10000000; i++)
        if (!__atomic_exchange_n(&out_lock, 1, __ATOMIC_ACQUIRE))
            return;
    /* A CPU died holding it (or we faulted inside printf): take it. */
}

static void unlock(void)
{
    __atomic_store_n(&out_lock, 0, __ATOMIC_RELEASE);
}

static void putc_nl(char c)
{
    if (c == '\n')
        raw_putc('\r');
    raw_putc(c);
}

void rt_putc(char c)
{
    lock();
    putc_nl(c);
    unlock();
}

void rt_puts(const char *s)
{
    lock();
    while (*s)
        putc_nl(*s++);
    unlock();
}

/* ---- formatting ---- */
struct sink {
    char *buf;
    size_t n, len;              /* buf == NULL: write to COM1 */
};

static void sink_put(struct sink *s, char c)
{
    if (s->buf) {
        if (s->len + 1 < s->n)
            s->buf[s->len] = c;
    } else {
        putc_nl(c);
    }
    s->len++;
}

static void fmt_num(struct sink *s, uint64_t v, unsigned base, bool neg, int width, bool zero, bool left, bool upper)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    if (neg && zero)
        sink_put(s, '-');
    if (!left)
        for (; len < width; width--)
            sink_put(s, zero ? '0' : ' ');
    if (neg && !zero)
        sink_put(s, '-');
    while (n)
        sink_put(s, tmp[--n]);
    if (left)
        for (; len < width; width--)
            sink_put(s, ' ');
}

static void do_format(struct sink *s, const char *f, va_list ap)
{
    for (; *f; f++) {
        if (*f != '%') {
            sink_put(s, *f);
            continue;
        }
        f++;
        bool zero = false, left = false;
        int width = 0, lng = 0;
        for (;; f++) {
            if (*f == '0')
                zero = true;
            else if (*f == '-')
                left = true;
            else
                break;
        }
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (*f++ - '0');
        while (*f == 'l') {
            lng++;
            f++;
        }
        if (*f == 'z') {
            lng = 1;
            f++;
        }
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
            fmt_num(s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, zero, left, false);
            break;
        }
        case 'u':
            fmt_num(s, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, false, width, zero, left, false);
            break;
        case 'x':
        case 'X':
            fmt_num(s, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, false, width, zero, left, *f == 'X');
            break;
        case 'p':
            sink_put(s, '0');
            sink_put(s, 'x');
            fmt_num(s, (uintptr_t)va_arg(ap, void *), 16, false, width, zero, left, false);
            break;
        case 'c':
            sink_put(s, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            int len = (int)strlen(str);
            if (!left)
                for (; len < width; width--)
                    sink_put(s, ' ');
            while (*str)
                sink_put(s, *str++);
            if (left)
                for (; len < width; width--)
                    sink_put(s, ' ');
            break;
        }
        case '%':
            sink_put(s, '%');
            break;
        case '\0':
            return;
        default:
            sink_put(s, '%');
            sink_put(s, *f);
        }
    }
}

void rt_vprintf(const char *fmt, va_list ap)
{
    struct sink s = {0};
    lock();
    do_format(&s, fmt, ap);
    unlock();
}

void rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
}

int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct sink s = {.buf = buf, .n = n};
    do_format(&s, fmt, ap);
    if (n)
        buf[s.len < n ? s.len : n - 1] = '\0';
    return (int)s.len;
}

int rt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = rt_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- input: the ISR fills a ring, readers sleep with hlt ---- */
#define RX_RING 256
static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;
volatile uint64_t rt_serial_irqs;

void rt_serial_isr(void)
{
    rt_serial_irqs++;
    (void)inb(COM1_BASE + UART_IIR);
    /* Drain the FIFO; bounded in case LSR.DR is stuck. */
    for (int i = 0; i < 64 && (inb(COM1_BASE + UART_LSR) & UART_LSR_DR); i++) {
        uint8_t c = inb(COM1_BASE + UART_RBR);
        if (rx_head - rx_tail < RX_RING) {
            rx_ring[rx_head % RX_RING] = c;
            rx_head++;
        }
    }
}

bool rt_serial_irq_enable(void)
{
    if (!rt_irq_init())
        return false;
    if (!rt_ioapic_route_isa(COM1_ISA_IRQ, VEC_COM1))
        return false;
    outb(COM1_BASE + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    outb(COM1_BASE + UART_IER, UART_IER_RDI);
    return true;
}

int rt_getc(void)
{
    for (;;) {
        rt_cli();
        if (rx_tail != rx_head) {
            uint8_t c = rx_ring[rx_tail % RX_RING];
            rx_tail++;
            rt_sti();
            return c;
        }
        /* sti;hlt: the interrupt shadow keeps a wake-up from slipping in between. */
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

int rt_readline(char *buf, size_t n)
{
    static bool last_cr;
    size_t len = 0;
    for (;;) {
        int c = rt_getc();
        if (c == '\n' && last_cr) {     /* CR LF from a terminal: one end of line */
            last_cr = false;
            continue;
        }
        last_cr = false;
        if (c == '\r' || c == '\n') {
            last_cr = c == '\r';
            rt_puts("\n");
            buf[len] = '\0';
            return (int)len;
        }
        if (c == 0x03) {                /* Ctrl-C */
            rt_puts("^C\n");
            buf[0] = '\0';
            return RT_LINE_CTRL_C;
        }
        if (c == 0x08 || c == 0x7F) {   /* BS or DEL: erase one character */
            if (len) {
                len--;
                rt_puts("\b \b");
            }
            continue;
        }
        if (c < 0x20 || c > 0x7E)
            continue;
        if (len + 1 < n) {
            buf[len++] = (char)c;
            rt_putc((char)c);
        }
    }
}
