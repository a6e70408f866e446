    .section .text.start
    .globl _start
_start:
    mov $0x8ff0, %rsp
    call main_
1:  hlt
    jmp 1b
    .text
    .globl isr, irq_count
isr:
    push %rax
    lock incl irq_count(%rip)
    mov $0xfee000b0, %rax
    movl $0, (%rax)
    pop %rax
    iretq
    .data
    .align 4
irq_count: .long 0
