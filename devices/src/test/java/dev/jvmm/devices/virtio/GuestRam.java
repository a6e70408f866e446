package dev.jvmm.devices.virtio;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.util.List;

/** Guest memory for device tests: one page-aligned region of RAM at a guest-physical address. */
public final class GuestRam {
    private GuestRam() { }

    public static GuestMemory of(long guestAddress, long size) {
        return GuestMemory.of(List.of(new GuestRegion(guestAddress, Arena.ofAuto().allocate(size, 4096))));
    }
}
