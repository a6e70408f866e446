/*
 * 64-bit guest, loaded at LONG_MODE_LOAD_ADDRESS (0x100000) and entered in long mode at its first byte with
 * identity-mapped paging and a valid RSP. Prints one line, then halts (KVM_EXIT_HLT without an in-kernel irqchip).
 */
#include "uart.inc"

        .code64
        .text
        .globl  _start
_start:
        cli
        cld
        lea     message(%rip), %rsi
        call    uart_puts
        HALT_FOREVER

        UART_ROUTINES uart

message:
        .asciz  "jvmm long-mode guest: hello\n"
        .section .note.GNU-stack, "", @progbits
