package dev.jvmm.core.boot;

/** How the vCPU enters the guest. */
public enum EntryMode {
    /** Boot protocol "64-bit boot protocol": long mode, identity paging, RSI = boot_params. */
    LINUX_64BIT,
    /** PVH boot ABI: 32-bit protected mode, paging off, EBX = hvm_start_info. */
    PVH_32BIT
}
