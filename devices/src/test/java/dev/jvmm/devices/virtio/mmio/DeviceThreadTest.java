package dev.jvmm.devices.virtio.mmio;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.rng.VirtioRng;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Notifications handed to a device thread, the way the VMM's ioeventfd loop delivers them. */
class DeviceThreadTest {
    @Test
    void processesQueuesOnTheDeviceThread() throws InterruptedException {
        GuestMemory memory = GuestRam.of(0x10000, 0x20000);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        ExecutorService deviceThread = Executors.newSingleThreadExecutor();
        QueueNotifier toDeviceThread = (handler, queue) -> deviceThread.execute(() -> handler.processQueue(queue));
        VirtioMmioTransport transport = new VirtioMmioTransport(new VirtioRng(bytes -> threads.add(Thread.currentThread())),
                memory, new RecordingLine(), toDeviceThread);
        MmioDriver driver = new MmioDriver(transport);
        VirtqueueDriver queue = new VirtqueueDriver(memory, 0x10000, 64);
        driver.start(queue);
        for (int i = 0; i < 1000; i++) {
            queue.submit(writable(0x18000 + 16L * (i % 64), 16));
            driver.notifyQueue(0);
            while (queue.usedIdx() != ((i + 1) & 0xffff)) {
                Thread.onSpinWait(); // the driver waits for its buffer before reusing descriptors
            }
        }
        deviceThread.shutdown();
        assertTrue(deviceThread.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(1000, queue.usedIdx());
        assertEquals(1, threads.size());
        assertTrue(!threads.contains(Thread.currentThread()));
    }
}
