package dev.jvmm.devices.virtio.queue;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.readable;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_INDIRECT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_NEXT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import org.junit.jupiter.api.Test;

class SplitQueueTest {
    private static final long RAM = 0x10000;
    private static final long RAM_SIZE = 0x20000;
    private static final long DATA = RAM + 0x8000;

    private final GuestMemory memory = GuestRam.of(RAM, RAM_SIZE);
    private final VirtqueueDriver driver = new VirtqueueDriver(memory, RAM, 8);
    private final SplitQueue queue = readyQueue(driver, 8);

    static SplitQueue readyQueue(VirtqueueDriver driver, int maxSize) {
        SplitQueue queue = new SplitQueue(maxSize);
        queue.setSize(driver.size());
        queue.setDescTableAddress(driver.descTable());
        queue.setAvailRingAddress(driver.availRing());
        queue.setUsedRingAddress(driver.usedRing());
        queue.setReady(true);
        return queue;
    }

    @Test
    void popsNothingWhenDriverMadeNothingAvailable() {
        assertNull(queue.popDescriptorChain(memory));
    }

    @Test
    void popsChainWithReadableThenWritableBuffers() {
        int head = driver.submit(readable(DATA, 16), readable(DATA + 16, 100), writable(DATA + 200, 1));
        DescriptorChain chain = queue.popDescriptorChain(memory);
        assertEquals(head, chain.headIndex());
        assertEquals(3, chain.descriptorCount());
        assertEquals(116, chain.readableLength());
        assertEquals(1, chain.writableLength());
        assertEquals(2, chain.firstWritableIndex());
        assertEquals(DATA + 16, chain.address(1));
        assertEquals(100, chain.length(1));
        assertFalse(chain.isWriteOnly(1));
        assertTrue(chain.isWriteOnly(2));
        assertNull(queue.popDescriptorChain(memory));
    }

    @Test
    void readsAndWritesTheByteStreamsAcrossDescriptors() {
        memory.write(DATA, new byte[] {1, 2, 3});
        memory.write(DATA + 100, new byte[] {4, 5});
        driver.submit(readable(DATA, 3), readable(DATA + 100, 2), writable(DATA + 200, 2), writable(DATA + 300, 2));
        DescriptorChain chain = queue.popDescriptorChain(memory);
        byte[] in = new byte[8];
        assertEquals(4, chain.read(1, in, 0, 8));
        assertArrayEquals(new byte[] {2, 3, 4, 5, 0, 0, 0, 0}, in);
        assertEquals(3, chain.write(1, new byte[] {9, 8, 7, 6}, 0, 4));
        assertArrayEquals(new byte[] {0, 9}, memory.read(DATA + 200, 2));
        assertArrayEquals(new byte[] {8, 7}, memory.read(DATA + 300, 2));
    }

    @Test
    void reusesOneChainObject() {
        driver.submit(readable(DATA, 1));
        driver.submit(readable(DATA, 1));
        assertSame(queue.popDescriptorChain(memory), queue.popDescriptorChain(memory));
    }

    @Test
    void followsIndirectTable() {
        int head = driver.submitIndirect(DATA + 0x1000, readable(DATA, 16), writable(DATA + 64, 512),
                writable(DATA + 1024, 1));
        DescriptorChain chain = queue.popDescriptorChain(memory);
        assertEquals(head, chain.headIndex());
        assertEquals(3, chain.descriptorCount());
        assertEquals(513, chain.writableLength());
    }

    @Test
    void followsIndirectTableAfterDirectDescriptors() {
        driver.setDescriptor(0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
        driver.setDescriptor(1, DATA + 0x1000, 16, VIRTQ_DESC_F_INDIRECT, 0);
        driver.writeDescriptor(DATA + 0x1000, DATA + 64, 1, VIRTQ_DESC_F_WRITE, 0);
        driver.publish(0);
        DescriptorChain chain = queue.popDescriptorChain(memory);
        assertEquals(2, chain.descriptorCount());
        assertEquals(1, chain.firstWritableIndex());
    }

    @Test
    void rejectsDescriptorLoop() {
        driver.setDescriptor(0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
        driver.setDescriptor(1, DATA, 1, VIRTQ_DESC_F_NEXT, 0);
        driver.publish(0);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsChainLongerThanQueue() {
        for (int i = 0; i < 8; i++) {
            driver.setDescriptor(i, DATA, 1, VIRTQ_DESC_F_NEXT, (i + 1) % 8);
        }
        driver.publish(0);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsNextIndexOutsideTable() {
        driver.setDescriptor(0, DATA, 1, VIRTQ_DESC_F_NEXT, 8);
        driver.publish(0);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsHeadOutsideTable() {
        driver.publish(8);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsBufferOutsideGuestMemory() {
        driver.submit(readable(RAM + RAM_SIZE - 8, 16));
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsBufferWrappingAround64Bits() {
        driver.submit(writable(-16L, 32));
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsBufferOfFourGibibytes() {
        driver.submit(writable(DATA, -1));
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsNestedIndirectTable() {
        driver.setDescriptor(0, DATA + 0x1000, 16, VIRTQ_DESC_F_INDIRECT, 0);
        driver.writeDescriptor(DATA + 0x1000, DATA + 0x2000, 16, VIRTQ_DESC_F_INDIRECT, 0);
        driver.writeDescriptor(DATA + 0x2000, DATA, 1, 0, 0);
        driver.publish(0);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsIndirectDescriptorWithNext() {
        driver.setDescriptor(0, DATA + 0x1000, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
        driver.setDescriptor(1, DATA, 1, 0, 0);
        driver.writeDescriptor(DATA + 0x1000, DATA, 1, 0, 0);
        driver.publish(0);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsIndirectTableOfBadLength() {
        for (int length : new int[] {0, 8, 24, 16 * (DescriptorChain.MAX_INDIRECT_DESCRIPTORS + 1)}) {
            SplitQueue fresh = readyQueue(driver, 8);
            driver.setDescriptor(0, DATA, length, VIRTQ_DESC_F_INDIRECT, 0);
            driver.publish(0);
            assertThrows(VirtqueueException.class, () -> fresh.popDescriptorChain(memory), "length " + length);
            driver.setAvailIdx(0);
        }
    }

    @Test
    void rejectsLoopInsideIndirectTable() {
        driver.setDescriptor(0, DATA + 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
        driver.writeDescriptor(DATA + 0x1000, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
        driver.writeDescriptor(DATA + 0x1010, DATA, 1, VIRTQ_DESC_F_NEXT, 0);
        driver.publish(0);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsReadableDescriptorAfterWritableOne() {
        driver.submit(writable(DATA, 1), readable(DATA + 16, 1));
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void rejectsAvailIndexMovedByMoreThanQueueSize() {
        driver.setAvailIdx(9);
        assertThrows(VirtqueueException.class, () -> queue.popDescriptorChain(memory));
    }

    @Test
    void acceptsZeroLengthBuffer() {
        driver.submit(writable(DATA, 0));
        assertEquals(0, queue.popDescriptorChain(memory).writableLength());
    }

    @Test
    void addUsedPublishesEntryAndIndex() {
        int head = driver.submit(writable(DATA, 4));
        queue.addUsed(memory, queue.popDescriptorChain(memory).headIndex(), 4);
        assertEquals(1, driver.usedIdx());
        assertEquals(head, driver.usedId(0));
        assertEquals(4, driver.usedLen(0));
    }

    @Test
    void usedIndexWrapsAt16Bits() {
        for (int i = 0; i < 70000; i++) {
            driver.submit(writable(DATA, 1));
            queue.addUsed(memory, queue.popDescriptorChain(memory).headIndex(), 1);
        }
        assertEquals(70000 & 0xffff, driver.usedIdx());
    }

    @Test
    void notifiesUnlessDriverSetNoInterrupt() {
        driver.submit(writable(DATA, 1));
        queue.addUsed(memory, queue.popDescriptorChain(memory).headIndex(), 1);
        assertTrue(queue.needsNotification(memory));
        driver.setAvailFlags(SplitQueue.VIRTQ_AVAIL_F_NO_INTERRUPT);
        driver.submit(writable(DATA, 1));
        queue.addUsed(memory, queue.popDescriptorChain(memory).headIndex(), 1);
        assertFalse(queue.needsNotification(memory));
    }

    @Test
    void withEventIdxNotifiesOnlyWhenUsedIndexPassesUsedEvent() {
        queue.setEventIdx(true);
        driver.setUsedEvent(1); // the driver wants to hear once the second buffer is used
        driver.submit(writable(DATA, 1));
        queue.addUsed(memory, queue.popDescriptorChain(memory).headIndex(), 1);
        assertFalse(queue.needsNotification(memory));
        driver.submit(writable(DATA, 1));
        queue.addUsed(memory, queue.popDescriptorChain(memory).headIndex(), 1);
        assertTrue(queue.needsNotification(memory));
        assertFalse(queue.needsNotification(memory), "nothing new was used");
    }

    @Test
    void withEventIdxEnableNotificationPublishesAvailEvent() {
        queue.setEventIdx(true);
        driver.submit(writable(DATA, 1));
        queue.popDescriptorChain(memory);
        assertFalse(queue.enableNotification(memory));
        assertEquals(1, driver.availEvent());
        driver.submit(writable(DATA, 1));
        assertTrue(queue.enableNotification(memory));
    }

    @Test
    void refusesSizeThatIsNotPowerOfTwoOrAboveMaximum() {
        for (int size : new int[] {0, 3, 16}) {
            queue.setSize(size);
            assertThrows(VirtqueueException.class, () -> queue.attach(memory), "size " + size);
        }
    }

    @Test
    void refusesRingsOutsideMemoryOrMisaligned() {
        queue.setUsedRingAddress(RAM + RAM_SIZE - 8);
        assertThrows(VirtqueueException.class, () -> queue.attach(memory));
        queue.setUsedRingAddress(driver.usedRing() + 2);
        assertThrows(VirtqueueException.class, () -> queue.attach(memory));
        queue.setUsedRingAddress(driver.usedRing());
        queue.setDescTableAddress(RAM + 8);
        assertThrows(VirtqueueException.class, () -> queue.attach(memory));
    }

    @Test
    void refusesMaxSizeThatIsNotPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new SplitQueue(100));
        assertThrows(IllegalArgumentException.class, () -> new SplitQueue(65536));
    }
}
