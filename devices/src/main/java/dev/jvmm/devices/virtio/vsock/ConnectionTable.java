package dev.jvmm.devices.virtio.vsock;

import java.util.Arrays;

/**
 * The live connections by their (host port, guest port) pair, in an open-addressing table of primitive keys, so a
 * lookup per packet neither boxes nor allocates. Linear probing with backward-shift deletion; the capacity is fixed
 * at twice the connection limit, so the table never fills.
 */
final class ConnectionTable {
    private final long[] keys;
    private final VsockConnection[] values;
    private final int mask;
    private int size;

    ConnectionTable(int maxEntries) {
        int capacity = Integer.highestOneBit(Math.max(2, maxEntries) * 2 - 1) << 1;
        keys = new long[capacity];
        values = new VsockConnection[capacity];
        mask = capacity - 1;
    }

    static long key(int hostPort, int guestPort) {
        return (long) hostPort << 32 | Integer.toUnsignedLong(guestPort);
    }

    int size() { return size; }

    VsockConnection get(int hostPort, int guestPort) {
        long key = key(hostPort, guestPort);
        for (int i = slot(key); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
        }
        return null;
    }

    void put(int hostPort, int guestPort, VsockConnection connection) {
        if (size * 2 >= keys.length) {
            throw new IllegalStateException("connection table is full at " + size);
        }
        long key = key(hostPort, guestPort);
        int i = slot(key);
        while (values[i] != null) {
            if (keys[i] == key) {
                throw new IllegalStateException("connection " + hostPort + "/" + guestPort + " exists");
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = connection;
        size++;
    }

    /** Removes the entry of this pair if it is {@code connection}. */
    void remove(int hostPort, int guestPort, VsockConnection connection) {
        long key = key(hostPort, guestPort);
        int i = slot(key);
        while (values[i] != null && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] != connection || connection == null) {
            return;
        }
        values[i] = null;
        size--;
        // Backward shift: move later entries of the run into the hole if their home slot allows it.
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                values[j] = null;
                hole = j;
            }
        }
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }
}
