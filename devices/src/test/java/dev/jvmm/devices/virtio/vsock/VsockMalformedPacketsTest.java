package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.readable;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_CREDIT_UPDATE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_INVALID;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_REQUEST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RESPONSE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RW;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_SHUTDOWN;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_TYPE_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jvmm.devices.virtio.vsock.VsockGuest.Packet;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packets no well-behaved driver sends: each is answered with RST (§5.10.6.4 for an unknown type; a connection
 * that broke the protocol is reset) or dropped when there is nobody to answer, and none disturbs the device or
 * the other connections. Headers split across descriptors are fine: the spec does not ask for one descriptor.
 */
class VsockMalformedPacketsTest {
    private static final byte[] NONE = new byte[0];
    private static final int HOST_PORT = 9000;
    private static final int GUEST_PORT = 50000;

    @TempDir
    Path dir;

    private VsockGuest guest;
    private ServerSocketChannel server;
    private HostProgram host;

    private Path uds() { return dir.resolve("v.sock"); }

    @BeforeEach
    void establishOneConnection() throws IOException {
        guest = new VsockGuest(uds());
        guest.postRx(VsockGuest.QUEUE);
        server = HostProgram.listen(Path.of(uds() + "_" + HOST_PORT));
        guest.send(VIRTIO_VSOCK_OP_REQUEST, GUEST_PORT, HOST_PORT, NONE);
        guest.await(VIRTIO_VSOCK_OP_RESPONSE, "RESPONSE");
        host = HostProgram.accept(server);
    }

    @AfterEach
    void deviceIsUnharmed() throws IOException {
        guest.stopLoop();
        assertEquals(null, guest.brokenInvariant());
        host.close();
        server.close();
        guest.close();
        assertEquals(List.of(), guest.escaped);
        assertEquals(List.of(), guest.loopFailures);
        assertFalse(guest.needsReset(), guest.transport.needsResetReason());
    }

    private static byte[] header(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op) {
        return VsockGuest.header(srcCid, dstCid, srcPort, dstPort, len, type, op, 0, 1 << 20, 0);
    }

    private byte[] ours(int op, int len) {
        return header(VsockGuest.GUEST_CID, VirtioVsock.HOST_CID, GUEST_PORT, HOST_PORT, len, VIRTIO_VSOCK_TYPE_STREAM, op);
    }

    /** The established connection still carries bytes. */
    private void connectionStillWorks() throws IOException {
        guest.send(VIRTIO_VSOCK_OP_RW, GUEST_PORT, HOST_PORT, "still".getBytes(StandardCharsets.US_ASCII));
        assertEquals("still", new String(host.read(5), StandardCharsets.US_ASCII));
    }

    private void connectionWasReset() throws IOException {
        Packet rst = guest.await(VIRTIO_VSOCK_OP_RST, "RST");
        assertEquals(HOST_PORT, rst.srcPort());
        assertEquals(GUEST_PORT, rst.dstPort());
        host.awaitEndOfStream();
        assertEquals(0, guest.connections());
    }

    @Test
    void aHeaderAndPayloadSplitAcrossDescriptorsAnywhereIsReassembled() throws IOException {
        byte[] header = ours(VIRTIO_VSOCK_OP_RW, 10);
        long at = guest.txSlot();
        guest.memory.write(at, java.util.Arrays.copyOfRange(header, 0, 7));
        guest.memory.write(at + 100, java.util.Arrays.copyOfRange(header, 7, 44));
        guest.memory.write(at + 200, "split".getBytes(StandardCharsets.US_ASCII));
        guest.memory.write(at + 300, "ted!!".getBytes(StandardCharsets.US_ASCII));
        guest.submitTx(readable(at, 7), readable(at + 100, 37), readable(at + 200, 5), readable(at + 300, 5));
        assertEquals("splitted!!", new String(host.read(10), StandardCharsets.US_ASCII));
        connectionStillWorks();
    }

    @Test
    void aBufferShorterThanAHeaderIsDropped() throws IOException {
        long at = guest.txSlot();
        guest.memory.write(at, java.util.Arrays.copyOf(ours(VIRTIO_VSOCK_OP_RST, 0), 43));
        guest.submitTx(readable(at, 43));
        guest.submitTx(writable(at, 64)); // nothing device-readable at all
        assertEquals(List.of(), guest.drain(20));
        connectionStillWorks();
    }

    @Test
    void aLengthBeyondTheBuffersResetsTheConnection() throws IOException {
        guest.sendRaw(ours(VIRTIO_VSOCK_OP_RW, 100), new byte[99]);
        connectionWasReset();
    }

    @Test
    void aLengthBeyondTheLargestPacketResetsTheConnection() throws IOException {
        guest.sendRaw(ours(VIRTIO_VSOCK_OP_RW, VsockConnection.MAX_PAYLOAD + 1), new byte[100]);
        connectionWasReset();
    }

    @Test
    void lengthsThatOverflowAreMalformed() throws IOException {
        guest.sendRaw(ours(VIRTIO_VSOCK_OP_RW, -1), new byte[16]);
        connectionWasReset();
    }

    @Test
    void packetsWithTheWrongCidsAreDropped() throws IOException {
        for (long[] cids : new long[][] {{4, 2}, {2, 2}, {3 | 1L << 32, 2}, {3, 3}, {3, 2 | 1L << 32}, {-1, -1}}) {
            guest.sendRaw(header(cids[0], cids[1], GUEST_PORT, HOST_PORT, 0, VIRTIO_VSOCK_TYPE_STREAM,
                    VIRTIO_VSOCK_OP_RST), NONE);
            guest.sendRaw(header(cids[0], cids[1], 1, 2, 0, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_REQUEST), NONE);
        }
        assertEquals(List.of(), guest.drain(20), "nobody to answer");
        connectionStillWorks();
    }

    @Test
    void anUnknownTypeIsAnsweredWithRst() throws IOException {
        guest.sendRaw(header(VsockGuest.GUEST_CID, 2, 77, 78, 0, 2 /* SEQPACKET, not offered */,
                VIRTIO_VSOCK_OP_REQUEST), NONE);
        Packet rst = guest.await(VIRTIO_VSOCK_OP_RST, "RST");
        assertEquals(78, rst.srcPort());
        assertEquals(77, rst.dstPort());
        connectionStillWorks();
        guest.sendRaw(header(VsockGuest.GUEST_CID, 2, GUEST_PORT, HOST_PORT, 0, 0, VIRTIO_VSOCK_OP_RW), NONE);
        connectionWasReset();
    }

    @Test
    void anUnknownOpResetsTheConnection() throws IOException {
        guest.sendRaw(ours(99, 0), NONE);
        connectionWasReset();
    }

    @Test
    void theInvalidOpResetsTheConnection() throws IOException {
        guest.sendRaw(ours(VIRTIO_VSOCK_OP_INVALID, 0), NONE);
        connectionWasReset();
    }

    @Test
    void packetsForConnectionsThatDoNotExistAreAnsweredWithRstButRstIsNot() throws IOException {
        for (int op : new int[] {VIRTIO_VSOCK_OP_RESPONSE, VIRTIO_VSOCK_OP_RW, VIRTIO_VSOCK_OP_SHUTDOWN,
                VIRTIO_VSOCK_OP_CREDIT_UPDATE, VsockHeader.VIRTIO_VSOCK_OP_CREDIT_REQUEST}) {
            guest.send(op, 60000 + op, 61000, new byte[op == VIRTIO_VSOCK_OP_RW ? 3 : 0]);
            Packet rst = guest.await(p -> true, "answer to op " + op);
            assertEquals(VIRTIO_VSOCK_OP_RST, rst.op());
            assertEquals(61000, rst.srcPort());
            assertEquals(60000 + op, rst.dstPort());
        }
        guest.send(VIRTIO_VSOCK_OP_RST, 60000, 61000, NONE);
        assertEquals(List.of(), guest.drain(20));
        connectionStillWorks();
    }

    @Test
    void aSecondRequestForALiveConnectionResetsIt() throws IOException {
        guest.send(VIRTIO_VSOCK_OP_REQUEST, GUEST_PORT, HOST_PORT, NONE);
        connectionWasReset();
    }

    @Test
    void aResponseToAGuestInitiatedConnectionResetsIt() throws IOException {
        guest.send(VIRTIO_VSOCK_OP_RESPONSE, GUEST_PORT, HOST_PORT, NONE);
        connectionWasReset();
    }

    @Test
    void dataBeforeTheGuestAcceptedAHostConnectionResetsIt() throws IOException {
        try (HostProgram other = HostProgram.connect(uds())) {
            other.write("CONNECT 5\n");
            Packet request = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST");
            guest.send(VIRTIO_VSOCK_OP_RW, 5, request.srcPort(), new byte[] {1});
            assertEquals(request.srcPort(), guest.await(VIRTIO_VSOCK_OP_RST, "RST").srcPort());
            other.awaitEndOfStream();
        }
        connectionStillWorks();
    }

    @Test
    void aResponseFromAPortThatWasNotAskedIsRefused() throws IOException {
        try (HostProgram other = HostProgram.connect(uds())) {
            other.write("CONNECT 5\n");
            Packet request = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST");
            guest.send(VIRTIO_VSOCK_OP_RESPONSE, 6, request.srcPort(), NONE);
            assertEquals(6, guest.await(VIRTIO_VSOCK_OP_RST, "RST").dstPort());
            guest.send(VIRTIO_VSOCK_OP_RESPONSE, 5, request.srcPort(), NONE);
            assertEquals("OK " + Integer.toUnsignedString(request.srcPort()) + "\n", other.readLine());
        }
    }
}
