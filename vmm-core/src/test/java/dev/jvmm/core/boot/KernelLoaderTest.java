package dev.jvmm.core.boot;

import dev.jvmm.core.x86.TestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelLoaderTest {
    @TempDir
    Path dir;

    @Test
    void loadsBzImageAndElfFromFiles() throws IOException {
        Path bz = Files.write(dir.resolve("vmlinuz"), TestImages.bzImage());
        Path elf = Files.write(dir.resolve("vmlinux"), TestImages.elf(true, 0x100_0000,
                new TestImages.Segment(ElfLoader.PT_LOAD, 0x100_0000, new byte[8], 8)));
        try (TestMemory t = new TestMemory(64L << 20)) {
            assertTrue(KernelLoader.load(t.memory, bz).setupHeader().isPresent());
            KernelLoadResult r = KernelLoader.load(t.memory, elf);
            assertTrue(r.setupHeader().isEmpty());
            assertEquals(0x100_0000, r.entry64().getAsLong());
        }
    }

    @Test
    void namesAMissingFile() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            Path missing = dir.resolve("nope");
            BootImageException e = assertThrows(BootImageException.class, () -> KernelLoader.load(t.memory, missing));
            assertEquals(missing.toString(), e.source());
            assertTrue(e.problem().startsWith("cannot read"), e.problem());
        }
    }

    @Test
    void configuratorReadsTheInitrdFile() throws IOException {
        Path initrd = Files.write(dir.resolve("initrd"), new byte[] {7, 7, 7});
        try (TestMemory t = new TestMemory(64L << 20)) {
            KernelLoadResult kernel = BzImageLoader.load(t.memory, "k", TestImages.bzImage());
            LinuxBootConfigurator.configure(t.memory, kernel, new CommandLine(), Initrd.read(initrd), 64L << 20);
            assertEquals(3, t.memory.readU32(0x7000 + 0x21C));
            long address = Integer.toUnsignedLong(t.memory.readU32(0x7000 + 0x218));
            assertEquals(7, t.memory.readU8(address + 2));
            assertThrows(BootException.class, () -> Initrd.read(dir.resolve("absent")));
        }
    }
}
