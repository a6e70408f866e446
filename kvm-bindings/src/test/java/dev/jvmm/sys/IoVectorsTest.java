package dev.jvmm.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.bindings.libc.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** readv/writev through {@link IoVectors}: entries in order, errors as -errno, no entry into dead or heap memory. */
class IoVectorsTest {

    @TempDir
    Path dir;

    @Test
    void writevGathersTheEntriesInOrder() throws Exception {
        Path file = dir.resolve("out");
        int fd = Libc.open(file.toString(), libc_h.O_RDWR() | libc_h.O_CREAT(), 0600);
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(4)) {
            iov.add(arena.allocateFrom("hello, ", StandardCharsets.US_ASCII).asSlice(0, 7));
            iov.add(arena.allocate(0));
            iov.add(arena.allocateFrom("world", StandardCharsets.US_ASCII).asSlice(0, 5));
            assertEquals(2, iov.count(), "an empty buffer takes no entry");
            assertEquals(12, iov.byteSize());
            assertEquals(12, Libc.writevNoThrow(fd, iov));
        } finally {
            Libc.close(fd);
        }
        assertEquals("hello, world", Files.readString(file));
    }

    @Test
    void preadvAndPwritevTransferAtAnOffsetWithoutMovingTheFilePosition() throws Exception {
        Path file = dir.resolve("positioned");
        Files.writeString(file, "0123456789");
        int fd = Libc.open(file.toString(), libc_h.O_RDWR());
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(2)) {
            MemorySegment first = arena.allocate(2);
            MemorySegment second = arena.allocate(5);
            assertTrue(iov.add(first) && iov.add(second));
            assertEquals(7, Libc.preadvNoThrow(fd, iov, 3));
            assertEquals("34", string(first));
            assertEquals("56789", string(second));
            assertEquals(2, Libc.preadvNoThrow(fd, iov, 8), "short at end of file");
            assertEquals(0, Libc.preadvNoThrow(fd, iov, 10), "end of file");
            first.copyFrom(arena.allocateFrom("ab", StandardCharsets.US_ASCII).asSlice(0, 2));
            second.copyFrom(arena.allocateFrom("cdefg", StandardCharsets.US_ASCII).asSlice(0, 5));
            assertEquals(7, Libc.pwritevNoThrow(fd, iov, 1));
            assertEquals(-Errno.EINVAL, Libc.preadvNoThrow(fd, iov, -1), "a negative offset");
            assertEquals(-libc_h.EBADF(), Libc.pwritevNoThrow(-1, iov, 0));
        } finally {
            Libc.close(fd);
        }
        assertEquals("0abcdefg89", Files.readString(file), "the positioned calls left the position at 0");
    }

    @Test
    void readvScattersAcrossEntriesAndReportsTheBytesRead() throws Exception {
        Path file = dir.resolve("in");
        Files.writeString(file, "abcdefgh");
        int fd = Libc.open(file.toString(), libc_h.O_RDONLY());
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(3)) {
            MemorySegment first = arena.allocate(2);
            MemorySegment second = arena.allocate(3);
            MemorySegment third = arena.allocate(10);
            assertTrue(iov.add(first) && iov.add(second) && iov.add(third));
            assertEquals(8, Libc.readvNoThrow(fd, iov));
            assertEquals("ab", string(first));
            assertEquals("cde", string(second));
            assertEquals("fgh", string(third.asSlice(0, 3)));
            assertEquals(0, Libc.readvNoThrow(fd, iov), "end of file");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aSingleEntryMovesExactlyItsRange() throws Exception {
        Path file = dir.resolve("single");
        int fd = Libc.open(file.toString(), libc_h.O_RDWR() | libc_h.O_CREAT(), 0600);
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(2)) {
            MemorySegment text = arena.allocateFrom("0123456789", StandardCharsets.US_ASCII);
            assertTrue(iov.add(text, 3, 4));
            assertEquals(4, Libc.writevNoThrow(fd, iov));
            assertEquals("3456", Files.readString(file));

            Libc.close(fd);
            fd = Libc.open(file.toString(), libc_h.O_RDONLY());
            MemorySegment into = arena.allocate(8).fill((byte) '.');
            assertTrue(iov.clear().add(into, 1, 6));
            assertEquals(4, Libc.readvNoThrow(fd, iov), "the whole file, into the middle of the buffer");
            assertEquals(".3456...", new String(into.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void failuresComeBackAsMinusErrno() {
        int efd = Libc.eventfd(0, libc_h.EFD_NONBLOCK());
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(1)) {
            iov.add(arena.allocate(8));
            assertEquals(-Errno.EAGAIN, Libc.readvNoThrow(efd, iov), "an empty non-blocking eventfd");
            assertEquals(-libc_h.EBADF(), Libc.writevNoThrow(-1, iov));
        } finally {
            Libc.close(efd);
        }
    }

    @Test
    void addReportsAFullArrayAndRefusesHeapMemory() {
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(1)) {
            assertTrue(iov.add(arena.allocate(4)));
            assertFalse(iov.add(arena.allocate(4)));
            assertEquals(1, iov.count());
            assertThrows(IllegalArgumentException.class, () -> iov.add(MemorySegment.ofArray(new byte[4])));
            assertEquals(0, iov.clear().count());
        }
        assertThrows(IllegalArgumentException.class, () -> new IoVectors(0));
        assertThrows(IllegalArgumentException.class, () -> new IoVectors(IoVectors.MAX_ENTRIES + 1));
    }

    @Test
    void aRangeOfASegmentIsAnEntryAndMustLieInside() throws Exception {
        Path file = dir.resolve("range");
        int fd = Libc.open(file.toString(), libc_h.O_RDWR() | libc_h.O_CREAT(), 0600);
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(2)) {
            MemorySegment text = arena.allocateFrom("0123456789", StandardCharsets.US_ASCII);
            assertTrue(iov.add(text, 2, 3));
            assertTrue(iov.add(text, 9, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> iov.add(text, 9, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> iov.add(text, -1, 1));
            assertEquals(4, Libc.writevNoThrow(fd, iov));
        } finally {
            Libc.close(fd);
        }
        assertEquals("2349", Files.readString(file));
    }

    @Test
    void neverHandsTheKernelFreedOrReadOnlyMemory() throws Exception {
        Path file = dir.resolve("in");
        Files.writeString(file, "data");
        int fd = Libc.open(file.toString(), libc_h.O_RDONLY());
        try (IoVectors iov = new IoVectors(2)) {
            Arena arena = Arena.ofConfined();
            iov.add(arena.allocate(4));
            arena.close();
            assertThrows(IllegalStateException.class, () -> Libc.readvNoThrow(fd, iov));
            try (Arena live = Arena.ofConfined()) {
                iov.clear().add(live.allocate(4).asReadOnly());
                assertThrows(IllegalStateException.class, () -> Libc.readvNoThrow(fd, iov));
            }
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void gatherAndScatterCopyThroughTheEntries() {
        try (Arena arena = Arena.ofConfined(); IoVectors iov = new IoVectors(2)) {
            MemorySegment a = arena.allocate(3);
            MemorySegment b = arena.allocate(3);
            iov.add(a);
            iov.add(b);
            assertEquals(5, iov.scatter("12345".getBytes(StandardCharsets.US_ASCII), 5));
            assertEquals("123", string(a));
            assertEquals('5', b.get(ValueLayout.JAVA_BYTE, 1));
            byte[] out = new byte[4];
            assertEquals(4, iov.gather(out));
            assertArrayEquals("1234".getBytes(StandardCharsets.US_ASCII), out);
        }
    }

    private static String string(MemorySegment segment) {
        return new String(segment.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
    }
}
