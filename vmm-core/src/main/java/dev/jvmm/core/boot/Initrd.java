package dev.jvmm.core.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads an initrd/initramfs file, refusing one that cannot fit a 32-bit ramdisk_size. */
public final class Initrd {
    private Initrd() {}

    public static byte[] read(Path file) {
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 8) {
                throw new BootException("initrd " + file + " is " + size + " bytes; at most 2 GiB are supported");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BootException("cannot read initrd " + file + ": " + e.getMessage(), e);
        }
    }
}
