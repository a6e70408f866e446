package dev.jvmm.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.bindings.libc.sockaddr_un;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AF_UNIX stream sockets through {@link Libc}: non-blocking, errors as values where callers act on them. */
class LibcSocketTest {
    private static final int STREAM = libc_h.SOCK_STREAM() | libc_h.SOCK_NONBLOCK();

    @TempDir
    Path dir;

    @Test
    void listenConnectAcceptThenBytesFlowBothWaysAndShutdownIsEndOfStream() {
        String path = dir.resolve("s").toString();
        int listener = Libc.socket(libc_h.AF_UNIX(), STREAM, 0);
        int client = Libc.socket(libc_h.AF_UNIX(), STREAM, 0);
        int server = -1;
        try (Arena arena = Arena.ofConfined()) {
            Libc.bind(listener, Libc.sockaddrUn(path, arena));
            Libc.listen(listener, 8);
            assertEquals(-1, Libc.accept4(listener, libc_h.SOCK_NONBLOCK()), "nothing pending is -1, not an error");
            assertEquals(0, Libc.connect(client, Libc.sockaddrUn(path, arena)));
            server = Libc.accept4(listener, libc_h.SOCK_NONBLOCK());
            assertTrue(server >= 0);

            MemorySegment buf = arena.allocate(16);
            assertEquals(-1, Libc.recv(server, buf, 0), "EAGAIN on an empty non-blocking socket");
            MemorySegment hello = arena.allocateFrom("hello", StandardCharsets.US_ASCII);
            assertEquals(6, Libc.send(client, hello, 0));
            assertEquals(6, Libc.recv(server, buf, libc_h.MSG_PEEK()), "peek leaves the bytes");
            assertEquals(6, Libc.recv(server, buf, 0));
            assertEquals("hello", buf.getString(0, StandardCharsets.US_ASCII));

            Libc.shutdown(client, libc_h.SHUT_WR());
            assertEquals(0, Libc.recv(server, buf, 0), "the peer's SHUT_WR reads as end of stream");
            assertEquals(6, Libc.send(server, hello, 0), "the other direction stays open");
            assertEquals(6, Libc.recv(client, buf, 0));
        } finally {
            Libc.close(client);
            if (server >= 0) {
                Libc.close(server);
            }
            Libc.close(listener);
        }
    }

    @Test
    void sendingToAClosedPeerIsEpipeNotSigpipe() {
        String path = dir.resolve("s").toString();
        int listener = Libc.socket(libc_h.AF_UNIX(), STREAM, 0);
        int client = Libc.socket(libc_h.AF_UNIX(), STREAM, 0);
        try (Arena arena = Arena.ofConfined()) {
            Libc.bind(listener, Libc.sockaddrUn(path, arena));
            Libc.listen(listener, 8);
            assertEquals(0, Libc.connect(client, Libc.sockaddrUn(path, arena)));
            Libc.close(Libc.accept4(listener, 0));
            SyscallException e = assertThrows(SyscallException.class,
                () -> Libc.send(client, arena.allocate(4), 0));
            assertEquals("EPIPE", e.errnoName());
        } finally {
            Libc.close(client);
            Libc.close(listener);
        }
    }

    @Test
    void connectReturnsRefusalsAsNegativeErrno() throws Exception {
        int client = Libc.socket(libc_h.AF_UNIX(), STREAM, 0);
        int bound = Libc.socket(libc_h.AF_UNIX(), STREAM, 0);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(-libc_h.ENOENT(), Libc.connect(client, Libc.sockaddrUn(dir.resolve("none").toString(), arena)));
            Path notListening = dir.resolve("bound");
            Libc.bind(bound, Libc.sockaddrUn(notListening.toString(), arena));
            assertTrue(Files.exists(notListening));
            assertEquals(-libc_h.ECONNREFUSED(), Libc.connect(client, Libc.sockaddrUn(notListening.toString(), arena)));
        } finally {
            Libc.close(client);
            Libc.close(bound);
        }
    }

    @Test
    void sockaddrUnHoldsThePathNulTerminatedAndRefusesWhatDoesNotFit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = Libc.sockaddrUn("/tmp/v.sock", arena);
            assertEquals(libc_h.AF_UNIX(), sockaddr_un.sun_family(address));
            assertEquals("/tmp/v.sock", sockaddr_un.sun_path(address).getString(0, StandardCharsets.UTF_8));
            assertEquals(0, sockaddr_un.sun_path(address).get(ValueLayout.JAVA_BYTE, 11));
            String longest = "/" + "a".repeat(106);
            assertEquals(107, longest.length());
            Libc.sockaddrUn(longest, arena);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Libc.sockaddrUn(longest + "a", arena));
            assertTrue(e.getMessage().contains("108 bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Libc.sockaddrUn("", arena));
            assertThrows(IllegalArgumentException.class, () -> Libc.sockaddrUn("a\0b", arena));
        }
    }
}
