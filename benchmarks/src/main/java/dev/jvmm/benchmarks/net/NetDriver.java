package dev.jvmm.benchmarks.net;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.devices.virtio.net.NetCounters;
import dev.jvmm.devices.virtio.net.VirtioNet;
import dev.jvmm.devices.virtio.net.VirtioNetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The guest driver's side of virtio-net's two queues, reduced to what a benchmark needs: {@code slots} one-descriptor
 * chains per queue laid out once, each a {@link #BUFFER_BYTES} buffer, so a frame costs the driver one avail ring
 * slot and the avail idx. A transmit buffer holds a {@code virtio_net_hdr_v1} and the frame back to back, as Linux's
 * driver pushes the header into the frame's headroom (virtio 1.2 §5.1.6.2); a receive buffer takes both (§5.1.6.3).
 * It drives {@link VirtioNet} directly ({@link VirtioNet#processQueue} on the calling thread), so what is timed is
 * the device's queue processing and its readv/writev on the backend, not the transport's notification path.
 */
public final class NetDriver implements AutoCloseable {
    /** Room for a header and the largest frame at MTU 1500 (1514 bytes), rounded up. */
    public static final int BUFFER_BYTES = 2048;
    private static final int QUEUE_SIZE = VirtioNet.QUEUE_SIZE;
    private static final long RX_RING = 0;
    private static final long TX_RING = 0x8000;
    private static final long BUFFERS = 0x10000;
    private static final int VIRTQ_DESC_F_WRITE = 2;

    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private final VirtioNet device;
    private final NetCounters counters;
    private final int slots;
    private final Ring rx = new Ring(RX_RING);
    private final Ring tx = new Ring(TX_RING);
    private long interrupts;

    /** One queue's three areas (virtio 1.2 §2.7) at {@code base} and the driver's view of its indices. */
    private static final class Ring {
        final long desc;
        final long avail;
        final long used;
        int availIdx;
        int usedIdx;

        Ring(long base) {
            desc = base;
            avail = desc + 16L * QUEUE_SIZE;
            used = (avail + 6 + 2L * QUEUE_SIZE + 3) & ~3L;
        }
    }

    /**
     * Lays out {@code slots} chains on each queue, transmit buffers of {@code frameBytes} after the header, receive
     * buffers of {@link #BUFFER_BYTES}, and activates {@code device} on them with what it offers but
     * VIRTIO_F_RING_EVENT_IDX (the driver wants every used buffer notification, as {@code BlockDriver} does).
     */
    public NetDriver(VirtioNet device, int slots, int frameBytes) {
        if (slots > QUEUE_SIZE || frameBytes < VirtioNet.ETH_HLEN
                || frameBytes + VirtioNetHeader.BYTES > BUFFER_BYTES) {
            throw new IllegalArgumentException(slots + " slots of " + frameBytes + "-byte frames do not fit");
        }
        this.device = device;
        this.counters = device.counters();
        this.slots = slots;
        long ramSize = BUFFERS + 2L * slots * BUFFER_BYTES;
        this.memory = GuestMemory.of(List.of(new GuestRegion(0, arena.allocate(ramSize, 4096))));
        for (int i = 0; i < slots; i++) {
            descriptor(tx, i, txBuffer(i), VirtioNetHeader.BYTES + frameBytes, 0);
            descriptor(rx, i, rxBuffer(i), BUFFER_BYTES, VIRTQ_DESC_F_WRITE);
        }
        SplitQueue[] queues = new SplitQueue[2];
        queues[VirtioNet.RX_QUEUE] = queue(rx);
        queues[VirtioNet.TX_QUEUE] = queue(tx);
        VirtioInterrupt interrupt = new VirtioInterrupt() {
            @Override
            public void signalUsedBuffer(int queueIndex) { interrupts++; }

            @Override
            public void signalConfigChange() { }
        };
        device.activate(memory, queues, device.deviceFeatures() & ~VirtioFeatures.VIRTIO_F_RING_EVENT_IDX, interrupt);
    }

    private static SplitQueue queue(Ring ring) {
        SplitQueue queue = new SplitQueue(QUEUE_SIZE);
        queue.setSize(QUEUE_SIZE);
        queue.setDescTableAddress(ring.desc);
        queue.setAvailRingAddress(ring.avail);
        queue.setUsedRingAddress(ring.used);
        queue.setReady(true);
        return queue;
    }

    public int slots() { return slots; }

    public GuestMemory memory() { return memory; }

    /** Guest address of transmit slot {@code slot}: the header, then the frame. */
    public long txBuffer(int slot) { return BUFFERS + (long) slot * BUFFER_BYTES; }

    /** Guest address of receive slot {@code slot}. */
    public long rxBuffer(int slot) { return BUFFERS + (long) (slots + slot) * BUFFER_BYTES; }

    /** Used buffer notifications the device sent. */
    public long interrupts() { return interrupts; }

    /** Makes transmit slot {@code slot} available (the notification is {@link #kickTx()}). */
    public void transmit(int slot) { publish(tx, slot); }

    /** Makes receive slot {@code slot} available to the device (the notification is {@link #receive}). */
    public void postRx(int slot) { publish(rx, slot); }

    /**
     * Notifies the transmit queue and checks that the device sent every frame made available since the last kick:
     * all returned, all counted as transmitted, none malformed or refused by the backend. A benchmark that silently
     * measured dropped frames would be worthless.
     */
    public void kickTx() {
        long before = counters.txFrames();
        device.processQueue(VirtioNet.TX_QUEUE);
        int pending = (tx.availIdx - tx.usedIdx) & 0xffff;
        tx.usedIdx = publishedUsed(tx);
        if (tx.usedIdx != tx.availIdx || counters.txFrames() - before != pending) {
            throw new IllegalStateException("device returned up to " + tx.usedIdx + " of " + tx.availIdx
                    + " transmit chains and sent " + (counters.txFrames() - before) + " of " + pending + " frames; "
                    + counters);
        }
    }

    /**
     * Notifies the receive queue, and again while frames are still on their way to the backend, until the device
     * has placed {@code frames} frames; returns the bytes it wrote (headers included).
     *
     * @throws IllegalStateException if they do not all arrive within a second, or any was dropped
     */
    public long receive(int frames) {
        long target = counters.rxFrames() + frames;
        long deadline = 0;
        long bytes = 0;
        while (true) {
            device.processQueue(VirtioNet.RX_QUEUE);
            int published = publishedUsed(rx);
            for (; rx.usedIdx != published; rx.usedIdx = (rx.usedIdx + 1) & 0xffff) {
                bytes += memory.readU32(rx.used + 4 + 8L * (rx.usedIdx % QUEUE_SIZE) + 4);
            }
            long missing = target - counters.rxFrames();
            if (missing <= 0) {
                break;
            }
            if (deadline == 0) {
                deadline = System.nanoTime() + 1_000_000_000L;
            } else if (System.nanoTime() > deadline) {
                throw new IllegalStateException(missing + " of " + frames + " frames did not arrive; " + counters);
            }
        }
        if (counters.rxDropped() != 0 || counters.rxInvalidBuffers() != 0) {
            throw new IllegalStateException("the device dropped frames or refused buffers; " + counters);
        }
        return bytes;
    }

    private int publishedUsed(Ring ring) {
        return memory.readU16(ring.used + 2) & 0xffff;
    }

    private void publish(Ring ring, int slot) {
        memory.writeU16(ring.avail + 4 + 2L * (ring.availIdx % QUEUE_SIZE), (short) slot);
        ring.availIdx = (ring.availIdx + 1) & 0xffff;
        memory.writeU16(ring.avail + 2, (short) ring.availIdx);
    }

    private void descriptor(Ring ring, int index, long address, int length, int flags) {
        long at = ring.desc + 16L * index;
        memory.writeU64(at, address);
        memory.writeU32(at + 8, length);
        memory.writeU16(at + 12, (short) flags);
        memory.writeU16(at + 14, (short) 0);
    }

    /** A view of {@code length} bytes of guest memory at {@code address}, for the raw reference's syscalls. */
    public MemorySegment slice(long address, long length) { return memory.slice(address, length); }

    @Override
    public void close() {
        device.reset();
        arena.close();
    }
}
