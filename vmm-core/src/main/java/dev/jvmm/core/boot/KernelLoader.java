package dev.jvmm.core.boot;

import dev.jvmm.devices.memory.GuestMemory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a kernel of either format: an ELF file (vmlinux, PVH guests) through {@link ElfLoader}, anything else as a
 * bzImage through {@link BzImageLoader}.
 */
public final class KernelLoader {
    private KernelLoader() {}

    public static KernelLoadResult load(GuestMemory memory, Path kernel) {
        byte[] image;
        try {
            image = Files.readAllBytes(kernel);
        } catch (IOException e) {
            throw BootImageException.unreadable(kernel, e);
        }
        return load(memory, kernel.toString(), image);
    }

    public static KernelLoadResult load(GuestMemory memory, String source, byte[] image) {
        return ElfLoader.isElf(image) ? ElfLoader.load(memory, source, image)
                : BzImageLoader.load(memory, source, image);
    }
}
