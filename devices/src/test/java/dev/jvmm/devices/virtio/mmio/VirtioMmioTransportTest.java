package dev.jvmm.devices.virtio.mmio;

import static dev.jvmm.devices.virtio.DeviceStatus.ACKNOWLEDGE;
import static dev.jvmm.devices.virtio.DeviceStatus.DEVICE_NEEDS_RESET;
import static dev.jvmm.devices.virtio.DeviceStatus.DRIVER;
import static dev.jvmm.devices.virtio.DeviceStatus.DRIVER_OK;
import static dev.jvmm.devices.virtio.DeviceStatus.FAILED;
import static dev.jvmm.devices.virtio.DeviceStatus.FEATURES_OK;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtioDevice;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioMmioTransportTest {
    private static final long RAM = 0x10000;
    private static final long DATA = RAM + 0x8000;
    private static final long DEVICE_BIT = 1L << 3;

    private final GuestMemory memory = GuestRam.of(RAM, 0x20000);
    private final FakeDevice device = new FakeDevice();
    private final RecordingLine line = new RecordingLine();
    private final List<Integer> notified = new ArrayList<>();
    private final VirtioMmioTransport transport = new VirtioMmioTransport(device, memory, line, QueueNotifier.SYNCHRONOUS);
    private final MmioDriver driver = new MmioDriver(transport);
    private final VirtqueueDriver queue = new VirtqueueDriver(memory, RAM, 16);

    /** A device with two queues that answers every chain with its writable length and records what it saw. */
    static class FakeDevice implements VirtioDevice {
        long acked = -1;
        int resets;
        int processed;
        RuntimeException failure;
        GuestMemory memory;
        SplitQueue[] queues;
        VirtioInterrupt interrupt;

        @Override public int deviceType() { return 42; }

        @Override public long deviceFeatures() { return VirtioFeatures.TRANSPORT_FEATURES | DEVICE_BIT; }

        @Override public int[] queueMaxSizes() { return new int[] {16, 32}; }

        @Override public long readConfig(int offset, int size) { return offset == 4 && size == 4 ? 0xcafef00dL : 0; }

        @Override public void writeConfig(int offset, int size, long value) { }

        @Override
        public void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt) {
            this.memory = memory;
            this.queues = queues;
            this.acked = ackedFeatures;
            this.interrupt = interrupt;
        }

        @Override
        public void processQueue(int queueIndex) {
            processed++;
            if (failure != null) {
                throw failure;
            }
            SplitQueue q = queues[queueIndex];
            DescriptorChain chain;
            while ((chain = q.popDescriptorChain(memory)) != null) {
                q.addUsed(memory, chain.headIndex(), (int) chain.writableLength());
            }
            if (q.needsNotification(memory)) {
                interrupt.signalUsedBuffer(queueIndex);
            }
        }

        @Override public void reset() { resets++; acked = -1; }
    }

    @Test
    void identifiesAsVirtioMmioVersion2() {
        assertEquals(0x74726976, driver.read(MAGIC_VALUE));
        assertEquals(2, driver.read(VERSION));
        assertEquals(42, driver.read(DEVICE_ID));
        assertEquals(VENDOR, driver.read(VENDOR_ID));
    }

    @Test
    void offersDeviceFeaturesThroughSelector() {
        assertEquals(VirtioFeatures.TRANSPORT_FEATURES | DEVICE_BIT, driver.deviceFeatures());
        driver.write(DEVICE_FEATURES_SEL, 2);
        assertEquals(0, driver.read(DEVICE_FEATURES));
    }

    @Test
    void acceptsFeaturesOkAndActivatesOnDriverOk() {
        assertTrue(driver.negotiate(VirtioFeatures.VIRTIO_F_VERSION_1 | DEVICE_BIT));
        driver.setupQueue(0, queue);
        driver.driverOk();
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, driver.status());
        assertEquals(VirtioFeatures.VIRTIO_F_VERSION_1 | DEVICE_BIT, device.acked);
    }

    @Test
    void refusesFeaturesOkForFeatureNotOffered() {
        driver.write(STATUS, 0);
        driver.addStatus(ACKNOWLEDGE);
        driver.addStatus(DRIVER);
        driver.writeDriverFeatures(VirtioFeatures.VIRTIO_F_VERSION_1 | 1L << 40);
        driver.addStatus(FEATURES_OK);
        assertEquals(0, driver.status() & FEATURES_OK);
    }

    @Test
    void refusesFeaturesOkWithoutVersion1() {
        assertFalse(driver.negotiate(DEVICE_BIT));
        driver.driverOk();
        assertEquals(0, driver.status() & DRIVER_OK);
        assertEquals(-1, device.acked);
    }

    @Test
    void ignoresStatusBitsOutOfOrder() {
        driver.write(STATUS, DRIVER);
        assertEquals(0, driver.status());
        driver.write(STATUS, ACKNOWLEDGE | DRIVER | DRIVER_OK);
        assertEquals(ACKNOWLEDGE | DRIVER, driver.status());
        driver.write(STATUS, ACKNOWLEDGE);
        assertEquals(ACKNOWLEDGE | DRIVER, driver.status(), "bits are cleared only by reset");
    }

    @Test
    void acceptsFailedAtAnyTime() {
        driver.write(STATUS, ACKNOWLEDGE);
        driver.addStatus(FAILED);
        assertEquals(ACKNOWLEDGE | FAILED, driver.status());
    }

    @Test
    void ignoresFeatureWritesOutsideNegotiation() {
        driver.writeDriverFeatures(VirtioFeatures.VIRTIO_F_VERSION_1);
        driver.addStatus(ACKNOWLEDGE);
        driver.addStatus(DRIVER);
        driver.addStatus(FEATURES_OK);
        assertEquals(0, driver.status() & FEATURES_OK, "features written before DRIVER do not count");
    }

    @Test
    void reportsQueueSizesAndNoQueueBeyondTheLast() {
        driver.write(QUEUE_SEL, 1);
        assertEquals(32, driver.read(QUEUE_NUM_MAX));
        driver.write(QUEUE_SEL, 2);
        assertEquals(0, driver.read(QUEUE_NUM_MAX));
    }

    @Test
    void queueNotifyProcessesQueueAndRaisesUsedBufferInterrupt() {
        driver.start(queue);
        int head = queue.submit(writable(DATA, 7));
        driver.notifyQueue(0);
        assertEquals(1, queue.usedIdx());
        assertEquals(head, queue.usedId(0));
        assertEquals(7, queue.usedLen(0));
        assertEquals(INTERRUPT_USED_BUFFER, driver.interruptStatus());
        assertTrue(line.level());
        driver.acknowledge(INTERRUPT_USED_BUFFER);
        assertEquals(0, driver.interruptStatus());
        assertFalse(line.level());
    }

    @Test
    void queueNotifyGoesThroughTheNotifier() {
        VirtioMmioTransport t = new VirtioMmioTransport(device, memory, line, (handler, q) -> notified.add(q));
        new MmioDriver(t).start(queue);
        queue.submit(writable(DATA, 1));
        new MmioDriver(t).notifyQueue(0);
        assertEquals(List.of(0), notified);
        assertEquals(0, queue.usedIdx(), "the notifier decides when the queue is processed");
        t.processQueue(0);
        assertEquals(1, queue.usedIdx());
    }

    @Test
    void ignoresNotificationOfMissingOrUnreadyQueue() {
        driver.start(queue);
        driver.notifyQueue(1);
        driver.notifyQueue(-1);
        driver.notifyQueue(99);
        assertEquals(0, device.processed);
    }

    @Test
    void ignoresNotificationBeforeDriverOk() {
        driver.negotiate(driver.deviceFeatures());
        driver.setupQueue(0, queue);
        queue.submit(writable(DATA, 1));
        driver.notifyQueue(0);
        assertEquals(0, device.processed);
    }

    @Test
    void brokenQueueSetsNeedsResetWithConfigInterrupt() {
        driver.start(queue);
        queue.setAvailIdx(17);
        int generation = driver.read(CONFIG_GENERATION);
        driver.notifyQueue(0);
        assertEquals(DEVICE_NEEDS_RESET, driver.status() & DEVICE_NEEDS_RESET);
        assertEquals(INTERRUPT_CONFIG_CHANGE, driver.interruptStatus() & INTERRUPT_CONFIG_CHANGE);
        assertEquals(generation + 1, driver.read(CONFIG_GENERATION));
        driver.notifyQueue(0);
        assertEquals(1, device.processed, "a device that needs reset processes nothing more");
    }

    @Test
    void deviceFailureIsContainedAsNeedsReset() {
        driver.start(queue);
        device.failure = new IllegalStateException("device bug");
        driver.notifyQueue(0);
        assertEquals(DEVICE_NEEDS_RESET, driver.status() & DEVICE_NEEDS_RESET);
    }

    @Test
    void vmmFailureKeepsNeedsResetThroughDriverResets() {
        driver.start(queue);
        transport.fail("queue 0 eventfd: EBADF");
        assertEquals(DEVICE_NEEDS_RESET, driver.status() & DEVICE_NEEDS_RESET);
        assertEquals(INTERRUPT_CONFIG_CHANGE, driver.interruptStatus() & INTERRUPT_CONFIG_CHANGE);
        driver.write(STATUS, 0);
        assertEquals(DEVICE_NEEDS_RESET, driver.status(), "a driver reset cannot repair the VMM side");
        driver.start(queue);
        queue.submit(writable(DATA, 8));
        driver.notifyQueue(0);
        assertEquals(0, device.processed, "a failed device is never activated again");
        assertEquals("queue 0 eventfd: EBADF", transport.needsResetReason());
    }

    @Test
    void invalidQueueSetupSetsNeedsResetOnDriverOk() {
        driver.negotiate(driver.deviceFeatures());
        driver.write(QUEUE_SEL, 0);
        driver.write(QUEUE_NUM, 12);
        driver.write(QUEUE_READY, 1);
        driver.driverOk();
        assertEquals(DEVICE_NEEDS_RESET, driver.status() & DEVICE_NEEDS_RESET);
        assertEquals(-1, device.acked, "the device is not activated");
    }

    @Test
    void resetClearsStatusFeaturesQueuesAndInterrupt() {
        driver.start(queue);
        queue.setAvailIdx(17);
        driver.notifyQueue(0);
        int resets = device.resets;
        driver.write(STATUS, 0);
        assertEquals(0, driver.status());
        assertEquals(0, driver.interruptStatus());
        assertFalse(line.level());
        assertEquals(resets + 1, device.resets);
        driver.write(QUEUE_SEL, 0);
        assertEquals(0, driver.read(QUEUE_READY));
        // A fresh bring-up works again after the reset.
        VirtqueueDriver again = new VirtqueueDriver(memory, RAM, 16);
        driver.start(again);
        again.submit(writable(DATA, 3));
        driver.notifyQueue(0);
        assertEquals(1, again.usedIdx());
    }

    @Test
    void refusesQueueSetupBeforeFeaturesOk() {
        driver.write(STATUS, ACKNOWLEDGE | DRIVER);
        driver.write(QUEUE_SEL, 0);
        driver.write(QUEUE_READY, 1);
        assertEquals(0, driver.read(QUEUE_READY));
    }

    @Test
    void readsConfigSpaceFromDevice() {
        assertEquals(0xcafef00dL, transport.read(CONFIG + 4, 4));
    }

    @Test
    void configChangeBumpsGeneration() {
        driver.start(queue);
        int generation = driver.read(CONFIG_GENERATION);
        device.interrupt.signalConfigChange();
        assertEquals(generation + 1, driver.read(CONFIG_GENERATION));
        assertEquals(INTERRUPT_CONFIG_CHANGE, driver.interruptStatus());
    }

    @Test
    void ignoresRegisterAccessesNarrowerThan32Bits() {
        assertEquals(0, transport.read(MAGIC_VALUE, 2));
        transport.write(STATUS, 1, ACKNOWLEDGE);
        assertEquals(0, driver.status());
    }

    @Test
    void refusesDeviceWithoutVersion1() {
        VirtioDevice legacy = new FakeDevice() {
            @Override public long deviceFeatures() { return 0; }
        };
        assertThrows(IllegalArgumentException.class,
                () -> new VirtioMmioTransport(legacy, memory, line, QueueNotifier.SYNCHRONOUS));
    }
}
