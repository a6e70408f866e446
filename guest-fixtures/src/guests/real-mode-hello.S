/*
 * Real-mode guest. Loaded at REAL_MODE_LOAD_ADDRESS (0x1000); the vCPU starts with CS=0, IP=0x1000 and no
 * stack, so the guest sets DS=ES=SS=0 and uses a stack inside its own image.
 */
#include "uart.inc"

        .code16
        .text
        .globl  _start
_start:
        cli
        cld
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $stack_top, %sp
        mov     $message, %si
        call    uart_puts
        HALT_FOREVER

        UART_ROUTINES uart

message:
        .asciz  "jvmm real-mode guest: hello\n"

        .balign 16
stack:
        .fill   256, 1, 0
stack_top:
        .section .note.GNU-stack, "", @progbits
