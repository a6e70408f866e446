package dev.jvmm.core.x86;

/** One contiguous range of guest RAM, {@code [guestAddress, guestAddress + size)}. */
public record RamRegion(long guestAddress, long size) {
    public RamRegion {
        if (guestAddress < 0 || size <= 0) {
            throw new IllegalArgumentException("bad RAM region 0x" + Long.toHexString(guestAddress) + " +" + size);
        }
    }

    public long end() { return guestAddress + size; }
}
