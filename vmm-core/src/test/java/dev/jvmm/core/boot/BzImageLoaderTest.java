package dev.jvmm.core.boot;

import dev.jvmm.core.x86.TestMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BzImageLoaderTest {
    @Test
    void loadsProtectedModeKernelAtPrefAddress() {
        byte[] image = TestImages.bzImage();
        try (TestMemory t = new TestMemory(64L << 20)) {
            KernelLoadResult r = BzImageLoader.load(t.memory, "k", image);
            assertEquals(0x100_0000, r.loadAddress());
            assertEquals(0x100_0200, r.entry64().getAsLong());
            assertEquals(0x100_0000 + 0x40_0000, r.kernelEnd(), "init_size from pref_address");
            assertTrue(r.pvhEntry().isEmpty());
            assertArrayEquals(Arrays.copyOfRange(image, 5 * 512, image.length), t.memory.read(0x100_0000, 0x2000));
        }
    }

    @Test
    void loadsAtOneMiBWithoutPrefAddress() {
        ByteBuffer b = TestImages.bzImage(0x020F, 0x2000);
        b.putLong(0x258, 0);
        try (TestMemory t = new TestMemory(64L << 20)) {
            KernelLoadResult r = BzImageLoader.load(t.memory, "k", b.array());
            assertEquals(0x10_0000, r.loadAddress());
            assertEquals(0x10_0200, r.entry64().getAsLong());
            assertEquals(0x20_0000 + 0x40_0000, r.kernelEnd(), "decompresses at the 2 MiB-aligned load address");
        }
    }

    @Test
    void refusesProtocol206KernelAsThirtyTwoBitOnly() {
        ByteBuffer b = TestImages.bzImage(0x0206, 0x2000);
        b.putShort(0x236, (short) 1); // a 2.06 header has no xloadflags: still refused as 32-bit only
        try (TestMemory t = new TestMemory(64L << 20)) {
            assertThrows(BootImageException.class, () -> BzImageLoader.load(t.memory, "k", b.array()));
        }
    }

    @Test
    void refusesKernelWhoseInitSizeDoesNotFit() {
        ByteBuffer b = TestImages.bzImage(0x020F, 0x2000);
        b.putInt(0x260, 0x800_0000); // init_size 128 MiB
        try (TestMemory t = new TestMemory(64L << 20)) {
            BootImageException e = assertThrows(BootImageException.class,
                    () -> BzImageLoader.load(t.memory, "big", b.array()));
            assertTrue(e.getMessage().startsWith("big: kernel does not fit in guest RAM"), e.getMessage());
        }
    }

    @Test
    void refusesThirtyTwoBitOnlyKernel() {
        ByteBuffer b = TestImages.bzImage(0x020F, 0x2000);
        b.putShort(0x236, (short) 0);
        try (TestMemory t = new TestMemory(64L << 20)) {
            assertThrows(BootImageException.class, () -> BzImageLoader.load(t.memory, "k", b.array()));
        }
    }
}
