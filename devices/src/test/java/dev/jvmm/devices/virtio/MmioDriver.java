package dev.jvmm.devices.virtio;

import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.*;

import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;

/** Drives a virtio-mmio transport through its registers in the order Linux's virtio_mmio driver does. */
public final class MmioDriver {
    private final VirtioMmioTransport transport;

    public MmioDriver(VirtioMmioTransport transport) {
        this.transport = transport;
    }

    public int read(int offset) { return (int) transport.read(offset, 4); }

    public void write(int offset, int value) { transport.write(offset, 4, Integer.toUnsignedLong(value)); }

    public long deviceFeatures() {
        write(DEVICE_FEATURES_SEL, 1);
        long high = Integer.toUnsignedLong(read(DEVICE_FEATURES));
        write(DEVICE_FEATURES_SEL, 0);
        return high << 32 | Integer.toUnsignedLong(read(DEVICE_FEATURES));
    }

    public void writeDriverFeatures(long features) {
        write(DRIVER_FEATURES_SEL, 1);
        write(DRIVER_FEATURES, (int) (features >>> 32));
        write(DRIVER_FEATURES_SEL, 0);
        write(DRIVER_FEATURES, (int) features);
    }

    public int status() { return read(STATUS); }

    public void addStatus(int bits) { write(STATUS, status() | bits); }

    /** Reset, ACKNOWLEDGE, DRIVER, features (what the driver wants and the device offers), FEATURES_OK. */
    public boolean negotiate(long wanted) {
        write(STATUS, 0);
        addStatus(DeviceStatus.ACKNOWLEDGE);
        addStatus(DeviceStatus.DRIVER);
        writeDriverFeatures(wanted & deviceFeatures());
        addStatus(DeviceStatus.FEATURES_OK);
        return (status() & DeviceStatus.FEATURES_OK) != 0;
    }

    public void setupQueue(int index, VirtqueueDriver queue) {
        write(QUEUE_SEL, index);
        write(QUEUE_NUM, queue.size());
        write(QUEUE_DESC_LOW, (int) queue.descTable());
        write(QUEUE_DESC_HIGH, (int) (queue.descTable() >>> 32));
        write(QUEUE_DRIVER_LOW, (int) queue.availRing());
        write(QUEUE_DRIVER_HIGH, (int) (queue.availRing() >>> 32));
        write(QUEUE_DEVICE_LOW, (int) queue.usedRing());
        write(QUEUE_DEVICE_HIGH, (int) (queue.usedRing() >>> 32));
        write(QUEUE_READY, 1);
    }

    public void driverOk() { addStatus(DeviceStatus.DRIVER_OK); }

    /** Full bring-up of a one-queue device with all features it offers; returns the negotiated features. */
    public long start(VirtqueueDriver queue) {
        long features = deviceFeatures();
        if (!negotiate(features)) {
            throw new AssertionError("device refused its own features");
        }
        setupQueue(0, queue);
        driverOk();
        return features;
    }

    public void notifyQueue(int index) { write(QUEUE_NOTIFY, index); }

    public int interruptStatus() { return read(INTERRUPT_STATUS); }

    public void acknowledge(int bits) { write(INTERRUPT_ACK, bits); }
}
