/*
 * The tiny benchmark guest, long-mode entry convention (as long-mode-hello): prints one line and asks the
 * i8042 for a reset, which ends the VM.
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
        I8042_RESET
        HALT_FOREVER

        UART_ROUTINES uart

message:
        .asciz  "jvmm tiny guest\n"
        .section .note.GNU-stack, "", @progbits
