/*
 * PVH variant of the tiny benchmark guest for QEMU (-M microvm -kernel): runs at the 32-bit PVH entry,
 * prints the same line as reset-hello.bin and resets through the i8042.
 */
#include "uart.inc"
#include "pvh-note.inc"

        .code32
        .text
        .globl  _start
_start:
        cli
        cld
        mov     $stack_top, %esp
        mov     $message, %esi
        call    uart_puts
        I8042_RESET
        HALT_FOREVER

        UART_ROUTINES uart

message:
        .asciz  "jvmm tiny guest\n"

        .balign 16
        .fill   256, 1, 0
stack_top:

        PVH_ENTRY_NOTE _start
        .section .note.GNU-stack, "", @progbits
