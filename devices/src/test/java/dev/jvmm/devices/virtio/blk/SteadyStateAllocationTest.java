package dev.jvmm.devices.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures what the device allocates per request once warm, with real preadv/pwritev on an image file: the driver
 * side reuses fixed chains (header, data, status) and writes only guest memory, so whatever the thread allocates
 * is the queue's and the device's. Runs rounds until the JIT has compiled the path, prints the figure and fails if
 * a request still costs a byte or more on average (a one-off allocation is tolerated; an object per request is not).
 */
class SteadyStateAllocationTest {
    private static final int REQUESTS = 20_000;
    private static final int MAX_ROUNDS = 120;
    private static final int SLOTS = 8;
    private static final long DESC = 0x10000;
    private static final long AVAIL = DESC + 16L * VirtioBlock.QUEUE_SIZE;
    private static final long USED = AVAIL + 0x1000;
    private static final long HEADERS = 0x20000;
    private static final long STATUS = 0x21000;
    private static final long DATA = 0x30000;
    private static final int DATA_BYTES = 4096;

    @TempDir
    Path dir;

    private final GuestMemory memory = GuestRam.of(0x10000, 0x40000);
    private int availIdx;

    @Test
    void aWarmDeviceAllocatesNothingPerRequest() throws IOException, ReflectiveOperationException {
        Path image = Files.write(dir.resolve("disk.img"), new byte[1 << 20]);
        try (RawFileBackend backend = RawFileBackend.open(image, false)) {
            VirtioBlock device = new VirtioBlock(backend, "steady");
            for (int i = 0; i < SLOTS; i++) {
                boolean write = i % 2 == 1;
                descriptor(3 * i, HEADERS + 16L * i, 16, DescriptorChain.VIRTQ_DESC_F_NEXT, 3 * i + 1);
                descriptor(3 * i + 1, DATA + (long) DATA_BYTES * i, DATA_BYTES,
                        (write ? 0 : DescriptorChain.VIRTQ_DESC_F_WRITE) | DescriptorChain.VIRTQ_DESC_F_NEXT, 3 * i + 2);
                descriptor(3 * i + 2, STATUS + i, 1, DescriptorChain.VIRTQ_DESC_F_WRITE, 0);
                memory.writeU32(HEADERS + 16L * i, write ? VirtioBlock.VIRTIO_BLK_T_OUT : VirtioBlock.VIRTIO_BLK_T_IN);
                memory.writeU64(HEADERS + 16L * i + 8, 8L * i);
            }
            SplitQueue queue = new SplitQueue(VirtioBlock.QUEUE_SIZE);
            queue.setDescTableAddress(DESC);
            queue.setAvailRingAddress(AVAIL);
            queue.setUsedRingAddress(USED);
            queue.setReady(true);
            long[] interrupts = new long[1];
            device.activate(memory, new SplitQueue[] {queue}, device.deviceFeatures(), new VirtioInterrupt() {
                @Override public void signalUsedBuffer(int queueIndex) { interrupts[0]++; }

                @Override public void signalConfigChange() { }
            });

            double perRequest = Double.NaN;
            int rounds = 0;
            long nanos = 0;
            while (rounds < MAX_ROUNDS && !(perRequest < 1.0)) {
                rounds++;
                long before = allocatedBytes();
                long start = System.nanoTime();
                run(device);
                nanos = System.nanoTime() - start;
                perRequest = (allocatedBytes() - before) / (double) REQUESTS;
            }
            System.out.printf("virtio-blk steady state (round %d): %.3f bytes allocated per 4 KiB request, %.2f us "
                    + "per request%n", rounds, perRequest, nanos / 1e3 / REQUESTS);
            assertEquals(REQUESTS * rounds & 0xffff, queue.nextUsed(), "every request answered");
            assertEquals(VirtioBlock.VIRTIO_BLK_S_OK, memory.readU8(STATUS + 1));
            assertTrue(interrupts[0] > 0);
            assertTrue(perRequest < 1.0, perRequest + " bytes per request after " + MAX_ROUNDS + " rounds");
            device.reset();
        }
    }

    /** Requests in groups of {@link #SLOTS} (reads and writes alternating), one processQueue per group. */
    private void run(VirtioBlock device) {
        for (int done = 0; done < REQUESTS; done += SLOTS) {
            for (int slot = 0; slot < SLOTS; slot++) {
                memory.writeU8(STATUS + slot, (byte) 0xff);
                memory.writeU16(AVAIL + 4 + 2L * (availIdx % VirtioBlock.QUEUE_SIZE), (short) (3 * slot));
                availIdx = (availIdx + 1) & 0xffff;
                memory.writeU16(AVAIL + 2, (short) availIdx);
            }
            device.processQueue(0);
        }
    }

    private void descriptor(int index, long address, int length, int flags, int next) {
        long at = DESC + 16L * index;
        memory.writeU64(at, address);
        memory.writeU32(at + 8, length);
        memory.writeU16(at + 12, (short) flags);
        memory.writeU16(at + 14, (short) next);
    }

    /** Bytes this thread allocated so far (HotSpot's ThreadMXBean), looked up reflectively as in virtio-net's test. */
    private static long allocatedBytes() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes")
                .invoke(bean);
    }
}
