package dev.jvmm.devices.virtio.rng;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.readable;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VirtioRngTest {
    private static final long RAM = 0x10000;
    private static final long DATA = RAM + 0x8000;

    private final GuestMemory memory = GuestRam.of(RAM, 0x40000);
    private final RecordingLine line = new RecordingLine();
    private final VirtioMmioTransport transport = new VirtioMmioTransport(
            new VirtioRng(bytes -> Arrays.fill(bytes, (byte) 0xab)), memory, line, QueueNotifier.SYNCHRONOUS);
    private final MmioDriver driver = new MmioDriver(transport);
    private final VirtqueueDriver queue = new VirtqueueDriver(memory, RAM, 8);

    @Test
    void isAnEntropyDevice() {
        assertEquals(VirtioDeviceType.ENTROPY, driver.read(VirtioMmioTransport.DEVICE_ID));
    }

    @Test
    void fillsWritableBuffersAndReportsTheLength() {
        driver.start(queue);
        int head = queue.submit(writable(DATA, 10), writable(DATA + 100, 6000));
        driver.notifyQueue(0);
        assertEquals(1, queue.usedIdx());
        assertEquals(head, queue.usedId(0));
        assertEquals(6010, queue.usedLen(0));
        byte[] expected = new byte[6000];
        Arrays.fill(expected, (byte) 0xab);
        assertArrayEquals(expected, memory.read(DATA + 100, 6000));
        assertEquals(0, memory.readU8(DATA + 100 + 6000));
        assertEquals(1, line.raised());
    }

    @Test
    void leavesReadableBuffersAlone() {
        driver.start(queue);
        queue.submit(readable(DATA, 16), writable(DATA + 16, 4));
        driver.notifyQueue(0);
        assertArrayEquals(new byte[16], memory.read(DATA, 16));
        assertEquals(4, queue.usedLen(0));
    }

    @Test
    void boundsTheBytesOfOneRequest() {
        driver.start(queue);
        queue.submit(writable(DATA, 0x30000));
        driver.notifyQueue(0);
        assertEquals(VirtioRng.MAX_BYTES_PER_REQUEST, queue.usedLen(0));
    }

    @Test
    void answersEveryAvailableRequestOnOneNotification() {
        driver.start(queue);
        for (int i = 0; i < 5; i++) {
            queue.submit(writable(DATA + 16L * i, 16));
        }
        driver.notifyQueue(0);
        assertEquals(5, queue.usedIdx());
    }
}
