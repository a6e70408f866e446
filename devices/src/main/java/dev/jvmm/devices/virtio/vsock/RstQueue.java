package dev.jvmm.devices.virtio.vsock;

/**
 * RST packets owed to the guest for connections that no longer exist (or never did), as (host port, guest port)
 * pairs in a fixed ring. When the guest leaves the rx queue empty long enough for the ring to fill, further RSTs
 * are dropped: the spec lets a peer that hears nothing time out (§5.10.6.5), and the device's memory stays bounded.
 */
final class RstQueue {
    private final long[] pairs;
    private int head;
    private int size;

    RstQueue(int capacity) {
        pairs = new long[capacity];
    }

    boolean isEmpty() { return size == 0; }

    /** Queues an RST from {@code hostPort} to {@code guestPort}; false if the ring is full and it was dropped. */
    boolean add(int hostPort, int guestPort) {
        if (size == pairs.length) {
            return false;
        }
        pairs[(head + size) % pairs.length] = ConnectionTable.key(hostPort, guestPort);
        size++;
        return true;
    }

    /** The oldest pair, as {@link ConnectionTable#key}; the queue must not be empty. */
    long poll() {
        long pair = pairs[head];
        head = (head + 1) % pairs.length;
        size--;
        return pair;
    }

    void clear() {
        head = 0;
        size = 0;
    }
}
