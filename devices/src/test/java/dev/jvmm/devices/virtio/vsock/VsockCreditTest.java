package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_CREDIT_REQUEST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_CREDIT_UPDATE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_REQUEST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RESPONSE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.virtio.vsock.VsockGuest.Packet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credit-based flow control (virtio 1.2 §5.10.6.3) both ways: the device never sends the guest more than its
 * {@code buf_alloc - (tx_cnt - fwd_cnt)}, asks with CREDIT_REQUEST when that is 0 and resumes on CREDIT_UPDATE; it
 * advertises its own per-connection buffer, keeps what a slow host program has not read within it, tells the guest
 * with CREDIT_UPDATE as the host reads, and resets a guest that sends beyond it.
 */
class VsockCreditTest {
    private static final byte[] NONE = new byte[0];
    private static final int DEVICE_BUFFER = 4096;

    @TempDir
    Path dir;

    private VsockGuest guest;

    private Path uds() { return dir.resolve("v.sock"); }

    @AfterEach
    void noFailures() {
        if (guest != null) {
            guest.close();
            assertEquals(List.of(), guest.escaped);
            assertEquals(List.of(), guest.loopFailures);
        }
    }

    private static byte[] pattern(int from, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ((from + i) * 31 + (from + i) / 251);
        }
        return bytes;
    }

    @Test
    void hostDataStopsAtTheGuestsCreditAndResumesOnCreditUpdate() throws IOException {
        guest = new VsockGuest(uds());
        guest.postRx(VsockGuest.QUEUE);
        guest.bufAlloc = 100;
        try (HostProgram host = HostProgram.connect(uds())) {
            host.write("CONNECT 30\n");
            int port = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST").srcPort();
            guest.send(VIRTIO_VSOCK_OP_RESPONSE, 30, port, NONE);
            host.readLine();
            host.write(pattern(0, 300));

            ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (received.size() < 100) {
                received.writeBytes(guest.await(VIRTIO_VSOCK_OP_RW, "data").payload());
            }
            assertEquals(100, received.size(), "no more than buf_alloc before the guest consumed anything");
            Packet ask = guest.await(VIRTIO_VSOCK_OP_CREDIT_REQUEST, "CREDIT_REQUEST");
            assertEquals(port, ask.srcPort());
            assertTrue(guest.drain(100).stream().noneMatch(p -> p.op() == VIRTIO_VSOCK_OP_RW), "stopped at 0 credit");

            for (int consumed = 100; consumed < 300; consumed += 100) {
                guest.fwdCnt = consumed;
                guest.send(VIRTIO_VSOCK_OP_CREDIT_UPDATE, 30, port, NONE);
                while (received.size() < consumed + 100) {
                    received.writeBytes(guest.await(VIRTIO_VSOCK_OP_RW, "data").payload());
                }
                assertEquals(consumed + 100, received.size());
            }
            assertArrayEquals(pattern(0, 300), received.toByteArray());
        }
    }

    @Test
    void aGuestCreditUpdateThatShrinksTheWindowIsRespected() throws IOException {
        guest = new VsockGuest(uds());
        guest.postRx(VsockGuest.QUEUE);
        guest.bufAlloc = 1000;
        try (HostProgram host = HostProgram.connect(uds())) {
            host.write("CONNECT 31\n");
            int port = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST").srcPort();
            guest.bufAlloc = 10;
            guest.send(VIRTIO_VSOCK_OP_RESPONSE, 31, port, NONE);
            host.readLine();
            host.write(pattern(0, 50));
            assertEquals(10, guest.await(VIRTIO_VSOCK_OP_RW, "data").len());
            guest.await(VIRTIO_VSOCK_OP_CREDIT_REQUEST, "CREDIT_REQUEST");
        }
    }

    @Test
    void creditRequestIsAnsweredWithTheDevicesBufferAndForwardCount() throws IOException {
        guest = new VsockGuest(uds(), 4, DEVICE_BUFFER);
        guest.postRx(VsockGuest.QUEUE);
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_8000"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 42000, 8000, NONE);
            guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
            try (HostProgram host = HostProgram.accept(server)) {
                guest.send(VIRTIO_VSOCK_OP_RW, 42000, 8000, pattern(0, 123));
                host.read(123);
                guest.send(VIRTIO_VSOCK_OP_CREDIT_REQUEST, 42000, 8000, NONE);
                Packet update = guest.await(VIRTIO_VSOCK_OP_CREDIT_UPDATE, "CREDIT_UPDATE");
                assertEquals(DEVICE_BUFFER, update.bufAlloc());
                assertEquals(123, update.fwdCnt());
            }
        }
    }

    /** Guest-side credit bookkeeping of one connection, the way a driver keeps it. */
    private static final class Sender {
        long sent;
        long peerFwdCnt;
        int peerBufAlloc = DEVICE_BUFFER;

        long free() { return peerBufAlloc - (sent - peerFwdCnt); }

        void learn(List<Packet> packets) {
            for (Packet p : packets) {
                peerFwdCnt = Math.max(peerFwdCnt, Integer.toUnsignedLong(p.fwdCnt()));
                peerBufAlloc = p.bufAlloc();
            }
        }
    }

    /** Sends within credit until a host program that does not read has stalled the connection. */
    private Sender pumpUntilStalled(int guestPort, int hostPort) {
        Sender s = new Sender();
        while (true) {
            if (s.free() > 0) {
                int n = (int) Math.min(s.free(), 4096);
                guest.send(VIRTIO_VSOCK_OP_RW, guestPort, hostPort, pattern((int) s.sent, n));
                s.sent += n;
                s.learn(guest.drain(0));
                continue;
            }
            List<Packet> later = guest.drain(100);
            s.learn(later);
            if (s.free() == 0) {
                return s;
            }
        }
    }

    @Test
    void aSlowHostProgramStallsTheGuestWithinTheAdvertisedBufferAndReadingResumesIt() throws IOException {
        guest = new VsockGuest(uds(), 4, DEVICE_BUFFER);
        guest.postRx(VsockGuest.QUEUE);
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_8001"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 42001, 8001, NONE);
            guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
            try (HostProgram host = HostProgram.accept(server)) {
                Sender s = pumpUntilStalled(42001, 8001);
                assertTrue(s.sent > DEVICE_BUFFER, "the kernel's socket buffer took some: " + s.sent);
                assertEquals(1, guest.device.ringsAllocated(), "the rest waits in one bounded ring");
                assertNull(guest.brokenInvariant());

                ByteArrayOutputStream read = new ByteArrayOutputStream();
                while (read.size() < s.sent) {
                    byte[] some = host.readAvailable();
                    assertTrue(some != null, "end of stream after " + read.size());
                    read.writeBytes(some);
                    s.learn(guest.drain(some.length == 0 ? 1 : 0));
                }
                assertArrayEquals(pattern(0, (int) s.sent), read.toByteArray());
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (s.free() < DEVICE_BUFFER - DEVICE_BUFFER / 4 && System.nanoTime() < deadline) {
                    s.learn(guest.drain(5));
                }
                assertTrue(s.free() >= DEVICE_BUFFER - DEVICE_BUFFER / 4,
                        "CREDIT_UPDATE tells the guest what the host read: free " + s.free());
                int n = (int) s.free();
                guest.send(VIRTIO_VSOCK_OP_RW, 42001, 8001, pattern((int) s.sent, n));
                assertArrayEquals(pattern((int) s.sent, n), host.read(n));
            }
        }
    }

    @Test
    void aGuestSendingBeyondTheAdvertisedBufferIsReset() throws IOException {
        guest = new VsockGuest(uds(), 4, DEVICE_BUFFER);
        guest.postRx(VsockGuest.QUEUE);
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_8002"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 42002, 8002, NONE);
            guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
            try (HostProgram host = HostProgram.accept(server)) {
                Sender s = pumpUntilStalled(42002, 8002);
                guest.send(VIRTIO_VSOCK_OP_RW, 42002, 8002, new byte[] {1});
                Packet rst = guest.await(VIRTIO_VSOCK_OP_RST, "RST");
                assertEquals(8002, rst.srcPort());
                assertEquals(0, guest.connections());
                ByteArrayOutputStream read = new ByteArrayOutputStream();
                long deadline = System.nanoTime() + 5_000_000_000L;
                byte[] some;
                while ((some = host.readAvailable()) != null && System.nanoTime() < deadline) {
                    read.writeBytes(some);
                }
                assertTrue(some == null, "the host program sees its socket close");
                assertTrue(read.size() < s.sent, "what the device still held is dropped with the connection");
                assertArrayEquals(Arrays.copyOf(pattern(0, (int) s.sent), read.size()), read.toByteArray());
            }
        }
    }

    @Test
    void oneOversizedPacketIsResetEvenWhileTheHostReads() throws IOException {
        guest = new VsockGuest(uds(), 4, DEVICE_BUFFER);
        guest.postRx(VsockGuest.QUEUE);
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_8003"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 42003, 8003, NONE);
            guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
            try (HostProgram host = HostProgram.accept(server)) {
                guest.send(VIRTIO_VSOCK_OP_RW, 42003, 8003, new byte[DEVICE_BUFFER + 1]);
                assertEquals(VIRTIO_VSOCK_OP_RST, guest.await(VIRTIO_VSOCK_OP_RST, "RST").op());
                host.awaitEndOfStream();
                assertFalse(guest.needsReset());
            }
        }
    }
}
