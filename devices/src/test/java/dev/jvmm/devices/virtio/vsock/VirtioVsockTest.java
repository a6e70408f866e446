package dev.jvmm.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.virtio.DeviceGuard;
import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.VirtioFeatures;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the VMM and the driver see of the device before any connection: identity, configuration, its socket. */
class VirtioVsockTest {
    @TempDir
    Path dir;

    @Test
    void offersStreamSocketsAndTheTransportFeaturesWithThreeQueuesAndTheGuestCid() {
        VirtioVsock device = new VirtioVsock(0x1234_5678L, dir.resolve("v.sock"));
        assertEquals(VirtioDeviceType.VSOCK, device.deviceType());
        assertEquals(19, device.deviceType());
        assertEquals(VirtioFeatures.TRANSPORT_FEATURES | VirtioVsock.VIRTIO_VSOCK_F_STREAM, device.deviceFeatures());
        assertArrayEquals(new int[] {256, 256, 256}, device.queueMaxSizes());
        assertEquals(0x1234_5678L, device.readConfig(0, 8), "le64 guest_cid");
        assertEquals(0x5678, device.readConfig(0, 2));
        assertEquals(0, device.readConfig(4, 4), "upper 32 bits are zero");
        device.writeConfig(0, 8, 99);
        assertEquals(0x1234_5678L, device.readConfig(0, 8), "read-only");
        assertEquals(0, device.readConfig(8, 4), "nothing beyond the 8 bytes");
    }

    @Test
    void refusesReservedCids() {
        for (long cid : new long[] {0, 1, 2, 0xffff_ffffL, 1L << 32, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new VirtioVsock(cid, dir.resolve("v.sock")));
            assertTrue(e.getMessage().contains(Long.toString(cid)) && e.getMessage().contains("use 3 to 4294967294"),
                    e.getMessage());
        }
        new VirtioVsock(3, dir.resolve("v.sock"));
        new VirtioVsock(0xffff_fffeL, dir.resolve("v.sock"));
    }

    @Test
    void refusesPathsThatDoNotFitAUnixSocketAddressWithThePortSuffix() {
        Path longest = Path.of("/" + "p".repeat(95));
        new VirtioVsock(3, longest);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VirtioVsock(3, Path.of("/" + "p".repeat(96))));
        assertTrue(e.getMessage().contains("97 bytes") && e.getMessage().contains("1 to 96"), e.getMessage());
    }

    @Test
    void listensOnItsPathOnceStartedAndRemovesItOnClose() throws IOException {
        Path uds = dir.resolve("v.sock");
        VirtioVsock device = new VirtioVsock(3, uds);
        assertFalse(Files.exists(uds), "nothing happens before start");
        try (EventLoop loop = new EventLoop("vsock-test", (w, t) -> { })) {
            device.start(loop, DeviceGuard.DIRECT);
            assertTrue(Files.exists(uds));
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
                assertTrue(c.isConnected());
            }
            assertThrows(IllegalStateException.class, () -> device.start(loop, DeviceGuard.DIRECT));
        }
        device.close();
        assertFalse(Files.exists(uds));
    }

    @Test
    void replacesAStaleSocketNobodyListensOn() throws IOException {
        Path uds = dir.resolve("v.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(uds));
        dead.close(); // the file stays, as after a crash
        assertTrue(Files.exists(uds));
        VirtioVsock device = new VirtioVsock(3, uds);
        try (EventLoop loop = new EventLoop("vsock-test", (w, t) -> { })) {
            device.start(loop, DeviceGuard.DIRECT);
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
                assertTrue(c.isConnected());
            }
        } finally {
            device.close();
        }
    }

    @Test
    void refusesAPathAnotherProcessListensOnOrThatIsNotASocket() throws IOException {
        Path uds = dir.resolve("v.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             EventLoop loop = new EventLoop("vsock-test", (w, t) -> { })) {
            live.bind(UnixDomainSocketAddress.of(uds));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new VirtioVsock(3, uds).start(loop, DeviceGuard.DIRECT));
            assertTrue(e.getMessage().contains("another process listens on " + uds), e.getMessage());
            assertTrue(Files.exists(uds), "left alone");

            Path file = dir.resolve("file");
            Files.writeString(file, "data");
            e = assertThrows(IllegalStateException.class, () -> new VirtioVsock(3, file).start(loop, DeviceGuard.DIRECT));
            assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
            assertEquals("data", Files.readString(file), "left alone");
        }
    }
}
