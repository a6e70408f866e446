/*
 * Runs a flat long-mode guest under QEMU's PVH boot: the ELF carries the exact bytes of PAYLOAD (a flat
 * binary) at 0x100000, and the 32-bit PVH entry recreates jvmm's long-mode entry convention before jumping
 * there: identity map of the first 4 GiB with 2 MiB pages, 64-bit code segment, valid RSP.
 * Intel SDM Vol. 3A §10.8.5 (initializing IA-32e mode).
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
