package dev.jvmm.core.devices;

import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.*;

import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.DeviceStatus;
import dev.jvmm.devices.virtio.VirtioFeatures;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A guest driver for one queue of a virtio-mmio device, written like the contract guests: it negotiates
 * VIRTIO_F_VERSION_1 only, puts a queue of {@link #QUEUE_SIZE} in its own RAM and talks to the device through MMIO
 * writes that {@link FakeKvm} routes as KVM would.
 */
final class MmioGuest {
    static final int QUEUE_SIZE = 8;
    private static final int VIRTQ_DESC_F_NEXT = 1;
    private static final int VIRTQ_DESC_F_WRITE = 2;

    private final FakeKvm kvm;
    private final Bus mmio;
    private final GuestMemory memory;
    private final long base;
    private final long desc;
    private final long avail;
    private final long used;
    private int availIdx;

    /** The queue's areas start at {@code ring} (page-aligned, a page is enough for {@link #QUEUE_SIZE}). */
    MmioGuest(FakeKvm kvm, Bus mmio, GuestMemory memory, long windowBase, long ring) {
        this.kvm = kvm;
        this.mmio = mmio;
        this.memory = memory;
        this.base = windowBase;
        this.desc = ring;
        this.avail = ring + 16L * QUEUE_SIZE;
        this.used = ring + 0x200;
        memory.fill(ring, 0x1000, (byte) 0);
    }

    int read(int offset) { return (int) mmio.read(base + offset, 4); }

    void write(int offset, int value) { kvm.guestWrite(mmio, base + offset, 4, Integer.toUnsignedLong(value)); }

    /** §3.1.1 driver initialization with VIRTIO_F_VERSION_1 alone and queue 0; returns the final Status. */
    int start() {
        write(STATUS, 0);
        write(STATUS, DeviceStatus.ACKNOWLEDGE);
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        write(DRIVER_FEATURES_SEL, 1);
        write(DRIVER_FEATURES, (int) (VirtioFeatures.VIRTIO_F_VERSION_1 >>> 32));
        write(DRIVER_FEATURES_SEL, 0);
        write(DRIVER_FEATURES, 0);
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        write(QUEUE_SEL, 0);
        write(QUEUE_NUM, QUEUE_SIZE);
        write(QUEUE_DESC_LOW, (int) desc);
        write(QUEUE_DESC_HIGH, 0);
        write(QUEUE_DRIVER_LOW, (int) avail);
        write(QUEUE_DRIVER_HIGH, 0);
        write(QUEUE_DEVICE_LOW, (int) used);
        write(QUEUE_DEVICE_HIGH, 0);
        write(QUEUE_READY, 1);
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK
                | DeviceStatus.DRIVER_OK);
        return read(STATUS);
    }

    /** Makes one chain available: {@code readable} buffers, then {@code writable} ones, as (address, length) pairs. */
    void submit(long[][] readable, long[][] writable) {
        int n = readable.length + writable.length;
        for (int i = 0; i < n; i++) {
            long[] b = i < readable.length ? readable[i] : writable[i - readable.length];
            long d = desc + 16L * i;
            memory.writeU64(d, b[0]);
            memory.writeU32(d + 8, (int) b[1]);
            memory.writeU16(d + 12, (short) ((i >= readable.length ? VIRTQ_DESC_F_WRITE : 0)
                    | (i < n - 1 ? VIRTQ_DESC_F_NEXT : 0)));
            memory.writeU16(d + 14, (short) (i + 1));
        }
        memory.writeU16(avail + 4 + 2L * (availIdx % QUEUE_SIZE), (short) 0);
        availIdx++;
        memory.writeU16(avail + 2, (short) availIdx);
    }

    /** QueueNotify for queue {@code index} (the write KVM's ioeventfd catches). */
    void notifyQueue(int index) { write(QUEUE_NOTIFY, index); }

    int usedIdx() { return memory.readU16(used + 2) & 0xffff; }

    /** Used length of the last used element. */
    int lastUsedLength() { return memory.readU32(used + 4 + 8L * ((usedIdx() - 1) % QUEUE_SIZE) + 4); }

    /** Waits until the device used every chain submitted so far. */
    void awaitUsed() { await(() -> usedIdx() == (availIdx & 0xffff), "the device to use chain " + availIdx); }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }
}
