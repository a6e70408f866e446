package dev.jvmm.devices.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous range of guest RAM: guest-physical addresses {@code [guestAddress, guestAddress + size)} backed by
 * {@code segment} (usually an mmap'd mapping owned by the VMM).
 */
public record GuestRegion(long guestAddress, MemorySegment segment) {
    public GuestRegion {
        Objects.requireNonNull(segment, "segment");
        if (guestAddress < 0 || segment.byteSize() == 0 || guestAddress + segment.byteSize() < guestAddress) {
            throw new IllegalArgumentException("bad guest region at 0x" + Long.toHexString(guestAddress));
        }
    }

    public long size() { return segment.byteSize(); }

    /** First guest-physical address after this region. */
    public long end() { return guestAddress + segment.byteSize(); }
}
