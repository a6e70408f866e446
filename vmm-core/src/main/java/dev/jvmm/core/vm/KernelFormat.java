package dev.jvmm.core.vm;

/** How the file given with {@code --kernel} is loaded. */
public enum KernelFormat {
    /** Decide from the file's contents: a bzImage setup header or an ELF header. */
    AUTO,
    /** Linux bzImage, 64-bit boot protocol. */
    BZIMAGE,
    /** ELF vmlinux: PVH entry when the note exists, else the 64-bit boot protocol. */
    ELF,
    /** A flat binary copied to {@code --load-address} and entered in the mode {@code --entry} names. */
    FLAT
}
