package dev.jvmm.devices.virtio.vsock;

import java.lang.foreign.MemorySegment;

/**
 * A bounded FIFO of bytes in native memory: what a connection took from the guest but the host socket did not
 * accept yet. Its capacity is fixed, so a host program that stops reading costs at most that much memory.
 */
final class ByteRing {
    private final MemorySegment buffer;
    private final int capacity;
    private int head;
    private int size;

    ByteRing(MemorySegment buffer) {
        this.buffer = buffer;
        this.capacity = Math.toIntExact(buffer.byteSize());
    }

    int size() { return size; }

    int free() { return capacity - size; }

    boolean isEmpty() { return size == 0; }

    /** Appends all of {@code source}, which must fit ({@link #free()}). */
    void append(MemorySegment source) {
        long length = source.byteSize();
        if (length > free()) {
            throw new IllegalStateException(length + " bytes do not fit the " + free() + " free in the ring");
        }
        int tail = (head + size) % capacity;
        int first = (int) Math.min(length, capacity - tail);
        MemorySegment.copy(source, 0, buffer, tail, first);
        MemorySegment.copy(source, first, buffer, 0, length - first);
        size += (int) length;
    }

    /** Sends the bytes in order until the socket is full; returns how many left the ring. */
    int drainTo(UnixSocket socket) {
        int sent = 0;
        while (size > 0) {
            int run = Math.min(size, capacity - head);
            long n = socket.send(buffer.asSlice(head, run));
            if (n <= 0) {
                break;
            }
            head = (int) ((head + n) % capacity);
            size -= (int) n;
            sent += (int) n;
            if (n < run) {
                break;
            }
        }
        if (size == 0) {
            head = 0;
        }
        return sent;
    }

    void clear() {
        head = 0;
        size = 0;
    }
}
