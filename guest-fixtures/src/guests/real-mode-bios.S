/*
 * A 64 KiB firmware image for QEMU -bios, only to test real-mode-hello.bin without KVM: QEMU maps it at
 * 0xf0000; the reset vector (0xffff0) jumps into it, it copies the payload to 0x1000 and enters it with CS=0,
 * IP=0x1000 and no stack, the state in which jvmm starts a real-mode guest.
 */
#define LOAD_ADDRESS 0x1000

        .code16
        .text
start:
        cli
        cld
        mov     $0xf000, %ax
        mov     %ax, %ds
        xor     %ax, %ax
        mov     %ax, %es
        mov     $payload, %si
        mov     $LOAD_ADDRESS, %di
        mov     $(payload_end - payload), %cx
        rep movsb
        xor     %ax, %ax
        mov     %ax, %ds
        mov     %ax, %ss
        xor     %sp, %sp
        ljmp    $0, $LOAD_ADDRESS

payload:
        .incbin PAYLOAD
payload_end:

        .org    0xfff0
reset_vector:
        ljmp    $0xf000, $start
        .org    0x10000
        .section .note.GNU-stack, "", @progbits
