/*
 * SMP bring-up guest, long-mode entry convention (as long-mode-hello), loaded at 0x100000.
 * Like Linux: find the MP floating pointer structure, walk the MP configuration table's processor entries
 * (MultiProcessor Specification 1.4, §4), then start each enabled AP with INIT, SIPI, SIPI through the local
 * APIC ICR (Intel SDM Vol. 3A §9.4.4.1, §11.6.1). APs run a real-mode trampoline copied to TRAMPOLINE_BASE.
 * Every CPU prints "cpu <apic-id> online" under a spin lock; the BSP waits (bounded) for the APs' check-ins,
 * prints "smp: <n> cpus online" and resets through the i8042.
 */
#include "uart.inc"

/* Page-aligned, below 1 MiB and clear of what jvmm writes (0x500 GDT, 0x7000 zero page, 0x9000-0xefff page
 * tables, 0x9fc00 MP table / EBDA). SIPI vector = TRAMPOLINE_BASE >> 12. */
#define TRAMPOLINE_BASE 0x10000
#define TRAMP(sym) (TRAMPOLINE_BASE + ((sym) - trampoline))

#define MPF_SIGNATURE 0x5f504d5f        /* "_MP_" */
#define MPC_SIGNATURE 0x504d4350        /* "PCMP" */
#define MPC_HEADER_SIZE 44
#define MP_PROCESSOR 0
#define MP_PROCESSOR_SIZE 20
#define MP_OTHER_ENTRY_SIZE 8
#define CPU_ENABLED 0x1
#define CPU_BOOTPROCESSOR 0x2
#define MAX_CPUS 64

#define APIC_ID 0x20
#define APIC_SVR 0xf0
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_SVR_ENABLE 0x100
#define APIC_ICR_BUSY 0x1000
#define APIC_DM_INIT_ASSERT 0x4500      /* INIT, level assert */
#define APIC_DM_STARTUP 0x4600

#define AP_WAIT_LOOPS 0x2000000           /* 1-2 s of PAUSE on hardware, about 5 s under TCG */

        .code64
        .text
        .globl  _start
_start:
        cli
        cld
        lea     trampoline(%rip), %rsi  /* copy the AP trampoline below 1 MiB */
        mov     $TRAMPOLINE_BASE, %edi
        mov     $(trampoline_end - trampoline), %ecx
        rep movsb

        call    find_mpf
        test    %rax, %rax
        jz      no_mp_table
        call    read_mpc
        test    %eax, %eax
        jz      no_mp_table

        mov     $1, %eax                /* the BSP checks in like every AP */
        cpuid
        shr     $24, %ebx
        mov     %bl, bsp_apic_id(%rip)
        call    take_lock
        mov     bsp_apic_id(%rip), %al
        call    print_cpu_online
        call    release_lock

        mov     lapic_base(%rip), %r12d
        orl     $APIC_SVR_ENABLE, APIC_SVR(%r12)

        xor     %r13d, %r13d            /* index into cpu_ids */
        xor     %r14d, %r14d            /* APs started */
start_next_ap:
        cmp     cpu_count(%rip), %r13d
        jae     wait_for_aps
        lea     cpu_ids(%rip), %rax
        movzbl  (%rax, %r13), %r15d
        inc     %r13d
        cmp     bsp_apic_id(%rip), %r15b
        je      start_next_ap
        mov     %r15d, %eax
        shl     $24, %eax
        mov     $APIC_DM_INIT_ASSERT, %edx
        call    send_ipi
        mov     $APIC_DM_STARTUP | (TRAMPOLINE_BASE >> 12), %edx
        call    send_ipi
        mov     $APIC_DM_STARTUP | (TRAMPOLINE_BASE >> 12), %edx
        call    send_ipi
        inc     %r14d
        jmp     start_next_ap

wait_for_aps:
        mov     $AP_WAIT_LOOPS, %ecx
1:      mov     TRAMP(ap_checked_in), %eax
        cmp     %r14d, %eax
        jae     2f
        pause
        dec     %ecx
        jnz     1b
        lea     timeout_message(%rip), %rsi
        call    take_lock
        call    uart_puts
        call    release_lock
2:      lea     smp_message(%rip), %rsi
        call    take_lock
        call    uart_puts
        mov     TRAMP(ap_checked_in), %eax
        inc     %eax
        call    uart_dec
        lea     cpus_online_message(%rip), %rsi
        call    uart_puts
        call    release_lock
        jmp     reset

no_mp_table:
        lea     no_mp_message(%rip), %rsi
        call    uart_puts
reset:
        I8042_RESET
        HALT_FOREVER

/* EAX = ICR high (destination), EDX = ICR low; then waits for delivery and a short while. */
send_ipi:
        mov     %eax, APIC_ICR_HIGH(%r12)
        mov     %edx, APIC_ICR_LOW(%r12)
1:      testl   $APIC_ICR_BUSY, APIC_ICR_LOW(%r12)
        jz      2f
        pause
        jmp     1b
2:      mov     $100000, %ecx
3:      pause
        dec     %ecx
        jnz     3b
        ret

/* Returns the MP floating pointer structure's address in RAX, or 0. Search order as Linux's
 * find_smp_config: first KiB of the EBDA, last KiB of base memory, BIOS ROM 0xf0000-0xfffff. */
find_mpf:
        movzwl  0x40e, %edi
        shl     $4, %edi
        jz      1f
        mov     $1024, %ecx
        call    scan_mpf
        test    %rax, %rax
        jnz     2f
1:      mov     $0x9fc00, %edi
        mov     $1024, %ecx
        call    scan_mpf
        test    %rax, %rax
        jnz     2f
        mov     $0xf0000, %edi
        mov     $0x10000, %ecx
        call    scan_mpf
2:      ret

/* Scans RCX bytes at RDI on 16-byte boundaries for a valid "_MP_"; returns it in RAX or 0. */
scan_mpf:
        mov     %rdi, %r8
        add     %rcx, %r8
1:      cmp     %r8, %rdi
        jae     3f
        cmpl    $MPF_SIGNATURE, (%rdi)
        jne     2f
        movzbl  8(%rdi), %ecx           /* length in 16-byte units */
        shl     $4, %ecx
        jz      2f
        call    checksum
        test    %al, %al
        jnz     2f
        mov     %rdi, %rax
        ret
2:      add     $16, %rdi
        jmp     1b
3:      xor     %eax, %eax
        ret

/* Sums RCX bytes at RDI into AL (a valid MP structure sums to 0). Keeps RDI. */
checksum:
        xor     %eax, %eax
        xor     %edx, %edx
1:      add     (%rdi, %rdx), %al
        inc     %rdx
        cmp     %rcx, %rdx
        jb      1b
        ret

/* RAX = MP floating pointer. Reads the configuration table into cpu_ids/cpu_count/lapic_base; EAX = number of
 * enabled processors, 0 if the table is missing or invalid (feature byte 1 != 0 means a default configuration,
 * which jvmm never uses). */
read_mpc:
        cmpb    $0, 11(%rax)
        jne     9f
        mov     4(%rax), %edi           /* physical address pointer */
        test    %edi, %edi
        jz      9f
        cmpl    $MPC_SIGNATURE, (%rdi)
        jne     9f
        movzwl  4(%rdi), %ecx           /* base table length */
        cmp     $MPC_HEADER_SIZE, %ecx
        jb      9f
        call    checksum
        test    %al, %al
        jnz     9f
        mov     36(%rdi), %eax          /* local APIC address */
        mov     %eax, lapic_base(%rip)
        movzwl  4(%rdi), %r9d
        add     %rdi, %r9               /* table end */
        movzwl  34(%rdi), %r10d         /* entry count */
        lea     MPC_HEADER_SIZE(%rdi), %rsi
        lea     cpu_ids(%rip), %r11
        xor     %r8d, %r8d              /* enabled processors found */
1:      test    %r10d, %r10d
        jz      8f
        cmp     %r9, %rsi
        jae     8f
        cmpb    $MP_PROCESSOR, (%rsi)
        jne     3f
        testb   $CPU_ENABLED, 3(%rsi)
        jz      2f
        cmp     $MAX_CPUS, %r8d
        jae     2f
        mov     1(%rsi), %al            /* local APIC id */
        mov     %al, (%r11, %r8)
        inc     %r8d
2:      add     $MP_PROCESSOR_SIZE, %rsi
        dec     %r10d
        jmp     1b
3:      add     $MP_OTHER_ENTRY_SIZE, %rsi
        dec     %r10d
        jmp     1b
8:      mov     %r8d, cpu_count(%rip)
        mov     %r8d, %eax
        ret
9:      xor     %eax, %eax
        ret

take_lock:
        push    %rax
1:      mov     $1, %al
        xchg    %al, TRAMP(print_lock)
        test    %al, %al
        jz      2f
        pause
        jmp     1b
2:      pop     %rax
        ret

release_lock:
        movb    $0, TRAMP(print_lock)
        ret

/* AL = APIC id */
print_cpu_online:
        push    %rsi
        mov     %al, %bh
        lea     cpu_message(%rip), %rsi
        call    uart_puts
        mov     %bh, %al
        call    uart_dec
        lea     online_message(%rip), %rsi
        call    uart_puts
        pop     %rsi
        ret

        UART_ROUTINES uart

cpu_message:            .asciz  "cpu "
online_message:         .asciz  " online\n"
smp_message:            .asciz  "smp: "
cpus_online_message:    .asciz  " cpus online\n"
timeout_message:        .asciz  "smp: timed out waiting for APs\n"
no_mp_message:          .asciz  "smp: no valid MP table\n"

        .balign 4
lapic_base:     .long   0xfee00000
cpu_count:      .long   0
bsp_apic_id:    .byte   0
cpu_ids:        .fill   MAX_CPUS, 1, 0

/* AP trampoline, copied to TRAMPOLINE_BASE; a SIPI starts the AP in real mode at CS = TRAMPOLINE_BASE >> 4,
 * IP = 0. APs take the print lock before touching the (shared) stack. */
        .code16
        .balign 16
trampoline:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        mov     %ax, %ss
1:      mov     $1, %al
        xchg    %al, (print_lock - trampoline)
        test    %al, %al
        jz      2f
        pause
        jmp     1b
2:      mov     $(ap_stack_top - trampoline), %sp
        mov     $1, %eax
        cpuid
        shr     $24, %ebx
        mov     %bl, %bh
        mov     $(cpu_message_16 - trampoline), %si
        call    ap_uart_puts
        mov     %bh, %al
        call    ap_uart_dec
        mov     $(online_message_16 - trampoline), %si
        call    ap_uart_puts
        lock incl (ap_checked_in - trampoline)
        movb    $0, (print_lock - trampoline)
3:      hlt
        jmp     3b

        UART_ROUTINES ap_uart

cpu_message_16:         .asciz  "cpu "
online_message_16:      .asciz  " online\n"
        .balign 4
print_lock:     .byte   0, 0, 0, 0
ap_checked_in:  .long   0
        .balign 16
        .fill   128, 1, 0
ap_stack_top:
trampoline_end:
        .section .note.GNU-stack, "", @progbits
