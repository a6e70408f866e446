package dev.jvmm.devices.virtio;

import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_INDIRECT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_NEXT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_WRITE;

import dev.jvmm.devices.memory.GuestMemory;

/**
 * The driver side of one split virtqueue laid out in guest memory, written the way a guest driver would: the
 * descriptor table at {@code base}, the available ring after it and the used ring after that (4-aligned).
 */
public final class VirtqueueDriver {
    /** One buffer of a chain the test makes available. */
    public record Buffer(long address, int length, boolean writable) {
        public static Buffer readable(long address, int length) { return new Buffer(address, length, false); }

        public static Buffer writable(long address, int length) { return new Buffer(address, length, true); }
    }

    private final GuestMemory memory;
    private final int size;
    private final long descTable;
    private final long availRing;
    private final long usedRing;
    private int nextFree;
    private int availIdx;

    public VirtqueueDriver(GuestMemory memory, long base, int size) {
        this.memory = memory;
        this.size = size;
        this.descTable = base;
        this.availRing = base + 16L * size;
        this.usedRing = (availRing + 6L + 2L * size + 3) & ~3L;
        memory.fill(base, usedRing + 6L + 8L * size - base, (byte) 0);
    }

    public int size() { return size; }

    public long descTable() { return descTable; }

    public long availRing() { return availRing; }

    public long usedRing() { return usedRing; }

    /** First guest address after the three areas. */
    public long end() { return usedRing + 6L + 8L * size; }

    public void setDescriptor(int index, long address, int length, int flags, int next) {
        writeDescriptor(descTable + 16L * index, address, length, flags, next);
    }

    public void writeDescriptor(long at, long address, int length, int flags, int next) {
        memory.writeU64(at, address);
        memory.writeU32(at + 8, length);
        memory.writeU16(at + 12, (short) flags);
        memory.writeU16(at + 14, (short) next);
    }

    /** Puts {@code buffers} into free descriptors as one chain and makes it available; returns its head. */
    public int submit(Buffer... buffers) {
        int head = nextFree;
        for (int i = 0; i < buffers.length; i++) {
            int index = (head + i) % size;
            boolean last = i == buffers.length - 1;
            setDescriptor(index, buffers[i].address(), buffers[i].length(),
                    (buffers[i].writable() ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT),
                    (index + 1) % size);
        }
        nextFree = (head + buffers.length) % size;
        publish(head);
        return head;
    }

    /** Writes {@code buffers} as an indirect table at {@code table} and makes a one-descriptor chain of it. */
    public int submitIndirect(long table, Buffer... buffers) {
        for (int i = 0; i < buffers.length; i++) {
            boolean last = i == buffers.length - 1;
            writeDescriptor(table + 16L * i, buffers[i].address(), buffers[i].length(),
                    (buffers[i].writable() ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT), i + 1);
        }
        int head = nextFree;
        setDescriptor(head, table, 16 * buffers.length, VIRTQ_DESC_F_INDIRECT, 0);
        nextFree = (head + 1) % size;
        publish(head);
        return head;
    }

    /** Places {@code head} in the next available ring slot and publishes the new avail idx. */
    public void publish(int head) {
        memory.writeU16(availRing + 4 + 2L * (availIdx % size), (short) head);
        setAvailIdx(availIdx + 1);
    }

    public void setAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        memory.writeU16(availRing + 2, (short) availIdx);
    }

    public void setAvailFlags(int flags) { memory.writeU16(availRing, (short) flags); }

    public void setUsedEvent(int idx) { memory.writeU16(availRing + 4 + 2L * size, (short) idx); }

    public int availEvent() { return memory.readU16(usedRing + 4 + 8L * size) & 0xffff; }

    public int usedIdx() { return memory.readU16(usedRing + 2) & 0xffff; }

    public int usedId(int n) { return memory.readU32(usedRing + 4 + 8L * (n % size)); }

    public int usedLen(int n) { return memory.readU32(usedRing + 8 + 8L * (n % size)); }
}
