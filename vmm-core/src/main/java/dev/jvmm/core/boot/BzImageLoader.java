package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.memory.GuestMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Loads the protected-mode part of a bzImage (boot protocol, "Loading the rest of the kernel") for the 64-bit boot
 * protocol: at pref_address when the kernel's whole init_size fits there, else at 1 MiB when it is relocatable.
 * The 64-bit entry is the load address + 0x200 ("64-bit boot protocol").
 */
public final class BzImageLoader {
    private BzImageLoader() {}

    public static final long ENTRY64_OFFSET = 0x200;

    public static KernelLoadResult load(GuestMemory memory, Path kernel) {
        try {
            return load(memory, kernel.toString(), Files.readAllBytes(kernel));
        } catch (IOException e) {
            throw BootImageException.unreadable(kernel, e);
        }
    }

    public static KernelLoadResult load(GuestMemory memory, String source, byte[] image) {
        SetupHeader header = SetupHeader.parse(source, image);
        header.requireKernel64();
        int offset = header.protectedModeOffset();
        long size = image.length - offset;
        long pref = header.pref_address() != 0 ? header.pref_address() : Layout.KERNEL_START;
        long loadAddress = fits(memory, pref, size, header) ? pref
                : header.relocatable_kernel() ? Layout.KERNEL_START : -1;
        if (loadAddress < 0 || !fits(memory, loadAddress, size, header)) {
            throw header.fail("kernel does not fit in guest RAM: needs " + size + " bytes loaded at 0x"
                    + Long.toHexString(pref) + " and init_size " + header.init_size() + " from 0x"
                    + Long.toHexString(Math.max(pref, Layout.KERNEL_START)));
        }
        memory.write(loadAddress, MemorySegment.ofArray(image).asSlice(offset));
        return new KernelLoadResult(loadAddress, kernelEnd(loadAddress, size, header),
                OptionalLong.of(loadAddress + ENTRY64_OFFSET), OptionalLong.empty(), Optional.of(header));
    }

    /**
     * A relocatable kernel decompresses to its load address aligned up to kernel_alignment but not below
     * pref_address (LOAD_PHYSICAL_ADDR) and needs init_size bytes there.
     */
    private static long kernelEnd(long loadAddress, long size, SetupHeader header) {
        long align = Math.max(header.kernel_alignment(), 1);
        long runtimeStart = Math.max((loadAddress + align - 1) / align * align, header.pref_address());
        return Math.max(loadAddress + size, runtimeStart + header.init_size());
    }

    private static boolean fits(GuestMemory memory, long loadAddress, long size, SetupHeader header) {
        long end = kernelEnd(loadAddress, size, header);
        return loadAddress >= Layout.KERNEL_START && end <= Layout.MMIO_HOLE_START
                && memory.contains(loadAddress, end - loadAddress);
    }
}
