package dev.jvmm.devices.virtio.net;

import static dev.jvmm.devices.virtio.net.NetDriver.ethernetFrame;
import static dev.jvmm.devices.virtio.net.NetDriver.header;
import static dev.jvmm.devices.virtio.net.NetDriver.plainHeader;
import static dev.jvmm.devices.virtio.net.NetDriver.u16;
import static dev.jvmm.devices.virtio.net.NetFeatures.*;
import static dev.jvmm.devices.virtio.net.VirtioNetHeader.VIRTIO_NET_HDR_F_DATA_VALID;
import static dev.jvmm.devices.virtio.net.VirtioNetHeader.VIRTIO_NET_HDR_F_NEEDS_CSUM;
import static dev.jvmm.devices.virtio.net.VirtioNetHeader.VIRTIO_NET_HDR_GSO_ECN;
import static dev.jvmm.devices.virtio.net.VirtioNetHeader.VIRTIO_NET_HDR_GSO_TCPV4;
import static dev.jvmm.devices.virtio.net.VirtioNetHeader.VIRTIO_NET_HDR_GSO_TCPV6;
import static dev.jvmm.devices.virtio.net.VirtioNetHeader.VIRTIO_NET_HDR_GSO_UDP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtqueueDriver.Buffer;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import dev.jvmm.sys.Errno;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The network device through the MMIO transport and an in-memory backend, driven the way Linux's driver does. */
class VirtioNetTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    private static final int ALL_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO;
    private static final long EVERYTHING = -1L;
    private static final long PLAIN = VirtioFeatures.VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS;

    private MemoryNetBackend backend;
    private VirtioNet device;

    private NetDriver driver(int offloads) {
        backend = new MemoryNetBackend(offloads);
        device = new VirtioNet(backend, MAC);
        return new NetDriver(device);
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
    }


    @Test
    void offersMacStatusAndNoOffloadOverABackendWithout() {
        NetDriver d = driver(0);
        long offered = d.mmio.deviceFeatures();
        assertEquals(VirtioDeviceType.NET, d.mmio.read(VirtioMmioTransport.DEVICE_ID));
        assertEquals(VirtioFeatures.TRANSPORT_FEATURES | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS, offered);
    }

    @Test
    void offersOnlyTheOffloadsTheBackendSupports() {
        long offered = driver(TUN_F_CSUM | TUN_F_TSO4).mmio.deviceFeatures();
        assertEquals(VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_HOST_TSO4,
                offered & 0xffff & ~(VIRTIO_NET_F_MAC));
        long full = driver(ALL_OFFLOADS).mmio.deviceFeatures();
        long allOffloads = VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4
                | VIRTIO_NET_F_GUEST_TSO6 | VIRTIO_NET_F_GUEST_ECN | VIRTIO_NET_F_GUEST_UFO | VIRTIO_NET_F_HOST_TSO4
                | VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_HOST_ECN | VIRTIO_NET_F_HOST_UFO;
        assertEquals(allOffloads, full & allOffloads);
        assertEquals(0, full & (VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_CTRL_VQ | VIRTIO_NET_F_MQ | VIRTIO_NET_F_MTU));
    }

    @Test
    void tsoWithoutChecksumOffloadIsNotOffered() {
        assertEquals(0, driver(TUN_F_TSO4 | TUN_F_UFO).mmio.deviceFeatures() & 0x7fdf);
    }

    @Test
    void configurationSpaceHoldsTheMacAndLinkUp() {
        NetDriver d = driver(0);
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) d.transport.read(VirtioMmioTransport.CONFIG + i, 1);
        }
        assertArrayEquals(MAC.octets(), mac);
        assertEquals(VirtioNet.VIRTIO_NET_S_LINK_UP, d.transport.read(VirtioMmioTransport.CONFIG + 6, 2));
        d.transport.write(VirtioMmioTransport.CONFIG, 4, 0xffffffffL);
        d.transport.write(VirtioMmioTransport.CONFIG + 6, 2, 0);
        assertEquals(0x12005452L, d.transport.read(VirtioMmioTransport.CONFIG, 4), "writes are ignored");
        assertTrue(device.isLinkUp());
    }

    @Test
    void backendOffloadsFollowWhatTheDriverAcceptedAndAreOffAfterReset() {
        NetDriver d = driver(ALL_OFFLOADS);
        assertEquals(List.of(), backend.offloadHistory(), "nothing is turned on before the driver accepts it");
        d.start(PLAIN | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_ECN);
        assertEquals(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN, backend.offloads());
        d.resetDevice();
        assertEquals(0, backend.offloads());
        d.start(PLAIN | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_UFO);
        assertEquals(0, backend.offloads(), "segmentation offloads need GUEST_CSUM (§5.1.3.1)");
    }


    @Test
    void transmitsTheHeaderAndFrameOfAChainInOnePiece() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, 60, 1);
        int head = d.send(plainHeader(), frame);
        assertEquals(1, backend.outbound().size());
        assertArrayEquals(NetDriver.concat(plainHeader(), frame), backend.outbound().getFirst());
        assertEquals(1, d.tx.usedIdx());
        assertEquals(head, d.tx.usedId(0));
        assertEquals(0, d.tx.usedLen(0), "the device writes nothing into transmit buffers");
        assertEquals(1, device.counters().txFrames());
        assertEquals(60, device.counters().txBytes());
        assertTrue(d.line.level(), "used buffer notification");
    }

    @Test
    void transmitsChainsSplitAnywhereEvenInsideTheHeader() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, 1514, 2);
        for (int piece : new int[] {7, 12, 13, 700}) {
            d.send(plainHeader(), frame, piece);
        }
        Buffer[] header = d.readable(plainHeader(), 1);
        Buffer[] body = d.readable(frame, 1000);
        Buffer[] chain = Arrays.copyOf(header, header.length + body.length);
        System.arraycopy(body, 0, chain, header.length, body.length);
        d.tx.submit(chain);
        d.notifyTx();
        assertEquals(5, backend.outbound().size());
        for (byte[] sent : backend.outbound()) {
            assertArrayEquals(NetDriver.concat(plainHeader(), frame), sent);
        }
    }

    @Test
    void transmitsAChainFromAnIndirectTable() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, 100, 3);
        d.tx.submitIndirect(NetDriver.INDIRECT, d.readable(NetDriver.concat(plainHeader(), frame), 10));
        d.notifyTx();
        assertArrayEquals(NetDriver.concat(plainHeader(), frame), backend.outbound().getFirst());
    }

    @Test
    void transmitForwardsAPartialChecksumAndGsoTheDriverNegotiated() {
        NetDriver d = driver(ALL_OFFLOADS);
        d.start(EVERYTHING);
        byte[] tso = header(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1448, 34, 16);
        d.send(tso, ethernetFrame(MAC, 9000, 4));
        d.send(header(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_UDP, 1472, 34, 6), ethernetFrame(MAC, 3000, 5));
        d.send(header(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 1428, 54, 16), ethernetFrame(MAC, 3000, 6));
        assertEquals(3, backend.outbound().size());
        assertArrayEquals(tso, Arrays.copyOf(backend.outbound().getFirst(), VirtioNetHeader.BYTES));
    }

    @Test
    void transmitClearsFlagsTheDeviceIgnoresAndNumBuffers() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] h = header(VIRTIO_NET_HDR_F_DATA_VALID | 0xf0, 0, 0, 0, 0);
        NetDriver.putU16(h, 10, 7);
        d.send(h, ethernetFrame(MAC, 60, 7));
        assertArrayEquals(plainHeader(), Arrays.copyOf(backend.outbound().getFirst(), VirtioNetHeader.BYTES));
    }

    @Test
    void transmitDropsChainsTheFeaturesForbidOrThatAreTooShortOrLong() {
        NetDriver d = driver(TUN_F_CSUM | TUN_F_TSO4);
        d.start(PLAIN | VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4);
        byte[] frame = ethernetFrame(MAC, 100, 8);
        d.send(header(0, VIRTIO_NET_HDR_GSO_TCPV6, 1400, 0, 0), frame);          // HOST_TSO6 not negotiated
        d.send(header(0, VIRTIO_NET_HDR_GSO_UDP, 1400, 0, 0), frame);            // HOST_UFO not negotiated
        d.send(header(0, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1400, 0, 0), frame); // no HOST_ECN
        d.send(header(0, VIRTIO_NET_HDR_GSO_ECN, 0, 0, 0), frame);               // ECN on nothing
        d.send(header(0, 5, 1400, 0, 0), frame);                                 // USO, never offered
        d.send(header(0, VIRTIO_NET_HDR_GSO_TCPV4, 0, 0, 0), frame);             // GSO without gso_size
        d.send(header(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 90, 9), frame);         // checksum field past the end
        d.send(plainHeader(), new byte[VirtioNet.ETH_HLEN - 1]);                 // runt
        d.send(new byte[VirtioNetHeader.BYTES - 1], new byte[0]);                 // not even a header
        d.send(plainHeader(), new byte[VirtioNet.MAX_FRAME_BYTES + 1]);          // larger than any frame
        assertEquals(List.of(), backend.outbound());
        assertEquals(10, device.counters().txMalformed());
        assertEquals(10, d.tx.usedIdx(), "every dropped chain is still returned");
        d.send(header(0, VIRTIO_NET_HDR_GSO_TCPV4, 1400, 0, 0), frame);
        d.send(header(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 90, 8), frame);         // the last two bytes
        d.send(plainHeader(), new byte[VirtioNet.MAX_FRAME_BYTES]);
        assertEquals(3, backend.outbound().size());
        assertFalse(d.needsReset());
    }

    @Test
    void transmitDropsAPartialChecksumWithoutCsum() {
        NetDriver d = driver(TUN_F_CSUM);
        d.start(PLAIN);
        d.send(header(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 6), ethernetFrame(MAC, 100, 9));
        assertEquals(1, device.counters().txMalformed());
        assertEquals(List.of(), backend.outbound());
    }

    @Test
    void transmitDropsALargeChainOfMorePiecesThanOneWritevTakes() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, Transmitter.COPY_LIMIT, 10); // with its header too large to copy
        d.tx.submitIndirect(NetDriver.INDIRECT, d.readable(NetDriver.concat(plainHeader(), frame), 1));
        d.notifyTx();
        assertEquals(1, device.counters().txMalformed());
        assertEquals(1, d.tx.usedIdx());
        d.tx.submitIndirect(NetDriver.INDIRECT, d.readable(NetDriver.concat(plainHeader(), frame), 3));
        d.notifyTx();
        assertEquals(1, backend.outbound().size(), "687 pieces after the header still fit");
    }

    @Test
    void transmitSendsASmallFrameInAnyNumberOfPiecesAsOneCopy() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, 1100, 10);
        d.tx.submitIndirect(NetDriver.INDIRECT, d.readable(NetDriver.concat(plainHeader(), frame), 1));
        d.notifyTx();
        assertEquals(0, device.counters().txMalformed());
        assertEquals(1, backend.outbound().size());
        assertArrayEquals(NetDriver.concat(plainHeader(), frame), backend.outbound().get(0));
    }

    @Test
    void transmitIgnoresDeviceWritableBuffersAfterTheFrame() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, 60, 11);
        Buffer[] readable = d.readable(NetDriver.concat(plainHeader(), frame), 100);
        long scratch = d.allocate(64);
        d.memory.fill(scratch, 64, (byte) 0x77);
        d.tx.submit(readable[0], Buffer.writable(scratch, 64));
        d.notifyTx();
        assertArrayEquals(NetDriver.concat(plainHeader(), frame), backend.outbound().getFirst());
        assertEquals(0x77, d.memory.readU8(scratch));
    }

    @Test
    void aFrameTheBackendRefusesIsCountedAndItsChainReturned() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        backend.failWrites(Errno.EIO);
        d.send(plainHeader(), ethernetFrame(MAC, 60, 12));
        assertEquals(1, device.counters().txBackendErrors());
        assertEquals(1, d.tx.usedIdx());
        assertFalse(d.needsReset());
        backend.failWrites(0);
        d.send(plainHeader(), ethernetFrame(MAC, 60, 12));
        assertEquals(1, backend.outbound().size());
    }

    @Test
    void aBrokenTransmitQueueNeedsReset() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        d.tx.setDescriptor(0, 0, 16, 1, 0); // NEXT to itself: a loop
        d.tx.publish(0);
        d.notifyTx();
        assertTrue(d.needsReset());
        assertEquals(List.of(), backend.outbound());
    }


    @Test
    void receivesAFrameIntoOneBufferWithNumBuffersOne() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, 60, 20);
        backend.inject(NetDriver.concat(plainHeader(), frame));
        int head = d.postRx(1526);
        d.notifyRx();
        assertEquals(1, d.rxUsed());
        assertEquals(head, d.rx.usedId(0));
        assertEquals(VirtioNetHeader.BYTES + 60, d.rx.usedLen(0));
        byte[] got = d.rxBytes(0);
        assertEquals(1, u16(got, 10), "num_buffers");
        assertArrayEquals(frame, Arrays.copyOfRange(got, VirtioNetHeader.BYTES, got.length));
        assertEquals(1, device.counters().rxFrames());
        assertEquals(60, device.counters().rxBytes());
        assertTrue(d.line.level());
    }

    @Test
    void receivesAFrameScatteredOverManyBuffersWithTheHeaderSplit() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] frame = ethernetFrame(MAC, 1514, 21);
        backend.inject(NetDriver.concat(plainHeader(), frame));
        d.postRx(5, 3, 100, 2000);
        d.notifyRx();
        byte[] got = d.rxBytes(0);
        assertEquals(1, u16(got, 10));
        assertArrayEquals(frame, Arrays.copyOfRange(got, VirtioNetHeader.BYTES, got.length));
    }

    @Test
    void receivedFlagsAreClearedWithoutGuestCsumAndKeptWithIt() {
        byte[] valid = header(VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0);
        NetDriver d = driver(TUN_F_CSUM);
        d.start(PLAIN);
        backend.inject(NetDriver.concat(valid, ethernetFrame(MAC, 60, 22)));
        d.postRx(1526);
        d.notifyRx();
        assertEquals(0, d.rxBytes(0)[0], "§5.1.6.4.1: flags zero without GUEST_CSUM");
        device.close();
        NetDriver e = driver(TUN_F_CSUM);
        e.start(PLAIN | VIRTIO_NET_F_GUEST_CSUM);
        backend.inject(NetDriver.concat(valid, ethernetFrame(MAC, 60, 22)));
        e.postRx(1526);
        e.notifyRx();
        assertEquals(VIRTIO_NET_HDR_F_DATA_VALID, e.rxBytes(0)[0]);
    }

    @Test
    void aGsoFrameTheDriverCannotTakeIsDropped() {
        NetDriver d = driver(ALL_OFFLOADS);
        d.start(PLAIN | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4);
        backend.inject(NetDriver.concat(header(1, VIRTIO_NET_HDR_GSO_TCPV6, 1400, 54, 16), ethernetFrame(MAC, 3000, 23)));
        backend.inject(NetDriver.concat(header(1, VIRTIO_NET_HDR_GSO_TCPV4, 1400, 34, 16), ethernetFrame(MAC, 3000, 24)));
        d.postRx(65562);
        d.notifyRx();
        assertEquals(1, d.rxUsed());
        assertEquals(VIRTIO_NET_HDR_GSO_TCPV4, d.rxBytes(0)[1]);
        assertEquals(1, device.counters().rxDropped());
    }

    @Test
    void aFrameLargerThanTheBufferIsDroppedAndTheBufferKeptForTheNext() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        byte[] big = ethernetFrame(MAC, 1515, 25);
        byte[] small = ethernetFrame(MAC, 1514, 26);
        backend.inject(NetDriver.concat(plainHeader(), big));
        backend.inject(NetDriver.concat(plainHeader(), new byte[VirtioNet.ETH_HLEN - 1])); // runt
        backend.inject(NetDriver.concat(plainHeader(), small));
        d.postRx(12 + 1514);
        d.notifyRx();
        assertEquals(1, d.rxUsed());
        assertArrayEquals(small, Arrays.copyOfRange(d.rxBytes(0), VirtioNetHeader.BYTES, 12 + 1514));
        assertEquals(2, device.counters().rxDropped());
    }

    @Test
    void buffersThatCannotHoldAFrameAreReturnedUnused() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        d.postRx(VirtioNetHeader.BYTES + VirtioNet.ETH_HLEN - 1);
        d.postRx(Buffer.readable(d.allocate(64), 64), Buffer.writable(d.allocate(2000), 2000));
        d.postRx(1526);
        byte[] frame = ethernetFrame(MAC, 60, 27);
        backend.inject(NetDriver.concat(plainHeader(), frame));
        d.notifyRx();
        assertEquals(3, d.rxUsed());
        assertEquals(0, d.rx.usedLen(0));
        assertEquals(0, d.rx.usedLen(1));
        assertEquals(VirtioNetHeader.BYTES + 60, d.rx.usedLen(2));
        assertEquals(2, device.counters().rxInvalidBuffers());
    }

    @Test
    void aBufferTakenBeforeAFrameCameIsFilledWhenItComes() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        d.postRx(1526);
        d.notifyRx();
        assertEquals(0, d.rxUsed());
        assertEquals(1, backend.readCalls(), "looked once, found nothing");
        backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, 28)));
        d.notifyRx(); // any later receive call uses the held buffer
        assertEquals(1, d.rxUsed());
    }

    @Test
    void receiveStopsAtItsBudgetSoOtherWorkRuns() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        for (int i = 0; i < Receiver.BUDGET + 10; i++) {
            backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, i)));
        }
        for (int i = 0; i < 255; i++) {
            d.postRx(1526);
        }
        d.notifyRx();
        assertEquals(255, d.rxUsed(), "255 buffers, all filled within one budget");
        assertEquals(Receiver.BUDGET + 10 - 255, backend.pendingInbound());
    }

    @Test
    void resetForgetsTheHeldBuffer() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        d.postRx(1526);
        d.notifyRx();
        d.resetDevice();
        d.start(EVERYTHING);
        backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, 29)));
        d.notifyRx();
        assertEquals(0, d.rxUsed(), "the old chain is not used after reset");
        d.postRx(1526);
        d.notifyRx();
        assertEquals(1, d.rxUsed());
    }

    @Test
    void aBrokenReceiveQueueNeedsReset() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        d.rx.setDescriptor(0, NetDriver.RAM + NetDriver.RAM_SIZE, 1526, 2, 0); // outside guest memory
        d.rx.publish(0);
        backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, 30)));
        d.notifyRx();
        assertTrue(d.needsReset());
        assertEquals(1, backend.pendingInbound(), "no frame read for a broken queue");
    }

    @Test
    void aFailedReadTakesTheLinkDownAndTellsTheDriver() {
        NetDriver d = driver(0);
        d.start(EVERYTHING);
        d.mmio.acknowledge(3);
        backend.failReads(Errno.EIO);
        backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, 31)));
        d.postRx(1526);
        d.notifyRx();
        assertFalse(device.isLinkUp());
        assertEquals(0, d.transport.read(VirtioMmioTransport.CONFIG + 6, 2));
        assertTrue((d.mmio.interruptStatus() & VirtioMmioTransport.INTERRUPT_CONFIG_CHANGE) != 0);
        assertEquals(1, device.counters().rxBackendErrors());
        assertFalse(d.needsReset(), "the guest did nothing wrong");
        d.notifyRx();
        assertEquals(1, backend.readCalls(), "a failed backend is not read again");
    }

    @Test
    void closeClosesTheBackend() {
        driver(0);
        device.close();
        assertTrue(backend.isClosed());
        device = null;
    }

    @Test
    void nothingIsReadBeforeDriverOk() {
        NetDriver d = driver(0);
        backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, 32)));
        d.notifyRx();
        assertEquals(0, backend.readCalls());
        assertNull(d.nextReceived());
    }
}
