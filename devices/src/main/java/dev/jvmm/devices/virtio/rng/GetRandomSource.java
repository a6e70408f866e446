package dev.jvmm.devices.virtio.rng;

import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Random bytes from the kernel's CSPRNG through getrandom(2), the source behind /dev/urandom, copied out of one
 * native buffer: a request costs one system call and allocates nothing once the buffer exists, where
 * {@code SecureRandom}'s NativePRNG allocates kilobytes per call. One per device, used on its device thread.
 */
public final class GetRandomSource implements RandomSource, AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private MemorySegment buffer = MemorySegment.NULL;

    @Override
    public void nextBytes(byte[] bytes) {
        if (buffer.byteSize() != bytes.length) {
            buffer = arena.allocate(bytes.length); // callers reuse one array, so this happens once
        }
        Libc.getrandom(buffer);
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
    }

    @Override
    public void close() {
        arena.close();
    }
}
