package dev.jvmm.devices.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
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
            ByteBuffer in = ByteBuffer.allocate(4);
            disk.read(in, 512);
            assertArrayEquals(new byte[] {0, 1, 2, 3}, in.array());
            disk.write(ByteBuffer.wrap(new byte[] {9, 9}), 1024);
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
    void readOnlyBackendCannotWrite() throws IOException {
        Path path = image(512);
        try (RawFileBackend disk = RawFileBackend.open(path, true)) {
            assertTrue(disk.isReadOnly());
            assertThrows(IOException.class, () -> disk.write(ByteBuffer.allocate(1), 0));
        }
    }
}
