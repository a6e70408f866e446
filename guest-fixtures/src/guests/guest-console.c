/*
 * COM1 output (16550: poll LSR.THRE, then write THR), the TSC deadlines and the i8042 reset the virtio guests
 * end with, and the three functions GCC may call even in freestanding code.
 */
#include "virtio-guest.h"

#define UART_THR 0x3f8
#define UART_LSR 0x3fd
#define UART_LSR_THRE 0x20
#define I8042_COMMAND 0x64
#define I8042_PULSE_RESET 0xfe

static inline void outb(u16 port, u8 value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline u8 inb(u16 port) {
    u8 value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void *memset(void *dst, int c, unsigned long n) {
    u8 *d = dst;
    while (n--) {
        *d++ = (u8) c;
    }
    return dst;
}

void *memcpy(void *dst, const void *src, unsigned long n) {
    u8 *d = dst;
    const u8 *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

int memcmp(const void *a, const void *b, unsigned long n) {
    const u8 *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) {
            return *x < *y ? -1 : 1;
        }
    }
    return 0;
}

static void put_char(char c) {
    while (!(inb(UART_LSR) & UART_LSR_THRE)) {
    }
    outb(UART_THR, (u8) c);
}

void put_str(const char *s) {
    while (*s) {
        put_char(*s++);
    }
}

void say(const char *text) {
    put_str(guest_name);
    put_str(": ");
    put_str(text);
}

void end_line(void) {
    put_char('\n');
}

void put_dec(u64 value) {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char) ('0' + value % 10);
        value /= 10;
    } while (value);
    while (n) {
        put_char(digits[--n]);
    }
}

void put_hex(u64 value, int digits) {
    while (digits--) {
        put_char("0123456789abcdef"[(value >> (4 * digits)) & 0xf]);
    }
}

/* Printable ASCII as is, anything else as '.', so a line stays one line. */
void put_ascii(const void *bytes, u32 n) {
    const u8 *b = bytes;
    for (u32 i = 0; i < n; i++) {
        put_char(b[i] >= 0x20 && b[i] < 0x7f ? (char) b[i] : '.');
    }
}

static __attribute__((noreturn)) void reset(void) {
    outb(I8042_COMMAND, I8042_PULSE_RESET);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void pass(void) {
    say("PASS");
    end_line();
    reset();
}

void fail(const char *reason) {
    say("FAIL ");
    put_str(reason);
    end_line();
    reset();
}

void fail_with(const char *reason, u64 number) {
    say("FAIL ");
    put_str(reason);
    put_str(" ");
    put_dec(number);
    end_line();
    reset();
}

static u64 rdtsc(void) {
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (u64) hi << 32 | lo;
}

u64 deadline_after(u64 ticks) {
    return rdtsc() + ticks;
}

int expired(u64 deadline) {
    return (long) (rdtsc() - deadline) >= 0;
}
