# Real-mode guest for kvm-exit-baseline: N port writes to 0x80, then HLT.
    .code16
    .globl _start
_start:
    mov $10000, %cx
1:  out %al, $0x80
    dec %cx
    jnz 1b
    hlt
