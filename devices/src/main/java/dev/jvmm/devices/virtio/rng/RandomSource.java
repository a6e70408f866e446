package dev.jvmm.devices.virtio.rng;

/** Where the entropy device gets its bytes; {@code SecureRandom::nextBytes} is one. */
@FunctionalInterface
public interface RandomSource {
    /** Fills all of {@code bytes} with random bytes. */
    void nextBytes(byte[] bytes);
}
