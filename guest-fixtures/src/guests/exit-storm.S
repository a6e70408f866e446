/*
 * Exit storm for benchmarks and the exit-count tests: COUNT exits of one KIND, then HLT. Real-mode entry at
 * CS=0, IP=0x1000 (jvmm --format flat --entry real, and the C yardstick kvm-exit-baseline alike); it switches
 * to 32-bit protected mode (flat segments, no paging, interrupts off) so that it can reach an MMIO address.
 *
 * Parameter block, patched into a copy of the binary (GuestFixtures.writeExitStorm, bench/run):
 *   offset 4: COUNT, little-endian 32 bits (0: straight to HLT)
 *   offset 8: KIND  0 = PIO, `out %al, $0x80` (one KVM_EXIT_IO each)
 *                   1 = MMIO, a 4-byte write to 0x10000000 (one KVM_EXIT_MMIO each, while no RAM or device
 *                       backs 256 MiB: give the guest at most 256 MiB)
 */
        .code16
        .text
        .globl  _start
_start:
        jmp     start16
        .org    _start + 4
count:  .long   0
kind:   .long   0

start16:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        lgdtl   gdt_descriptor
        mov     %cr0, %eax
        or      $1, %eax               /* CR0.PE */
        mov     %eax, %cr0
        ljmpl   $0x08, $start32

        .code32
start32:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     count, %ecx
        test    %ecx, %ecx
        jz      done
        cmpl    $0, kind
        jne     mmio
pio:    out     %al, $0x80
        dec     %ecx
        jnz     pio
        jmp     done
mmio:   movl    %eax, 0x10000000
        dec     %ecx
        jnz     mmio
done:   hlt
        jmp     done

        .balign 8
gdt:    .quad   0
        .quad   0x00cf9a000000ffff     /* 0x08: code, base 0, limit 4 GiB, 32-bit */
        .quad   0x00cf92000000ffff     /* 0x10: data, base 0, limit 4 GiB */
gdt_descriptor:
        .word   gdt_descriptor - gdt - 1
        .long   gdt
