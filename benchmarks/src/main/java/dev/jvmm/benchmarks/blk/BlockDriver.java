package dev.jvmm.benchmarks.blk;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.blk.VirtioBlock;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The guest driver's side of one virtio-blk request queue, reduced to what a benchmark needs: {@code slots}
 * three-descriptor chains (header, data, status; virtio 1.2 §5.2.6) laid out once, after which a request costs the
 * driver only its header's type and sector, one avail ring slot and the avail idx. It drives {@link VirtioBlock}
 * directly ({@link VirtioBlock#processQueue} on the calling thread), so what is timed is the device's queue and
 * request processing, not the transport's notification path.
 */
public final class BlockDriver implements AutoCloseable {
    private static final int QUEUE_SIZE = VirtioBlock.QUEUE_SIZE;
    private static final long DESC = 0;
    private static final long AVAIL = DESC + 16L * QUEUE_SIZE;
    private static final long USED = (AVAIL + 6 + 2L * QUEUE_SIZE + 3) & ~3L;
    private static final long HEADERS = 0x10000;
    private static final long STATUS = 0x18000;
    private static final long DATA = 0x100000;
    private static final int VIRTQ_DESC_F_NEXT = 1;
    private static final int VIRTQ_DESC_F_WRITE = 2;

    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private final VirtioBlock device;
    private final int slots;
    private final int dataBytes;
    private long interrupts;
    private int availIdx;
    private int usedIdx;

    /** Lays out {@code slots} chains with {@code dataBytes} of data each and activates {@code device} on them. */
    public BlockDriver(VirtioBlock device, int slots, int dataBytes, boolean write) {
        if (slots * 3 > QUEUE_SIZE) {
            throw new IllegalArgumentException(slots + " chains of 3 descriptors do not fit a queue of " + QUEUE_SIZE);
        }
        this.device = device;
        this.slots = slots;
        this.dataBytes = dataBytes;
        long ramSize = DATA + (long) slots * dataBytes;
        this.memory = GuestMemory.of(List.of(new GuestRegion(0, arena.allocate(ramSize, 4096))));
        for (int i = 0; i < slots; i++) {
            descriptor(3 * i, HEADERS + 16L * i, 16, VIRTQ_DESC_F_NEXT, 3 * i + 1);
            descriptor(3 * i + 1, data(i), dataBytes, (write ? 0 : VIRTQ_DESC_F_WRITE) | VIRTQ_DESC_F_NEXT, 3 * i + 2);
            descriptor(3 * i + 2, STATUS + i, 1, VIRTQ_DESC_F_WRITE, 0);
            memory.writeU32(HEADERS + 16L * i, write ? VirtioBlock.VIRTIO_BLK_T_OUT : VirtioBlock.VIRTIO_BLK_T_IN);
        }
        SplitQueue queue = new SplitQueue(QUEUE_SIZE);
        queue.setSize(QUEUE_SIZE);
        queue.setDescTableAddress(DESC);
        queue.setAvailRingAddress(AVAIL);
        queue.setUsedRingAddress(USED);
        queue.setReady(true);
        VirtioInterrupt interrupt = new VirtioInterrupt() {
            @Override
            public void signalUsedBuffer(int queueIndex) { interrupts++; }

            @Override
            public void signalConfigChange() { }
        };
        device.activate(memory, new SplitQueue[] {queue}, device.deviceFeatures(), interrupt);
    }

    public int slots() { return slots; }

    public int dataBytes() { return dataBytes; }

    /** Guest address of slot {@code slot}'s data buffer. */
    public long data(int slot) { return DATA + (long) slot * dataBytes; }

    public GuestMemory memory() { return memory; }

    /** Used buffer notifications the device sent. */
    public long interrupts() { return interrupts; }

    /** Makes slot {@code slot}'s request for {@code byteOffset} available (the notification is {@link #kick()}). */
    public void submit(int slot, long byteOffset) {
        memory.writeU64(HEADERS + 16L * slot + 8, byteOffset / VirtioBlock.SECTOR_SIZE);
        memory.writeU8(STATUS + slot, (byte) 0xff);
        memory.writeU16(AVAIL + 4 + 2L * (availIdx % QUEUE_SIZE), (short) (3 * slot));
        availIdx = (availIdx + 1) & 0xffff;
        memory.writeU16(AVAIL + 2, (short) availIdx);
    }

    /**
     * Notifies the device and checks that it answered every request made available since the last kick with
     * VIRTIO_BLK_S_OK; a benchmark that silently measured failing requests would be worthless.
     */
    public void kick() {
        device.processQueue(0);
        int published = memory.readU16(USED + 2) & 0xffff;
        while (usedIdx != published) {
            int head = memory.readU32(USED + 4 + 8L * (usedIdx % QUEUE_SIZE));
            int status = memory.readU8(STATUS + head / 3) & 0xff;
            if (status != VirtioBlock.VIRTIO_BLK_S_OK) {
                throw new IllegalStateException("request in slot " + head / 3 + " ended with status " + status);
            }
            usedIdx = (usedIdx + 1) & 0xffff;
        }
        if (usedIdx != availIdx) {
            throw new IllegalStateException("device answered up to " + usedIdx + " of " + availIdx + " requests");
        }
    }

    private void descriptor(int index, long address, int length, int flags, int next) {
        long at = DESC + 16L * index;
        memory.writeU64(at, address);
        memory.writeU32(at + 8, length);
        memory.writeU16(at + 12, (short) flags);
        memory.writeU16(at + 14, (short) next);
    }

    @Override
    public void close() {
        device.reset();
        arena.close();
    }
}
