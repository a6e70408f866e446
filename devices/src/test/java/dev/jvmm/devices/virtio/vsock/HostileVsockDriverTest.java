package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.readable;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtqueueDriver.Buffer;
import dev.jvmm.devices.virtio.vsock.VsockGuest.Packet;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * A hostile guest driver and careless host programs against the whole device, with real sockets and the real
 * event loop: random packets (CIDs, ports, ops, types, lengths, flags and credit drawn from valid and hostile
 * values, split across descriptors at random, sometimes with writable descriptors), rx chains of any shape, and
 * host programs that connect, send CONNECT lines or garbage, write, half-close and close at random, interleaved
 * with device resets. Whatever happens: no exception other than a broken virtqueue's leaves the device or its
 * backend handlers, every packet in the rx queue is well-formed, the device writes no guest memory outside the
 * queues' device areas and the rx buffers, connections and buffers stay within their limits, and the device's
 * own bookkeeping stays consistent. jqwik prints the number of tries and the outcome statistics.
 */
class HostileVsockDriverTest {
    private static final int MAX_CONNECTIONS = 3;
    private static final int BUFFER = 1024;
    private static final int[] LISTENING = {1, 2};
    private static final byte CANARY = (byte) 0xc5;

    /** {@code hostility}: a field takes a hostile value with odds 1 in {@code 1 << 2 * (3 - hostility)}. */
    @Property(tries = 500)
    void survivesHostileGuestsAndHostPrograms(@ForAll @IntRange(max = 3) int hostility, @ForAll boolean eventIdx,
                                              @ForAll @IntRange(min = 5, max = 60) int steps, @ForAll long seed)
            throws IOException {
        Random random = new Random(seed);
        Path dir = Files.createTempDirectory("vsock");
        Path uds = dir.resolve("v.sock");
        VsockGuest guest = new VsockGuest(uds, MAX_CONNECTIONS, BUFFER);
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<HostProgram> hosts = new ArrayList<>();
        Hostile hostile = new Hostile(random, 1 << 2 * (3 - hostility));
        int resets = 0;
        int packets = 0;
        try {
            guest.autoRefill = false;
            if (!eventIdx) {
                guest.initialize(~VirtioFeatures.VIRTIO_F_RING_EVENT_IDX);
            }
            for (int port : LISTENING) {
                servers.add(HostProgram.listen(Path.of(uds + "_" + port)));
            }
            paintCanaries(guest);
            for (int step = 0; step < steps; step++) {
                switch (random.nextInt(10)) {
                    case 0, 1, 2 -> sendPacket(guest, hostile);
                    case 3, 4 -> postRx(guest, hostile);
                    case 5 -> hostConnects(uds, hosts, hostile);
                    case 6 -> hostAccepts(servers, hosts);
                    case 7 -> hostActs(hosts, random);
                    case 8 -> VsockGuest.sleep();
                    default -> {
                        if (guest.needsReset() || random.nextInt(8) == 0) {
                            guest.initialize(eventIdx ? -1 : ~VirtioFeatures.VIRTIO_F_RING_EVENT_IDX);
                            resets++;
                        }
                    }
                }
                packets += checkPackets(guest.poll());
            }
            VsockGuest.sleep();
            packets += checkPackets(guest.poll());
            guest.stopLoop();

            assertEquals(List.of(), guest.escaped, "only a broken virtqueue may leave the device");
            assertEquals(List.of(), guest.loopFailures, "no backend handler may fail");
            assertNull(guest.brokenInvariant());
            assertTrue(guest.connections() <= MAX_CONNECTIONS);
            assertTrue(guest.device.ringsAllocated() <= MAX_CONNECTIONS, "buffering is bounded");
            checkCanaries(guest);
            Statistics.label("device").collect(guest.needsReset() ? "needs reset" : "active");
            Statistics.label("connections at the end").collect(guest.connections());
            Statistics.label("driver resets").collect(Math.min(resets, 2));
            Statistics.label("rx packets").collect(packets == 0 ? "0" : packets < 10 ? "1-9" : "10+");
        } finally {
            for (HostProgram h : hosts) {
                h.close();
            }
            for (ServerSocketChannel s : servers) {
                s.close();
            }
            guest.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Draws header fields and shapes: mostly valid, hostile with the given odds. */
    private record Hostile(Random random, int odds) {
        boolean wild() { return random.nextInt(odds) == 0; }

        int pick(int... values) { return values[random.nextInt(values.length)]; }

        long cid(long usual) {
            if (!wild()) {
                return usual;
            }
            return switch (random.nextInt(5)) {
                case 0 -> 2;
                case 1 -> 3;
                case 2 -> usual | 1L << 32;
                case 3 -> -1;
                default -> random.nextLong();
            };
        }

        int guestPort() { return wild() ? random.nextInt() : 100 + random.nextInt(3); }

        int hostPort() {
            return wild() ? random.nextInt() : pick(1, 2, 3, VsockMuxer.FIRST_HOST_PORT,
                    VsockMuxer.FIRST_HOST_PORT + 1, VsockMuxer.FIRST_HOST_PORT + 2);
        }

        int op() {
            if (wild()) {
                return random.nextBoolean() ? 0 : random.nextInt(0x10000);
            }
            return pick(1, 1, 2, 3, 4, 5, 5, 5, 5, 6, 7);
        }

        int len(int payload) {
            if (!wild()) {
                return payload;
            }
            return switch (random.nextInt(4)) {
                case 0 -> payload + 1;
                case 1 -> -1;
                case 2 -> VsockConnection.MAX_PAYLOAD + 1;
                default -> random.nextInt();
            };
        }

        int credit() { return wild() ? random.nextInt() : pick(0, 16, BUFFER, 1 << 20); }
    }

    private static void sendPacket(VsockGuest guest, Hostile h) {
        Random random = h.random();
        int payloadLength = random.nextInt(4) == 0 ? random.nextInt(BUFFER * 3) : random.nextInt(200);
        byte[] header = VsockGuest.header(h.cid(VsockGuest.GUEST_CID), h.cid(2), h.guestPort(), h.hostPort(),
                h.len(payloadLength), h.wild() ? random.nextInt(0x10000) : 1, h.op(),
                h.wild() ? random.nextInt() : random.nextInt(4), h.credit(), h.wild() ? random.nextInt() : 0);
        byte[] packet = Arrays.copyOf(header, header.length + payloadLength);
        for (int i = header.length; i < packet.length; i++) {
            packet[i] = (byte) random.nextInt();
        }
        long at = guest.txSlot();
        guest.memory.write(at, packet);
        int parts = 1 + random.nextInt(4);
        List<Buffer> buffers = new ArrayList<>();
        int done = 0;
        for (int i = 0; i < parts; i++) {
            int n = i == parts - 1 ? packet.length - done : random.nextInt(packet.length - done + 1);
            buffers.add(h.wild() ? writable(at + done, n) : readable(at + done, n));
            done += n;
        }
        if (h.wild()) {
            buffers.add(writable(at + done, 16));
        }
        guest.submitTx(buffers.toArray(Buffer[]::new));
        assertArrayEquals(packet, guest.memory.read(at, packet.length), "the device never writes tx buffers");
    }

    private static void postRx(VsockGuest guest, Hostile h) {
        Random random = h.random();
        int parts = 1 + (h.wild() ? random.nextInt(3) : 0);
        if (guest.rxFree() < parts) {
            return;
        }
        long slot = guest.nextRxSlot();
        List<Buffer> buffers = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i < parts; i++) {
            int room = VsockGuest.RX_BUFFER - offset;
            int n = !h.wild() ? room / (parts - i) : random.nextInt(Math.min(room, VsockHeader.SIZE * 2) + 1);
            buffers.add(h.wild() && i > 0 ? readable(slot + offset, n) : writable(slot + offset, n));
            offset += n;
        }
        guest.postRx(buffers.toArray(Buffer[]::new));
    }

    private static void hostConnects(Path uds, List<HostProgram> hosts, Hostile h) throws IOException {
        HostProgram host = HostProgram.connect(uds);
        hosts.add(host);
        String line = h.wild() ? "CONNECT " + h.random().nextInt() + (h.random().nextBoolean() ? "\n" : "")
                : "CONNECT " + h.pick(100, 101, 102, 7) + "\n";
        try {
            host.writeSome(line.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException refused) {
            // the device closed it at once (no driver, or at the connection limit)
        }
    }

    private static void hostAccepts(List<ServerSocketChannel> servers, List<HostProgram> hosts) throws IOException {
        for (ServerSocketChannel server : servers) {
            var channel = server.accept();
            if (channel != null) {
                channel.close(); // accepted and dropped: the device sees a hangup
            }
        }
        hosts.removeIf(h -> !h.channel.isOpen());
    }

    private static void hostActs(List<HostProgram> hosts, Random random) throws IOException {
        if (hosts.isEmpty()) {
            return;
        }
        HostProgram host = hosts.get(random.nextInt(hosts.size()));
        try {
            switch (random.nextInt(5)) {
                case 0 -> host.close();
                case 1 -> host.channel.shutdownOutput();
                case 2 -> host.readAvailable();
                default -> {
                    byte[] bytes = new byte[random.nextInt(3000)];
                    random.nextBytes(bytes);
                    host.writeSome(bytes);
                }
            }
        } catch (IOException gone) {
            host.close(); // the device closed its end
        }
    }

    /** Every packet the device put in the rx queue is a well-formed packet of the host to this guest. */
    private static int checkPackets(List<Packet> packets) {
        for (Packet p : packets) {
            assertEquals(VirtioVsock.HOST_CID, p.srcCid(), p.toString());
            assertEquals(VsockGuest.GUEST_CID, p.dstCid(), p.toString());
            assertEquals(VsockHeader.VIRTIO_VSOCK_TYPE_STREAM, p.type(), p.toString());
            assertTrue(p.op() >= VsockHeader.VIRTIO_VSOCK_OP_REQUEST
                    && p.op() <= VsockHeader.VIRTIO_VSOCK_OP_CREDIT_REQUEST, p.toString());
            assertEquals(p.payload().length, p.len(), "used length is header plus len: " + p);
            if (p.op() == VsockHeader.VIRTIO_VSOCK_OP_RW) {
                assertTrue(p.len() > 0 && p.len() <= VsockConnection.MAX_PAYLOAD, p.toString());
            } else {
                assertEquals(0, p.len(), p.toString());
            }
            if (p.op() != VsockHeader.VIRTIO_VSOCK_OP_RST) {
                assertEquals(BUFFER, p.bufAlloc(), p.toString());
            }
        }
        return packets.size();
    }

    /** Guest memory the device has no business writing: between the queues and the data, and after tx data. */
    private static void paintCanaries(VsockGuest guest) {
        guest.memory.fill(guest.queuesEnd(), VsockGuest.rxData() - guest.queuesEnd(), CANARY);
        guest.memory.fill(VsockGuest.txEnd(), VsockGuest.ramEnd() - VsockGuest.txEnd(), CANARY);
    }

    private static void checkCanaries(VsockGuest guest) {
        for (long[] range : new long[][] {{guest.queuesEnd(), VsockGuest.rxData()},
                {VsockGuest.txEnd(), VsockGuest.ramEnd()}}) {
            byte[] bytes = guest.memory.read(range[0], (int) (range[1] - range[0]));
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] != CANARY) {
                    throw new AssertionError("guest byte at 0x" + Long.toHexString(range[0] + i) + " was written");
                }
            }
        }
    }
}
