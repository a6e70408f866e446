package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_REQUEST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RESPONSE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RW;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_SHUTDOWN;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_SHUTDOWN_F_SEND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import dev.jvmm.devices.virtio.vsock.VsockGuest.Packet;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections through the device with real Unix sockets on the host side and the real event loop: Firecracker's
 * host-initiated {@code CONNECT}/{@code OK} handshake, guest-initiated connections to {@code <path>_<port>}, data
 * both ways, shutdown and reset as virtio 1.2 §5.10.6.4-5 describe them.
 */
class VsockConnectionsTest {
    private static final byte[] NONE = new byte[0];

    @TempDir
    Path dir;

    private VsockGuest guest;

    private Path uds() { return dir.resolve("v.sock"); }

    private VsockGuest guest() {
        guest = new VsockGuest(uds());
        guest.postRx(VsockGuest.QUEUE);
        return guest;
    }

    @AfterEach
    void noFailures() {
        if (guest != null) {
            guest.close();
            assertEquals(List.of(), guest.escaped, "nothing but a broken queue may leave the device");
            assertEquals(List.of(), guest.loopFailures, "no backend handler may fail");
            assertFalse(guest.needsReset(), guest.transport.needsResetReason());
        }
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    /** Host program CONNECTs to guest port {@code port}; the guest accepts. Returns the host's port. */
    private int hostConnects(HostProgram host, int port) throws IOException {
        host.write("CONNECT " + port + "\n");
        Packet request = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST");
        guest.send(VIRTIO_VSOCK_OP_RESPONSE, port, request.srcPort(), NONE);
        assertEquals("OK " + Integer.toUnsignedString(request.srcPort()) + "\n", host.readLine());
        return request.srcPort();
    }

    @Test
    void hostConnectsToAGuestPortAndBytesEchoBothWays() throws IOException {
        guest();
        try (HostProgram host = HostProgram.connect(uds())) {
            host.write("CONNECT 1234\n");
            Packet request = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST");
            assertEquals(VirtioVsock.HOST_CID, request.srcCid());
            assertEquals(VsockGuest.GUEST_CID, request.dstCid());
            assertEquals(1234, request.dstPort());
            assertEquals(VsockMuxer.FIRST_HOST_PORT, request.srcPort(), "host ports start at 2^30, as Firecracker's");
            assertEquals(VsockHeader.VIRTIO_VSOCK_TYPE_STREAM, request.type());
            assertEquals(VirtioVsock.CONNECTION_BUFFER_BYTES, request.bufAlloc());
            assertEquals(0, request.fwdCnt());

            guest.send(VIRTIO_VSOCK_OP_RESPONSE, 1234, request.srcPort(), NONE);
            assertEquals("OK 1073741824\n", host.readLine());

            host.write("ping");
            Packet data = guest.await(VIRTIO_VSOCK_OP_RW, "data");
            assertEquals("ping", new String(data.payload(), StandardCharsets.US_ASCII));
            assertEquals(4, data.len());
            assertEquals(1234, data.dstPort());

            guest.send(VIRTIO_VSOCK_OP_RW, 1234, request.srcPort(), ascii("pong!"));
            assertEquals("pong!", new String(host.read(5), StandardCharsets.US_ASCII));

            guest.send(VIRTIO_VSOCK_OP_RST, 1234, request.srcPort(), NONE);
            host.awaitEndOfStream();
            assertEquals(0, guest.connections());
        }
    }

    @Test
    void bytesAfterTheConnectLineWaitForTheGuestAndArriveFirst() throws IOException {
        guest();
        try (HostProgram host = HostProgram.connect(uds())) {
            host.write("CONNECT 7\nearly bytes");
            Packet request = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST");
            assertTrue(guest.drain(50).isEmpty(), "no data before the guest answers");
            guest.send(VIRTIO_VSOCK_OP_RESPONSE, 7, request.srcPort(), NONE);
            assertEquals("OK " + Integer.toUnsignedString(request.srcPort()) + "\n", host.readLine());
            assertEquals("early bytes", new String(guest.await(VIRTIO_VSOCK_OP_RW, "data").payload(),
                    StandardCharsets.US_ASCII));
        }
    }

    @Test
    void eachHostConnectionGetsItsOwnHostPort() throws IOException {
        guest();
        try (HostProgram a = HostProgram.connect(uds()); HostProgram b = HostProgram.connect(uds())) {
            int portA = hostConnects(a, 80);
            int portB = hostConnects(b, 80);
            assertEquals(portA + 1, portB);
            a.write("a");
            b.write("b");
            Packet first = guest.await(VIRTIO_VSOCK_OP_RW, "data");
            Packet second = guest.await(VIRTIO_VSOCK_OP_RW, "data");
            assertEquals(first.srcPort() == portA ? "a" : "b", new String(first.payload(), StandardCharsets.US_ASCII));
            assertEquals(second.srcPort() == portA ? "a" : "b", new String(second.payload(), StandardCharsets.US_ASCII));
            assertEquals(2, guest.connections());
        }
    }

    @Test
    void guestRstInsteadOfResponseClosesTheHostProgramsSocket() throws IOException {
        guest();
        try (HostProgram host = HostProgram.connect(uds())) {
            host.write("CONNECT 99\n");
            Packet request = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST");
            guest.send(VIRTIO_VSOCK_OP_RST, 99, request.srcPort(), NONE); // nobody listens on guest port 99
            host.awaitEndOfStream();
            assertEquals(0, guest.connections());
        }
    }

    @Test
    void aMalformedConnectLineClosesTheHostSocketWithoutTellingTheGuest() throws IOException {
        guest();
        for (String line : List.of("HELLO\n", "CONNECT\n", "CONNECT -1\n", "CONNECT 4294967296\n", "connect 5\n",
                "CONNECT 5 \n", "CONNECT " + "9".repeat(40) + "\n")) {
            try (HostProgram host = HostProgram.connect(uds())) {
                host.write(line);
                host.awaitEndOfStream();
            }
        }
        try (HostProgram host = HostProgram.connect(uds())) {
            host.write("CONN");
            host.channel.shutdownOutput(); // end of stream in the middle of the line
            host.awaitEndOfStream();
        }
        assertEquals(List.of(), guest.drain(50));
        assertEquals(0, guest.connections());
    }

    @Test
    void guestConnectsToTheProgramListeningAtPathUnderscorePort() throws IOException {
        guest();
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_5000"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 40000, 5000, NONE);
            Packet response = guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
            assertEquals(5000, response.srcPort());
            assertEquals(40000, response.dstPort());
            assertEquals(VirtioVsock.CONNECTION_BUFFER_BYTES, response.bufAlloc());
            try (HostProgram host = HostProgram.accept(server)) {
                guest.send(VIRTIO_VSOCK_OP_RW, 40000, 5000, ascii("hello host"));
                assertEquals("hello host", new String(host.read(10), StandardCharsets.US_ASCII));
                host.write("hello guest");
                Packet data = guest.await(VIRTIO_VSOCK_OP_RW, "data");
                assertEquals("hello guest", new String(data.payload(), StandardCharsets.US_ASCII));
                assertEquals(10, data.fwdCnt(), "every packet tells the guest what reached the host");
            }
        }
    }

    @Test
    void guestConnectionWithNobodyListeningIsReset() throws IOException {
        guest();
        guest.send(VIRTIO_VSOCK_OP_REQUEST, 40001, 5001, NONE);
        Packet rst = guest.await(p -> p.op() != VIRTIO_VSOCK_OP_RW, "an answer");
        assertEquals(VIRTIO_VSOCK_OP_RST, rst.op());
        assertEquals(5001, rst.srcPort());
        assertEquals(40001, rst.dstPort());

        // A socket file nobody listens on is the same as none.
        try (ServerSocketChannel bound = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            bound.bind(java.net.UnixDomainSocketAddress.of(Path.of(uds() + "_5002")));
            bound.close();
        }
        guest.send(VIRTIO_VSOCK_OP_REQUEST, 40002, 5002, NONE);
        assertEquals(VIRTIO_VSOCK_OP_RST, guest.await(p -> p.dstPort() == 40002, "an answer").op());
        assertEquals(0, guest.connections());
    }

    @Test
    void guestShutdownOfBothDirectionsEndsTheHostStreamAndIsAnsweredWithRst() throws IOException {
        guest();
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_6000"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 41000, 6000, NONE);
            guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
            try (HostProgram host = HostProgram.accept(server)) {
                guest.send(VIRTIO_VSOCK_OP_RW, 41000, 6000, ascii("last words"));
                guest.send(VIRTIO_VSOCK_OP_SHUTDOWN, 41000, 6000,
                        VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE | VIRTIO_VSOCK_SHUTDOWN_F_SEND, NONE);
                assertEquals("last words", new String(host.read(10), StandardCharsets.US_ASCII));
                host.awaitEndOfStream();
                Packet rst = guest.await(VIRTIO_VSOCK_OP_RST, "RST");
                assertEquals(6000, rst.srcPort());
                assertEquals(0, guest.connections());
            }
        }
    }

    @Test
    void guestShutdownOfSendingHalfClosesAndTheHostCanStillAnswer() throws IOException {
        guest();
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_6001"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 41001, 6001, NONE);
            guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
            try (HostProgram host = HostProgram.accept(server)) {
                guest.send(VIRTIO_VSOCK_OP_RW, 41001, 6001, ascii("question"));
                guest.send(VIRTIO_VSOCK_OP_SHUTDOWN, 41001, 6001, VIRTIO_VSOCK_SHUTDOWN_F_SEND, NONE);
                assertEquals("question", new String(host.read(8), StandardCharsets.US_ASCII));
                host.awaitEndOfStream();
                host.write("answer");
                assertEquals("answer", new String(guest.await(VIRTIO_VSOCK_OP_RW, "answer").payload(),
                        StandardCharsets.US_ASCII));
                guest.send(VIRTIO_VSOCK_OP_RW, 41001, 6001, ascii("more"));
                assertEquals(VIRTIO_VSOCK_OP_RST, guest.await(VIRTIO_VSOCK_OP_RST, "RST for data after SHUTDOWN(SEND)")
                        .op());
            }
        }
    }

    @Test
    void hostClosingSendsShutdownOfBothDirectionsAfterItsLastBytes() throws IOException {
        guest();
        HostProgram host = HostProgram.connect(uds());
        int port = hostConnects(host, 22);
        host.write("bye");
        host.close();
        Packet data = guest.await(VIRTIO_VSOCK_OP_RW, "last bytes");
        assertEquals("bye", new String(data.payload(), StandardCharsets.US_ASCII));
        Packet shutdown = guest.await(VIRTIO_VSOCK_OP_SHUTDOWN, "SHUTDOWN");
        assertEquals(VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE | VIRTIO_VSOCK_SHUTDOWN_F_SEND, shutdown.flags());
        assertEquals(port, shutdown.srcPort());
        assertEquals(0, guest.connections(), "nothing can flow any more: the connection is gone");
        guest.send(VIRTIO_VSOCK_OP_RST, 22, port, NONE); // the guest's clean-close reply finds nothing
        assertEquals(List.of(), guest.drain(20));
    }

    @Test
    void hostHalfCloseSendsShutdownOfSendingOnlyAndStillReceives() throws IOException {
        guest();
        try (HostProgram host = HostProgram.connect(uds())) {
            int port = hostConnects(host, 23);
            host.channel.shutdownOutput();
            Packet shutdown = guest.await(VIRTIO_VSOCK_OP_SHUTDOWN, "SHUTDOWN");
            assertEquals(VIRTIO_VSOCK_SHUTDOWN_F_SEND, shutdown.flags());
            guest.send(VIRTIO_VSOCK_OP_RW, 23, port, ascii("reply"));
            assertEquals("reply", new String(host.read(5), StandardCharsets.US_ASCII));
            guest.send(VIRTIO_VSOCK_OP_SHUTDOWN, 23, port,
                    VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE | VIRTIO_VSOCK_SHUTDOWN_F_SEND, NONE);
            host.awaitEndOfStream();
            assertEquals(VIRTIO_VSOCK_OP_RST, guest.await(VIRTIO_VSOCK_OP_RST, "RST").op());
        }
    }

    @Test
    void aDeviceResetClosesEveryHostSocketAndConnectionsAreRefusedUntilTheDriverIsBack() throws IOException {
        guest();
        try (HostProgram host = HostProgram.connect(uds())) {
            hostConnects(host, 24);
            guest.driver.write(VirtioMmioTransport.STATUS, 0);
            host.awaitEndOfStream();
            assertEquals(0, guest.connections());
        }
        try (HostProgram early = HostProgram.connect(uds())) {
            early.writeUnlessRefused("CONNECT 24\n");
            early.awaitEndOfStream();
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefused() throws IOException {
        guest = new VsockGuest(uds(), 2, 4096);
        guest.postRx(VsockGuest.QUEUE);
        try (ServerSocketChannel server = HostProgram.listen(Path.of(uds() + "_7000"))) {
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 1, 7000, NONE);
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 2, 7000, NONE);
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 3, 7000, NONE);
            assertEquals(VIRTIO_VSOCK_OP_RESPONSE, guest.await(p -> p.dstPort() == 1, "answer to port 1").op());
            assertEquals(VIRTIO_VSOCK_OP_RESPONSE, guest.await(p -> p.dstPort() == 2, "answer to port 2").op());
            assertEquals(VIRTIO_VSOCK_OP_RST, guest.await(p -> p.dstPort() == 3, "answer to port 3").op());
            try (HostProgram host = HostProgram.connect(uds())) {
                host.writeUnlessRefused("CONNECT 9\n");
                host.awaitEndOfStream(); // established connections are never reclaimed
            }
            assertEquals(2, guest.connections());
            guest.send(VIRTIO_VSOCK_OP_RST, 1, 7000, NONE);
            guest.send(VIRTIO_VSOCK_OP_REQUEST, 3, 7000, NONE);
            assertEquals(VIRTIO_VSOCK_OP_RESPONSE, guest.await(p -> p.dstPort() == 3, "answer to port 3").op());
        }
        assertNull(guest.brokenInvariant());
    }

    @Test
    void manyConnectionsCarryTheirOwnBytes() throws IOException {
        guest();
        int count = 8;
        HostProgram[] hosts = new HostProgram[count];
        int[] ports = new int[count];
        try {
            for (int i = 0; i < count; i++) {
                hosts[i] = HostProgram.connect(uds());
                ports[i] = hostConnects(hosts[i], 100 + i);
            }
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < count; i++) {
                    guest.send(VIRTIO_VSOCK_OP_RW, 100 + i, ports[i], ascii("r" + round + "c" + i + ";"));
                }
            }
            for (int i = 0; i < count; i++) {
                StringBuilder expected = new StringBuilder();
                for (int round = 0; round < 20; round++) {
                    expected.append("r").append(round).append("c").append(i).append(";");
                }
                assertArrayEquals(ascii(expected.toString()), hosts[i].read(expected.length()));
            }
        } finally {
            for (HostProgram h : hosts) {
                if (h != null) {
                    h.close();
                }
            }
        }
    }
}
