package dev.jvmm.devices.virtio.rng;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GetRandomSourceTest {
    @Test
    void fillsEveryByteWithFreshRandomness() {
        try (GetRandomSource source = new GetRandomSource()) {
            byte[] first = new byte[4096];
            byte[] second = new byte[4096];
            source.nextBytes(first);
            source.nextBytes(second);
            assertFalse(Arrays.equals(first, second));
            // A 4 KiB buffer whose first or last 64 bytes stayed zero would mean a short fill.
            assertFalse(Arrays.equals(new byte[64], Arrays.copyOfRange(first, 0, 64)));
            assertFalse(Arrays.equals(new byte[64], Arrays.copyOfRange(first, 4032, 4096)));
            byte[] a = new byte[8];
            byte[] b = new byte[8];
            source.nextBytes(a);
            source.nextBytes(b);
            assertFalse(Arrays.equals(a, b), "a smaller array after a larger one");
        }
    }
}
