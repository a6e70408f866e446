package dev.jvmm.devices.virtio.blk;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.readable;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.DeviceStatus;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.VirtqueueDriver.Buffer;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VirtioBlockTest {
    private static final long RAM = 0x10000;
    private static final long HEADER = RAM + 0x8000;
    private static final long DATA = RAM + 0x9000;
    private static final long STATUS = RAM + 0x7f00;
    private static final int SECTORS = 64;

    private final GuestMemory memory = GuestRam.of(RAM, 0x40000);
    private MemoryBackend backend = new MemoryBackend(SECTORS, false);
    private VirtqueueDriver queue;
    private MmioDriver driver;
    private VirtioMmioTransport transport;

    private void start(long features) {
        transport = new VirtioMmioTransport(new VirtioBlock(backend, "jvmm-disk-0"), memory, new RecordingLine(),
                QueueNotifier.SYNCHRONOUS);
        driver = new MmioDriver(transport);
        queue = new VirtqueueDriver(memory, RAM, 16);
        assertTrue(driver.negotiate(features & driver.deviceFeatures()));
        driver.setupQueue(0, queue);
        driver.driverOk();
    }

    private void start() { start(-1L); }

    private void header(int type, long sector) {
        memory.writeU32(HEADER, type);
        memory.writeU32(HEADER + 4, 0);
        memory.writeU64(HEADER + 8, sector);
        memory.writeU8(STATUS, (byte) 0x7f);
    }

    /** Submits a chain, notifies, and returns the status byte; checks that exactly one buffer was used. */
    private int request(Buffer... buffers) {
        int before = queue.usedIdx();
        int head = queue.submit(buffers);
        driver.notifyQueue(0);
        assertEquals(before + 1, queue.usedIdx(), "one request answered");
        assertEquals(head, queue.usedId(before));
        return memory.readU8(STATUS) & 0xff;
    }

    private int lastUsedLength() { return queue.usedLen(queue.usedIdx() - 1); }

    @Test
    void offersCapacityAndGeometryInConfigSpace() {
        start();
        assertEquals(SECTORS, transport.read(VirtioMmioTransport.CONFIG, 8));
        assertEquals(SECTORS, transport.read(VirtioMmioTransport.CONFIG, 4), "64-bit field read as two halves");
        assertEquals(0, transport.read(VirtioMmioTransport.CONFIG + 4, 4));
        assertEquals(QUEUE_SIZE - 2, transport.read(VirtioMmioTransport.CONFIG + 12, 4));
        assertEquals(512, transport.read(VirtioMmioTransport.CONFIG + 20, 4));
    }

    @Test
    void readsSectorsIntoWritableBuffers() {
        for (int i = 0; i < backend.disk.length; i++) {
            backend.disk[i] = (byte) (i * 7);
        }
        start();
        header(VIRTIO_BLK_T_IN, 3);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), writable(DATA, 1024), writable(STATUS, 1)));
        assertArrayEquals(Arrays.copyOfRange(backend.disk, 3 * 512, 5 * 512), memory.read(DATA, 1024));
        assertEquals(1025, lastUsedLength());
    }

    @Test
    void writesSectorsFromReadableBuffers() {
        start();
        byte[] data = new byte[512];
        Arrays.fill(data, (byte) 0x5a);
        memory.write(DATA, data);
        header(VIRTIO_BLK_T_OUT, 10);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1)));
        assertArrayEquals(data, Arrays.copyOfRange(backend.disk, 10 * 512, 11 * 512));
        assertEquals(1, lastUsedLength());
    }

    @Test
    void acceptsHeaderDataAndStatusInAnyDescriptorLayout() {
        start();
        byte[] data = new byte[512];
        Arrays.fill(data, (byte) 0x33);
        memory.write(HEADER + 16, data);
        header(VIRTIO_BLK_T_OUT, 1);
        // Header split over two descriptors, header tail and data in one.
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 5), readable(HEADER + 5, 523), writable(STATUS, 1)));
        assertArrayEquals(data, Arrays.copyOfRange(backend.disk, 512, 1024));
        // Data and status in one writable descriptor, through an indirect table.
        memory.writeU32(HEADER, VIRTIO_BLK_T_IN);
        int before = queue.usedIdx();
        queue.submitIndirect(RAM + 0x6000, readable(HEADER, 16), writable(DATA, 513));
        driver.notifyQueue(0);
        assertEquals(before + 1, queue.usedIdx());
        assertArrayEquals(data, memory.read(DATA, 512));
        assertEquals(VIRTIO_BLK_S_OK, memory.readU8(DATA + 512));
    }

    @Test
    void servesChainsWithMorePiecesThanOneVectoredCallTakes() {
        for (int i = 0; i < backend.disk.length; i++) {
            backend.disk[i] = (byte) (i * 13);
        }
        start();
        long table = RAM + 0x20000;
        int pieces = 2 * BlockRequestIo.MAX_VECTORS;
        Buffer[] chain = new Buffer[pieces + 2];
        chain[0] = readable(HEADER, 16);
        for (int i = 0; i < pieces; i++) {
            chain[1 + i] = writable(DATA + 64L * i, 64);
        }
        chain[pieces + 1] = writable(STATUS, 1);
        header(VIRTIO_BLK_T_IN, 0);
        int before = queue.usedIdx();
        queue.submitIndirect(table, chain);
        driver.notifyQueue(0);
        assertEquals(before + 1, queue.usedIdx());
        assertEquals(VIRTIO_BLK_S_OK, memory.readU8(STATUS));
        assertArrayEquals(Arrays.copyOfRange(backend.disk, 0, 64 * pieces), memory.read(DATA, 64 * pieces));
        assertEquals(2, backend.reads, "one call per " + BlockRequestIo.MAX_VECTORS + " pieces");

        // A write the backend takes a few hundred bytes at a time, cut in the middle of pieces.
        byte[] data = new byte[64 * pieces];
        new java.util.Random(3).nextBytes(data);
        memory.write(DATA, data);
        for (int i = 0; i < pieces; i++) {
            chain[1 + i] = readable(DATA + 64L * i, 64);
        }
        backend.maxTransfer = 700;
        header(VIRTIO_BLK_T_OUT, 0);
        queue.submitIndirect(table, chain);
        driver.notifyQueue(0);
        assertEquals(VIRTIO_BLK_S_OK, memory.readU8(STATUS));
        assertArrayEquals(data, Arrays.copyOfRange(backend.disk, 0, data.length));
        assertEquals((data.length + 699) / 700, backend.writes);
    }

    @Test
    void statusIsTheLastWritableByteEvenBeforeEmptyDescriptors() {
        start();
        header(VIRTIO_BLK_T_FLUSH, 0);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), writable(STATUS, 1), writable(DATA, 0)));
        memory.writeU8(DATA, (byte) 0x7f);
        header(VIRTIO_BLK_T_FLUSH, 0);
        request(readable(HEADER, 16), writable(DATA, 0), writable(STATUS - 3, 4), writable(DATA, 0));
        assertEquals(VIRTIO_BLK_S_OK, memory.readU8(STATUS + 3));
        assertEquals(0x7f, memory.readU8(DATA), "an empty descriptor's address is never written");
    }

    @Test
    void flushReachesTheBackend() {
        start();
        header(VIRTIO_BLK_T_FLUSH, 0);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), writable(STATUS, 1)));
        assertEquals(1, backend.flushes);
    }

    @Test
    void writesThroughWhenDriverDidNotAcceptFlush() {
        start(~VIRTIO_BLK_F_FLUSH);
        header(VIRTIO_BLK_T_OUT, 0);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1)));
        assertEquals(1, backend.flushes);
    }

    @Test
    void getIdAnswersTheSerial() {
        start();
        header(VIRTIO_BLK_T_GET_ID, 0);
        memory.fill(DATA, 20, (byte) 0xff);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), writable(DATA, 20), writable(STATUS, 1)));
        byte[] expected = Arrays.copyOf("jvmm-disk-0".getBytes(StandardCharsets.US_ASCII), 20);
        assertArrayEquals(expected, memory.read(DATA, 20));
        assertEquals(21, lastUsedLength());
    }

    @Test
    void readOnlyDiskAnswersWritesWithIoErr() {
        backend = new MemoryBackend(SECTORS, true);
        start();
        assertEquals(VIRTIO_BLK_F_RO, driver.deviceFeatures() & VIRTIO_BLK_F_RO);
        memory.fill(DATA, 512, (byte) 1);
        header(VIRTIO_BLK_T_OUT, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1)));
        assertEquals(0, backend.writes);
    }

    @Test
    void requestBeyondTheEndIsIoErr() {
        start();
        header(VIRTIO_BLK_T_IN, SECTORS - 1);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), writable(DATA, 1024), writable(STATUS, 1)));
        header(VIRTIO_BLK_T_OUT, -1L);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1)));
        header(VIRTIO_BLK_T_IN, SECTORS);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1)));
        assertEquals(0, backend.operations());
    }

    @Test
    void lastSectorIsReadable() {
        start();
        header(VIRTIO_BLK_T_IN, SECTORS - 1);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1)));
    }

    @Test
    void dataThatIsNotWholeSectorsIsIoErr() {
        start();
        header(VIRTIO_BLK_T_IN, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), writable(DATA, 100), writable(STATUS, 1)));
    }

    @Test
    void unknownTypeIsUnsupported() {
        start();
        header(0x7777, 0);
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(readable(HEADER, 16), writable(STATUS, 1)));
        header(14, 0); // VIRTIO_BLK_T_SECURE_ERASE, not offered
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
    }

    @Test
    void shortHeaderIsIoErr() {
        start();
        header(VIRTIO_BLK_T_IN, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 8), writable(STATUS, 1)));
    }

    @Test
    void requestWithoutStatusByteIsReturnedEmpty() {
        start();
        header(VIRTIO_BLK_T_OUT, 0);
        request(readable(HEADER, 16), readable(DATA, 512));
        assertEquals(0, lastUsedLength());
        assertEquals(0, backend.operations());
    }

    @Test
    void hostIoErrorIsIoErrAndTheDeviceKeepsRunning() {
        start();
        backend.failure = new IOException("EIO");
        header(VIRTIO_BLK_T_IN, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1)));
        backend.failure = new IOException("No space left on device");
        header(VIRTIO_BLK_T_OUT, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), readable(DATA, 512), writable(STATUS, 1)));
        header(VIRTIO_BLK_T_FLUSH, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), writable(STATUS, 1)));
        backend.failure = null;
        header(VIRTIO_BLK_T_IN, 0);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), writable(DATA, 512), writable(STATUS, 1)));
        assertEquals(0, driver.status() & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @Test
    void writeZeroesClearsSectors() {
        Arrays.fill(backend.disk, (byte) 0xee);
        start();
        header(VIRTIO_BLK_T_WRITE_ZEROES, 0);
        memory.writeU64(DATA, 2);
        memory.writeU32(DATA + 8, 3);
        memory.writeU32(DATA + 12, 0);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
        assertArrayEquals(new byte[3 * 512], Arrays.copyOfRange(backend.disk, 1024, 1024 + 3 * 512));
        assertEquals((byte) 0xee, backend.disk[1023]);
        assertEquals((byte) 0xee, backend.disk[5 * 512]);
    }

    @Test
    void writeZeroesBeyondTheEndOrWithReservedFlagsIsRefused() {
        start();
        header(VIRTIO_BLK_T_WRITE_ZEROES, 0);
        memory.writeU64(DATA, SECTORS - 1);
        memory.writeU32(DATA + 8, 2);
        memory.writeU32(DATA + 12, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
        memory.writeU64(DATA, 0);
        memory.writeU32(DATA + 12, 2);
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
        assertEquals(0, backend.zeroes);
    }

    @Test
    void writeZeroesNotNegotiatedIsUnsupported() {
        start(~VIRTIO_BLK_F_WRITE_ZEROES);
        header(VIRTIO_BLK_T_WRITE_ZEROES, 0);
        memory.writeU64(DATA, 0);
        memory.writeU32(DATA + 8, 1);
        memory.writeU32(DATA + 12, 0);
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
    }

    @Test
    void discardIsOfferedWhereTheBackendPunchesHolesAndDeallocatesOneSegment() {
        Arrays.fill(backend.disk, (byte) 0xee);
        start();
        assertTrue((driver.deviceFeatures() & VIRTIO_BLK_F_DISCARD) != 0);
        assertEquals(MAX_WRITE_ZEROES_SECTORS, transport.read(VirtioMmioTransport.CONFIG + 36, 4), "max_discard_sectors");
        assertEquals(1, transport.read(VirtioMmioTransport.CONFIG + 40, 4), "max_discard_seg");
        header(VIRTIO_BLK_T_DISCARD, 0);
        memory.writeU64(DATA, 4);
        memory.writeU32(DATA + 8, 2);
        memory.writeU32(DATA + 12, 0);
        assertEquals(VIRTIO_BLK_S_OK, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
        assertEquals(1, backend.discards);
        assertArrayEquals(new byte[2 * 512], Arrays.copyOfRange(backend.disk, 4 * 512, 6 * 512));
        assertEquals((byte) 0xee, backend.disk[6 * 512]);
    }

    @Test
    void discardWithTheUnmapFlagBeyondTheEndOrNotNegotiatedIsRefused() {
        start();
        header(VIRTIO_BLK_T_DISCARD, 0);
        memory.writeU64(DATA, 0);
        memory.writeU32(DATA + 8, 1);
        memory.writeU32(DATA + 12, 1); // unmap: only for WRITE_ZEROES (§5.2.6.2)
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
        memory.writeU64(DATA, SECTORS);
        memory.writeU32(DATA + 12, 0);
        assertEquals(VIRTIO_BLK_S_IOERR, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
        assertEquals(0, backend.discards);

        start(~VIRTIO_BLK_F_DISCARD);
        header(VIRTIO_BLK_T_DISCARD, 0);
        memory.writeU64(DATA, 0);
        assertEquals(VIRTIO_BLK_S_UNSUPP, request(readable(HEADER, 16), readable(DATA, 16), writable(STATUS, 1)));
        assertEquals(0, backend.discards);
    }

    @Test
    void discardIsNotOfferedWithoutHolePunchingOrOnAReadOnlyDisk() {
        backend.discardable = false;
        start();
        assertEquals(0, driver.deviceFeatures() & VIRTIO_BLK_F_DISCARD);
        backend = new MemoryBackend(SECTORS, true);
        start();
        assertEquals(0, driver.deviceFeatures() & VIRTIO_BLK_F_DISCARD);
    }

    @Test
    void refusesIdLongerThan20Bytes() {
        assertThrows(IllegalArgumentException.class, () -> new VirtioBlock(backend, "x".repeat(21)));
    }
}
