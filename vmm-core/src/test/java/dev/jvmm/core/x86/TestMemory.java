package dev.jvmm.core.x86;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;

import java.lang.foreign.Arena;
import java.util.List;

/** Guest memory for tests: one zeroed region from 0, freed with the arena. */
public final class TestMemory implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    public final GuestMemory memory;

    public TestMemory(long size) {
        memory = GuestMemory.of(List.of(new GuestRegion(0, arena.allocate(size, 4096))));
    }

    @Override
    public void close() {
        arena.close();
    }
}
