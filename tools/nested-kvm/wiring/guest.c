/* Throwaway polling guest for jvmm's device wiring under nested KVM: rng request, blk read/id/write/flush. */
typedef unsigned long u64; typedef unsigned int u32; typedef unsigned short u16; typedef unsigned char u8;
static inline void outb(u16 p, u8 v) { __asm__ volatile("outb %0,%1" :: "a"(v), "Nd"(p)); }
static inline u8 inb(u16 p) { u8 v; __asm__ volatile("inb %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static void putc_(char c) { for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++) {} outb(0x3f8, c); }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void hex(u64 v, int digits) { for (int i = digits - 1; i >= 0; i--) putc_("0123456789abcdef"[(v >> (4 * i)) & 15]); }
static void dec(u64 v) { char b[24]; int n = 0; do { b[n++] = '0' + v % 10; v /= 10; } while (v); while (n) putc_(b[--n]); }
#define R(b, o) (*(volatile u32 *)((b) + (o)))
struct desc { u64 addr; u32 len; u16 flags, next; };
struct q { u64 base; struct desc *d; volatile u16 *avail; volatile u16 *used; u16 idx; };
static u64 find(u32 id) {
    for (int i = 0; i < 32; i++) { u64 b = 0xd0000000UL + i * 0x1000UL;
        if (R(b, 0) == 0x74726976 && R(b, 4) == 2 && R(b, 8) == id) return b; }
    return 0;
}
static int init(struct q *q, u64 base, u64 mem) {
    q->base = base; q->d = (struct desc *)mem; q->avail = (volatile u16 *)(mem + 0x100); q->used = (volatile u16 *)(mem + 0x200);
    for (int i = 0; i < 0x400; i++) ((volatile u8 *)mem)[i] = 0;
    q->idx = 0;
    R(base, 0x70) = 0; R(base, 0x70) = 1; R(base, 0x70) = 3;
    R(base, 0x24) = 1; R(base, 0x20) = 1; R(base, 0x24) = 0; R(base, 0x20) = 0;
    R(base, 0x70) = 11; if (!(R(base, 0x70) & 8)) return 0;
    R(base, 0x30) = 0; if (R(base, 0x34) < 8) return 0;
    R(base, 0x38) = 8;
    R(base, 0x80) = (u32)mem; R(base, 0x84) = 0; R(base, 0x90) = (u32)(mem + 0x100); R(base, 0x94) = 0;
    R(base, 0xa0) = (u32)(mem + 0x200); R(base, 0xa4) = 0; R(base, 0x44) = 1;
    R(base, 0x70) = 15;
    return (R(base, 0x70) & 0x44) == 4;
}
/* n descriptors from 0 as one chain: addrs/lens/flags (2 = write). Returns used length or -1 on timeout. */
static long run(struct q *q, int n, u64 *a, u32 *l, u16 *w) {
    for (int i = 0; i < n; i++) { q->d[i].addr = a[i]; q->d[i].len = l[i]; q->d[i].flags = (w[i] ? 2 : 0) | (i < n - 1 ? 1 : 0); q->d[i].next = i + 1; }
    q->avail[2 + q->idx % 8] = 0;
    __asm__ volatile("mfence" ::: "memory");
    q->idx++; q->avail[1] = q->idx;
    __asm__ volatile("mfence" ::: "memory");
    R(q->base, 0x50) = 0;
    for (long t = 0; t < 2000000000L; t++) { if (q->used[1] == q->idx) { __asm__ volatile("" ::: "memory");
        return *(volatile u32 *)((u64)q->used + 4 + 8 * ((q->idx - 1) % 8) + 4); } }
    return -1;
}
extern volatile u32 irq_count; extern void isr(void);
static struct __attribute__((packed)) { u16 limit; u64 base; } idtr;
static void ioapic(u32 reg, u32 v) { *(volatile u32 *)0xfec00000UL = reg; *(volatile u32 *)0xfec00010UL = v; }
/* Masks the 8259s, routes GSIs 5-7 to vector 0x30 on APIC 0 (edge, active high), enables the LAPIC, sti. */
static void setup_irq(void) {
    outb(0x21, 0xff); outb(0xa1, 0xff);
    u64 *idt = (u64 *)0x340000; for (int i = 0; i < 512; i++) idt[i] = 0;
    u16 cs; __asm__ volatile("mov %%cs,%0" : "=r"(cs));
    u64 h = (u64)isr;
    idt[2 * 0x30] = (h & 0xffff) | ((u64)cs << 16) | (0x8EUL << 40) | (((h >> 16) & 0xffff) << 48);
    idt[2 * 0x30 + 1] = h >> 32;
    idtr.limit = 4095; idtr.base = 0x340000; __asm__ volatile("lidt %0" :: "m"(idtr));
    *(volatile u32 *)0xfee000f0UL = 0x1ff; *(volatile u32 *)0xfee00080UL = 0;
    for (u32 gsi = 5; gsi <= 7; gsi++) { ioapic(0x11 + 2 * gsi, 0); ioapic(0x10 + 2 * gsi, 0x30); }
    __asm__ volatile("sti");
}
void main_(void) {
    setup_irq();
    int ok = 1; struct q q;
    u64 rng = find(4), blk = find(2);
    puts_("nested: rng at 0x"); hex(rng, 8); puts_(" blk at 0x"); hex(blk, 8); puts_("\n");
    if (rng && init(&q, rng, 0x300000)) {
        u64 a[1] = {0x310000}; u32 l[1] = {32}; u16 w[1] = {1};
        long n = run(&q, 1, a, l, w);
        for (long t = 0; t < 1000000000L && irq_count == 0; t++) {}
        puts_("nested-irq: count "); dec(irq_count); puts_(" InterruptStatus "); dec(R(rng, 0x60)); puts_("\n");
        R(rng, 0x64) = R(rng, 0x60);
        if (irq_count == 0) ok = 0;
        puts_("nested-rng: used "); dec(n); puts_(" "); for (int i = 0; i < 32; i++) hex(((u8 *)0x310000)[i], 2); puts_("\n");
        if (n != 32) ok = 0;
    } else { puts_("nested-rng: init failed\n"); ok = 0; }
    if (blk && init(&q, blk, 0x320000)) {
        volatile u32 *h = (u32 *)0x330000; volatile u8 *data = (u8 *)0x331000, *st = (u8 *)0x332000;
        u64 a[3] = {0x330000, 0x331000, 0x332000}; u32 l[3] = {16, 512, 1}; u16 w[3] = {0, 1, 1};
        h[0] = 0; h[1] = 0; h[2] = 0; h[3] = 0; *st = 0xff;
        long n = run(&q, 3, a, l, w);
        puts_("nested-blk: read used "); dec(n); puts_(" status "); dec(*st); puts_(" sector0 ");
        for (int i = 0; i < 16; i++) putc_(data[i]); puts_("\n"); if (*st != 0) ok = 0;
        h[0] = 8; l[1] = 20; *st = 0xff; for (int i = 0; i < 20; i++) data[i] = 0;
        n = run(&q, 3, a, l, w); puts_("nested-blk: id "); for (int i = 0; i < 20 && data[i]; i++) putc_(data[i]);
        puts_(" status "); dec(*st); puts_("\n"); if (*st != 0) ok = 0;
        const char *m = "JVMM-GUEST-WROTE"; for (int i = 0; i < 512; i++) data[i] = i < 16 ? m[i] : 0;
        h[0] = 1; h[2] = 1; l[1] = 512; w[1] = 0; *st = 0xff;
        n = run(&q, 3, a, l, w); puts_("nested-blk: write status "); dec(*st); puts_("\n"); if (*st != 0) ok = 0;
        u64 fa[2] = {0x330000, 0x332000}; u32 fl[2] = {16, 1}; u16 fw[2] = {0, 1};
        h[0] = 4; h[2] = 0; *st = 0xff;
        n = run(&q, 2, fa, fl, fw); puts_("nested-blk: flush status "); dec(*st); puts_("\n"); if (*st != 0) ok = 0;
    } else { puts_("nested-blk: init failed\n"); ok = 0; }
    puts_(ok ? "nested: PASS\n" : "nested: FAIL\n");
    outb(0x64, 0xfe);
    for (;;) __asm__ volatile("hlt");
}
