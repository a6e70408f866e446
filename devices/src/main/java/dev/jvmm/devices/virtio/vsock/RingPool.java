package dev.jvmm.devices.virtio.vsock;

import java.lang.foreign.Arena;
import java.util.ArrayDeque;

/**
 * The rings connections park undelivered guest bytes in: allocated on first need, handed back when empty and
 * reused, never more than one per connection, so the device's buffering is at most
 * {@code maxRings * ringBytes} whatever the guest and the host programs do.
 */
final class RingPool implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final ArrayDeque<ByteRing> free = new ArrayDeque<>();
    private final int ringBytes;
    private final int maxRings;
    private int allocated;

    RingPool(int ringBytes, int maxRings) {
        this.ringBytes = ringBytes;
        this.maxRings = maxRings;
    }

    int ringBytes() { return ringBytes; }

    /** Rings allocated so far (in use or free). */
    int allocated() { return allocated; }

    ByteRing take() {
        ByteRing ring = free.poll();
        if (ring != null) {
            return ring;
        }
        if (allocated == maxRings) {
            throw new IllegalStateException("all " + maxRings + " rings are in use");
        }
        allocated++;
        return new ByteRing(arena.allocate(ringBytes));
    }

    void give(ByteRing ring) {
        ring.clear();
        free.push(ring);
    }

    @Override
    public void close() {
        free.clear();
        arena.close();
    }
}
