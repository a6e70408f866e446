package dev.jvmm.devices.virtio.queue;

import dev.jvmm.devices.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The device side of one split virtqueue (virtio 1.2 §2.7): the three areas the driver placed in guest memory
 * (descriptor table, available ring = driver area, used ring = device area), the queue size and the device's
 * cursors. The transport writes the configuration; the device thread pops chains and returns used buffers.
 *
 * <p>The ring index the driver publishes (avail idx) is read with acquire semantics and the index the device
 * publishes (used idx) is written with release semantics (§2.7.13); the notification checks are preceded by a
 * full fence, as §2.7.10 requires between publishing used idx and reading the driver's suppression fields.
 */
public final class SplitQueue {
    /** Largest split queue size (§2.7: Queue Size is at most 32768). */
    public static final int MAX_SIZE = 32768;
    public static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

    private static final VarHandle U16_LE = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int maxSize;
    private final DescriptorChain chain = new DescriptorChain();
    private int size;
    private boolean ready;
    private long descTable;
    private long availRing;
    private long usedRing;
    private boolean eventIdx;

    private GuestMemory attachedTo;
    private MemorySegment descSegment;
    private MemorySegment availSegment;
    private MemorySegment usedSegment;
    private int nextAvail;
    private int nextUsed;
    private int signalledUsed;

    /** A queue the device offers with at most {@code maxSize} entries (a power of two, 1..32768). */
    public SplitQueue(int maxSize) {
        if (!isPowerOfTwo(maxSize) || maxSize > MAX_SIZE) {
            throw new IllegalArgumentException("queue max size " + maxSize + " is not a power of two up to 32768");
        }
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    public int maxSize() { return maxSize; }

    public int size() { return size; }

    /** The driver's QueueNum; checked when the queue is attached to guest memory. */
    public void setSize(int size) { this.size = size; detach(); }

    public boolean isReady() { return ready; }

    public void setReady(boolean ready) { this.ready = ready; }

    public long descTableAddress() { return descTable; }

    public void setDescTableAddress(long address) { descTable = address; detach(); }

    /** Guest address of the available ring (the driver area). */
    public long availRingAddress() { return availRing; }

    public void setAvailRingAddress(long address) { availRing = address; detach(); }

    /** Guest address of the used ring (the device area). */
    public long usedRingAddress() { return usedRing; }

    public void setUsedRingAddress(long address) { usedRing = address; detach(); }

    /** Whether VIRTIO_F_RING_EVENT_IDX was negotiated: used_event/avail_event replace the ring flags. */
    public void setEventIdx(boolean enabled) { eventIdx = enabled; }

    /** The avail index the device will read next (a free-running 16-bit counter). */
    public int nextAvail() { return nextAvail; }

    /** The used index the device will publish next. */
    public int nextUsed() { return nextUsed; }

    /** Back to the state after a device reset (§2.1: queues are reset with the device). */
    public void reset() {
        size = maxSize;
        ready = false;
        descTable = 0;
        availRing = 0;
        usedRing = 0;
        eventIdx = false;
        nextAvail = 0;
        nextUsed = 0;
        signalledUsed = 0;
        detach();
    }

    /**
     * Checks the configuration against §2.7 (size a power of two up to the maximum, areas aligned 16/2/4 and
     * inside guest memory) and maps the three areas. Called on activation; every ring method attaches lazily too.
     */
    public void attach(GuestMemory memory) {
        if (!ready) {
            throw new VirtqueueException("queue is not ready");
        }
        if (size < 1 || size > maxSize || !isPowerOfTwo(size)) {
            throw new VirtqueueException("queue size " + size + " is not a power of two up to " + maxSize);
        }
        if ((descTable & 15) != 0 || (availRing & 1) != 0 || (usedRing & 3) != 0) {
            throw new VirtqueueException("misaligned queue areas: desc 0x" + Long.toHexString(descTable)
                    + ", driver 0x" + Long.toHexString(availRing) + ", device 0x" + Long.toHexString(usedRing));
        }
        descSegment = area(memory, descTable, 16L * size, "descriptor table");
        availSegment = area(memory, availRing, 6L + 2L * size, "driver area");
        usedSegment = area(memory, usedRing, 6L + 8L * size, "device area");
        attachedTo = memory;
    }

    private static MemorySegment area(GuestMemory memory, long address, long length, String what) {
        if (!memory.contains(address, length)) {
            throw new VirtqueueException(what + " [0x" + Long.toHexString(address) + ", +" + length
                    + ") is outside guest memory");
        }
        MemorySegment segment = memory.slice(address, length);
        if (segment.address() % 4 != address % 4) {
            throw new VirtqueueException(what + " is not aligned in host memory");
        }
        return segment;
    }

    private void detach() { attachedTo = null; }

    private void ensureAttached(GuestMemory memory) {
        if (attachedTo != memory) {
            attach(memory);
        }
    }

    /**
     * The next available chain, validated, or {@code null} when the driver has made none available. The returned
     * object is reused by the next call.
     *
     * @throws VirtqueueException if the driver broke the queue (the device must then signal NEEDS_RESET)
     */
    public DescriptorChain popDescriptorChain(GuestMemory memory) {
        ensureAttached(memory);
        int pending = pendingCount();
        if (pending == 0) {
            return null;
        }
        int head = availSegment.get(U16, 4L + 2L * (nextAvail & (size - 1))) & 0xffff;
        nextAvail = (nextAvail + 1) & 0xffff;
        chain.load(memory, descSegment, size, head);
        return chain;
    }

    private int pendingCount() {
        int availIdx = (short) U16_LE.getAcquire(availSegment, 2L) & 0xffff;
        int pending = (availIdx - nextAvail) & 0xffff;
        if (pending > size) {
            // §2.1.2: the driver cannot have made more buffers available than the queue holds.
            throw new VirtqueueException("avail idx " + availIdx + " is " + pending + " ahead of the device, "
                    + "more than the queue size " + size);
        }
        return pending;
    }

    /** Returns the chain with head {@code headIndex} to the driver, {@code length} bytes written into it. */
    public void addUsed(GuestMemory memory, int headIndex, int length) {
        ensureAttached(memory);
        if (headIndex < 0 || headIndex >= size) {
            throw new IllegalArgumentException("head " + headIndex + " outside queue of " + size);
        }
        long slot = 4L + 8L * (nextUsed & (size - 1));
        usedSegment.set(U32, slot, headIndex);
        usedSegment.set(U32, slot + 4, length);
        nextUsed = (nextUsed + 1) & 0xffff;
        U16_LE.setRelease(usedSegment, 2L, (short) nextUsed);
    }

    /**
     * Whether the driver wants a used buffer notification for the buffers added since the last call: with
     * EVENT_IDX when used idx passed used_event (§2.7.10), otherwise unless VIRTQ_AVAIL_F_NO_INTERRUPT is set.
     */
    public boolean needsNotification(GuestMemory memory) {
        ensureAttached(memory);
        VarHandle.fullFence();
        int old = signalledUsed;
        signalledUsed = nextUsed;
        if (eventIdx) {
            int usedEvent = availSegment.get(U16, 4L + 2L * size) & 0xffff;
            return ((nextUsed - usedEvent - 1) & 0xffff) < ((nextUsed - old) & 0xffff);
        }
        return (availSegment.get(U16, 0L) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
    }

    /**
     * Asks the driver to notify for the next available buffer (with EVENT_IDX: avail_event = next avail index)
     * and returns whether buffers arrived meanwhile, in which case the device should pop again.
     */
    public boolean enableNotification(GuestMemory memory) {
        ensureAttached(memory);
        if (eventIdx) {
            usedSegment.set(U16, 4L + 8L * size, (short) nextAvail);
        }
        VarHandle.fullFence();
        return pendingCount() != 0;
    }

    private static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }
}
