package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_CREDIT_UPDATE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_REQUEST;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RESPONSE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_OP_RW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jvmm.devices.virtio.vsock.VsockGuest.Packet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rx buffers of any shape: too small for a header (returned unused), exactly a header (control packets only; a
 * data packet waits for a bigger one), or a header split across descriptors. Packets wait outside the queue while
 * the driver posts no buffers at all.
 */
class VsockRxBuffersTest {
    @TempDir
    Path dir;

    private static final long AREA = 0x20000;

    @Test
    void packetsWaitForRxBuffersAndUseWhateverShapeTheDriverGives() throws IOException {
        Path uds = dir.resolve("v.sock");
        VsockGuest guest = new VsockGuest(uds);
        guest.autoRefill = false;
        try (HostProgram host = HostProgram.connect(uds)) {
            host.write("CONNECT 5\nx");
            assertEquals(List.of(), guest.drain(50), "no rx buffers: the REQUEST waits");

            guest.postRx(writable(AREA, 10));
            assertEquals(List.of(), guest.drain(20));
            assertEquals(1, guest.unused, "a buffer too small for a header comes back unused");

            guest.postRx(writable(AREA + 0x100, VsockHeader.SIZE));
            Packet request = guest.await(VIRTIO_VSOCK_OP_REQUEST, "REQUEST");
            guest.send(VIRTIO_VSOCK_OP_RESPONSE, 5, request.srcPort(), new byte[0]);
            host.readLine();

            guest.postRx(writable(AREA + 0x200, VsockHeader.SIZE));
            assertEquals(VIRTIO_VSOCK_OP_CREDIT_UPDATE, guest.await(p -> true, "a packet").op(),
                    "no room for data: the header-only buffer carries our credit");

            guest.postRx(writable(AREA + 0x300, 20), writable(AREA + 0x400, 24), writable(AREA + 0x500, 100));
            Packet data = guest.await(VIRTIO_VSOCK_OP_RW, "data");
            assertArrayEquals(new byte[] {'x'}, data.payload());
            assertEquals(request.srcPort(), data.srcPort());
            assertEquals(1, data.len());
        } finally {
            guest.close();
        }
        assertEquals(List.of(), guest.escaped);
        assertEquals(List.of(), guest.loopFailures);
        assertFalse(guest.needsReset());
    }
}
