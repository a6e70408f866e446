package dev.jvmm.core.boot;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a loader put a kernel: its load address, the first address after everything the kernel will occupy while
 * booting ({@code kernelEnd}, the floor for the initrd), its 64-bit boot-protocol entry and/or PVH entry, and the
 * bzImage setup header when there is one.
 */
public record KernelLoadResult(long loadAddress, long kernelEnd, OptionalLong entry64, OptionalLong pvhEntry,
                               Optional<SetupHeader> setupHeader) {
    public boolean hasPvhEntry() { return pvhEntry.isPresent(); }
}
