/*
 * Entry of the C virtio guests, linked first so that _start is the flat binary's first byte: jvmm's long-mode
 * entry convention (64-bit mode, identity-mapped first 4 GiB, a valid RSP). guest_main() ends the VM itself.
 */
        .code64
        .section .text.entry, "ax"
        .globl  _start
_start:
        cli
        cld
        and     $-16, %rsp              /* SysV ABI: 16-byte aligned at the call */
        call    guest_main
        mov     $0xfe, %al              /* i8042 reset, should guest_main ever return */
        out     %al, $0x64
1:      cli
        hlt
        jmp     1b
        .section .note.GNU-stack, "", @progbits
