/*
 * Runs a flat long-mode guest under QEMU's PVH boot: the ELF carries the exact bytes of PAYLOAD (a flat
 * binary) at 0x100000, and the 32-bit PVH entry recreates jvmm's long-mode entry convention before jumping
 * there: identity map of the first 4 GiB with 2 MiB pages, 64-bit code segment, valid RSP.
 * Intel SDM Vol. 3A §10.8.5 (initializing IA-32e mode).
 * With MP_TABLE_CPUS defined it first writes an MP table for that many CPUs where jvmm puts one: the floating
 * pointer at 0x9fc00 (also the EBDA, segment in 0x40e), the configuration table right after it.
 */
#include "pvh-note.inc"

#define PAYLOAD_ADDRESS 0x100000
#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define PTE_PRESENT_RW 0x3
#define PDE_2M_PRESENT_RW 0x83

        .section .payload, "ax"
        .incbin PAYLOAD

        .code32
        .text
        .globl  _start
_start:
        cli
        cld
        mov     $stack_top, %esp

#ifdef MP_TABLE_CPUS
        call    write_mp_table
#endif
        mov     $page_tables, %edi      /* PML4, PDPT, 4 page directories */
        mov     $(6 * 4096 / 4), %ecx
        xor     %eax, %eax
        rep stosl

        mov     $pdpt + PTE_PRESENT_RW, %eax
        mov     %eax, pml4
        mov     $pd + PTE_PRESENT_RW, %eax
        xor     %ecx, %ecx
1:      mov     %eax, pdpt(, %ecx, 8)
        add     $4096, %eax
        inc     %ecx
        cmp     $4, %ecx
        jne     1b

        mov     $PDE_2M_PRESENT_RW, %eax
        xor     %ecx, %ecx
        xor     %edx, %edx
2:      mov     %eax, pd(, %ecx, 8)
        mov     %edx, pd + 4(, %ecx, 8)
        add     $0x200000, %eax
        adc     $0, %edx
        inc     %ecx
        cmp     $2048, %ecx
        jne     2b

        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $pml4, %eax
        mov     %eax, %cr3
        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_LME, %eax
        wrmsr
        lgdt    gdt_descriptor
        mov     %cr0, %eax
        or      $(CR0_PE | CR0_PG), %eax
        mov     %eax, %cr0
        ljmp    $0x08, $long_mode

        .code64
long_mode:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        mov     $stack_top, %esp
        mov     $PAYLOAD_ADDRESS, %eax
        jmp     *%rax

        .balign 8
gdt:
        .quad   0
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit code, DPL 0 */
        .quad   0x00cf92000000ffff      /* 0x10: flat data */
gdt_end:
gdt_descriptor:
        .word   gdt_end - gdt - 1
        .long   gdt

#ifdef MP_TABLE_CPUS
#define MP_TABLE_ADDRESS 0x9fc00
        .code32
write_mp_table:
        movw    $(MP_TABLE_ADDRESS >> 4), 0x40e
        mov     $mp_table, %esi
        mov     $MP_TABLE_ADDRESS, %edi
        mov     $(mp_table_end - mp_table), %ecx
        rep movsb
        mov     $MP_TABLE_ADDRESS, %esi
        mov     $16, %ecx
        call    fix_checksum
        mov     $(MP_TABLE_ADDRESS + 16), %esi
        mov     $(mp_table_end - mpc), %ecx
        call    fix_checksum
        ret

/* Stores into byte 10 (MPF) or 7 (PCMP) of the ECX bytes at ESI what makes them sum to 0. */
fix_checksum:
        xor     %eax, %eax
        xor     %edx, %edx
1:      add     (%esi, %edx), %al
        inc     %edx
        cmp     %ecx, %edx
        jb      1b
        neg     %al
        cmpl    $0x5f504d5f, (%esi)     /* "_MP_" */
        je      2f
        add     %al, 7(%esi)
        ret
2:      add     %al, 10(%esi)
        ret

/* MultiProcessor Specification 1.4, §4.1 and §4.2; the checksums are filled in at run time. */
mp_table:
        .ascii  "_MP_"
        .long   MP_TABLE_ADDRESS + 16
        .byte   1, 4, 0, 0, 0, 0, 0, 0
mpc:
        .ascii  "PCMP"
        .word   mp_table_end - mpc
        .byte   4, 0
        .ascii  "JVMMTEST"
        .ascii  "PVH SHIM    "
        .long   0
        .word   0
        .word   MP_TABLE_CPUS
        .long   0xfee00000
        .word   0
        .byte   0, 0
        .byte   0, 0, 0x14, 3           /* processor, APIC id 0, enabled + BSP */
        .long   0x600, 0x201, 0, 0
        .set    apic_id, 1
        .rept   MP_TABLE_CPUS - 1
        .byte   0, apic_id, 0x14, 1     /* processor, enabled */
        .long   0x600, 0x201, 0, 0
        .set    apic_id, apic_id + 1
        .endr
mp_table_end:
#endif

        PVH_ENTRY_NOTE _start

        .bss
        .balign 4096
page_tables:
pml4:   .skip   4096
pdpt:   .skip   4096
pd:     .skip   4 * 4096
        .skip   4096
stack_top:
        .section .note.GNU-stack, "", @progbits
