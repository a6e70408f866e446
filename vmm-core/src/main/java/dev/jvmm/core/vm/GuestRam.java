package dev.jvmm.core.vm;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.core.kvm.Vm;
import dev.jvmm.core.x86.Layout;
import dev.jvmm.core.x86.RamRegion;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;
import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest's RAM: anonymous {@code MAP_NORESERVE} mappings laid out around the 32-bit MMIO hole
 * ({@link Layout#ramRegions}), each registered with KVM in its own memory slot by {@link #register}. They exist
 * before the VM does, so the guest can be loaded (and a bad image refused) before KVM is touched. Closing unmaps
 * them, after the VM is closed.
 */
final class GuestRam implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;

    GuestRam(long memorySize) {
        List<GuestRegion> regions = new ArrayList<>();
        try {
            for (RamRegion r : Layout.ramRegions(memorySize)) {
                MemorySegment m = Libc.mmap(r.size(), libc_h.PROT_READ() | libc_h.PROT_WRITE(),
                        libc_h.MAP_PRIVATE() | libc_h.MAP_ANONYMOUS() | libc_h.MAP_NORESERVE(), -1, 0, arena);
                regions.add(new GuestRegion(r.guestAddress(), m));
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.memory = GuestMemory.of(regions);
    }

    /** KVM_SET_USER_MEMORY_REGION for each region, slots from 0. */
    void register(Vm vm) {
        int slot = 0;
        for (GuestRegion r : memory.regions()) {
            vm.setUserMemoryRegion(slot++, r.guestAddress(), r.segment(), 0);
        }
    }

    GuestMemory memory() {
        return memory;
    }

    @Override
    public void close() {
        arena.close();
    }
}
