package dev.jvmm.devices.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.virtio.VirtqueueDriver.Buffer;
import dev.jvmm.sys.IoVectors;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawFileBackendTest {
    @TempDir
    Path dir;

    private Path image(int bytes) throws IOException {
        Path path = dir.resolve("disk.img");
        byte[] content = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            content[i] = (byte) i;
        }
        return Files.write(path, content);
    }

    /** {@code length} bytes of {@code disk} at {@code offset}, read with one call that must move them all. */
    private static byte[] read(BlockBackend disk, long offset, int length) throws IOException {
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(1)) {
            MemorySegment buffer = arena.allocate(length);
            iov.add(buffer);
            assertEquals(length, disk.read(iov, offset));
            return buffer.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static long write(BlockBackend disk, long offset, byte[] bytes) throws IOException {
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(1)) {
            iov.add(arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes));
            return disk.write(iov, offset);
        }
    }

    @Test
    void discardPunchesAHoleThatReadsAsZerosAndKeepsTheSizeAndTheLock() throws IOException {
        Path path = image(64 * 1024);
        try (RawFileBackend backend = RawFileBackend.open(path, false)) {
            assertTrue(backend.supportsDiscard(), "the test's temp file system punches holes (tmpfs, ext4, xfs)");
            backend.discard(8192, 16384);
            byte[] b = read(backend, 0, 64 * 1024);
            assertArrayEquals(new byte[16384], java.util.Arrays.copyOfRange(b, 8192, 8192 + 16384));
            assertEquals((byte) 8191, b[8191]);
            assertEquals((byte) (8192 + 16384), b[8192 + 16384]);
            assertEquals(64 * 1024, Files.size(path));
            // The hole-punching fd must not have dropped the image's lock (POSIX locks go with any close).
            assertThrows(IOException.class, () -> RawFileBackend.open(path, false));
        }
        try (RawFileBackend readOnly = RawFileBackend.open(path, true)) {
            assertTrue(!readOnly.supportsDiscard());
        }
    }

    @Test
    void refusesImageThatIsNotWholeSectors() throws IOException {
        Path path = image(1000);
        IOException e = assertThrows(IOException.class, () -> RawFileBackend.open(path, false));
        assertTrue(e.getMessage().contains("512-byte sectors"), e.getMessage());
    }

    @Test
    void refusesImageAlreadyOpen() throws IOException {
        Path path = image(4096);
        try (RawFileBackend first = RawFileBackend.open(path, false)) {
            IOException e = assertThrows(IOException.class, () -> RawFileBackend.open(path, false));
            assertTrue(e.getMessage().contains("locked"), e.getMessage());
        }
        RawFileBackend.open(path, false).close(); // released on close
    }

    @Test
    void readsAndWritesAtPositions() throws IOException {
        Path path = image(4096);
        try (RawFileBackend disk = RawFileBackend.open(path, false)) {
            assertEquals(4096, disk.size());
            assertArrayEquals(new byte[] {0, 1, 2, 3}, read(disk, 512, 4));
            assertEquals(2, write(disk, 1024, new byte[] {9, 9}));
            disk.writeZeroes(2048, 1024);
            disk.flush();
        }
        byte[] after = Files.readAllBytes(path);
        assertEquals(9, after[1024]);
        assertEquals(0, after[2048 + 100]);
        assertEquals(0, after[3071]);
        assertEquals(1, after[3073], "bytes after the zeroed range are kept");
    }

    @Test
    void servesGuestRequestsFromTheImageFile() throws IOException {
        Path path = image(8192);
        var memory = dev.jvmm.devices.virtio.GuestRam.of(0x10000, 0x20000);
        try (RawFileBackend disk = RawFileBackend.open(path, false)) {
            var transport = new dev.jvmm.devices.virtio.mmio.VirtioMmioTransport(new VirtioBlock(disk, "file"), memory,
                    new dev.jvmm.devices.virtio.RecordingLine(), dev.jvmm.devices.virtio.QueueNotifier.SYNCHRONOUS);
            var driver = new dev.jvmm.devices.virtio.MmioDriver(transport);
            var queue = new dev.jvmm.devices.virtio.VirtqueueDriver(memory, 0x10000, 8);
            driver.start(queue);
            memory.writeU32(0x18000, VirtioBlock.VIRTIO_BLK_T_IN);
            memory.writeU64(0x18008, 2);
            queue.submit(Buffer.readable(0x18000, 16), Buffer.writable(0x19000, 512), Buffer.writable(0x18100, 1));
            driver.notifyQueue(0);
            assertEquals(VirtioBlock.VIRTIO_BLK_S_OK, memory.readU8(0x18100));
            assertArrayEquals(java.util.Arrays.copyOfRange(Files.readAllBytes(path), 1024, 1536), memory.read(0x19000, 512));
            memory.writeU32(0x18000, VirtioBlock.VIRTIO_BLK_T_OUT);
            memory.fill(0x19000, 512, (byte) 0x42);
            queue.submit(Buffer.readable(0x18000, 16), Buffer.readable(0x19000, 512), Buffer.writable(0x18100, 1));
            driver.notifyQueue(0);
            assertEquals(VirtioBlock.VIRTIO_BLK_S_OK, memory.readU8(0x18100));
        }
        assertEquals(0x42, Files.readAllBytes(path)[1024 + 17]);
    }

    @Test
    void readOnlyBackendCannotWrite() throws IOException {
        Path path = image(512);
        try (RawFileBackend disk = RawFileBackend.open(path, true)) {
            assertTrue(disk.isReadOnly());
            assertThrows(IOException.class, () -> write(disk, 0, new byte[1]));
            assertThrows(IOException.class, () -> disk.writeZeroes(0, 512));
        }
    }

    @Test
    void scattersOneReadAcrossBuffersAndGathersOneWrite() throws IOException {
        Path path = image(4096);
        try (RawFileBackend disk = RawFileBackend.open(path, false);
                Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(3)) {
            MemorySegment a = arena.allocate(3);
            MemorySegment b = arena.allocate(5);
            iov.add(a);
            iov.add(b);
            assertEquals(8, disk.read(iov, 256));
            assertArrayEquals(new byte[] {0, 1, 2}, a.toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new byte[] {3, 4, 5, 6, 7}, b.toArray(ValueLayout.JAVA_BYTE));
            a.fill((byte) 0x11);
            b.fill((byte) 0x22);
            assertEquals(8, disk.write(iov, 100));
        }
        byte[] after = Files.readAllBytes(path);
        assertArrayEquals(new byte[] {99, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0x22, 108},
                java.util.Arrays.copyOfRange(after, 99, 109));
    }

    @Test
    void readingPastTheEndOfAShrunkenImageIsAnIoErrorNotAnEndlessLoop() throws IOException {
        Path path = image(4096);
        try (RawFileBackend disk = RawFileBackend.open(path, false)) {
            IOException e = assertThrows(IOException.class, () -> read(disk, 4096, 512));
            assertTrue(e.getMessage().contains("end of disk image"), e.getMessage());
        }
    }
}
