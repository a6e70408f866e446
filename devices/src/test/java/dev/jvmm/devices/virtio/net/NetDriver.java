package dev.jvmm.devices.virtio.net;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.DeviceStatus;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.VirtqueueDriver.Buffer;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest's virtio-net driver in a test: guest RAM, the MMIO transport in front of the device (queue notifications
 * processed on the calling thread), the receive and transmit queues laid out as Linux would, and a bump allocator
 * for frame buffers. It remembers which buffers each receive chain had, to read back what the device wrote.
 */
final class NetDriver {
    static final long RAM = 0x100000;
    static final long RAM_SIZE = 8 << 20;
    static final long INDIRECT = RAM + 0x10000;
    private static final long DATA = RAM + 0x20000;

    final GuestMemory memory = GuestRam.of(RAM, RAM_SIZE);
    final RecordingLine line = new RecordingLine();
    final VirtioMmioTransport transport;
    final MmioDriver mmio;
    private final int queueSize;
    VirtqueueDriver rx;
    VirtqueueDriver tx;
    private final Map<Integer, List<Buffer>> rxChains = new HashMap<>();
    private long nextData = DATA;
    private int rxSeen;

    NetDriver(VirtioNet device) {
        this(device, 256);
    }

    NetDriver(VirtioNet device, int queueSize) {
        transport = new VirtioMmioTransport(device, memory, line, QueueNotifier.SYNCHRONOUS);
        mmio = new MmioDriver(transport);
        this.queueSize = queueSize;
        layOutQueues();
    }

    private void layOutQueues() {
        rx = new VirtqueueDriver(memory, RAM, queueSize);
        tx = new VirtqueueDriver(memory, RAM + 0x8000, queueSize);
        rxChains.clear();
        rxSeen = 0;
    }

    /** Writes 0 to Status, as a driver resetting the device does, and lays out fresh, empty queues. */
    void resetDevice() {
        mmio.write(VirtioMmioTransport.STATUS, 0);
        layOutQueues();
    }

    /** Negotiates what the device offers of {@code wanted}, sets up both queues, DRIVER_OK; returns the features. */
    long start(long wanted) {
        if (!mmio.negotiate(wanted)) {
            throw new AssertionError("FEATURES_OK refused");
        }
        mmio.setupQueue(VirtioNet.RX_QUEUE, rx);
        mmio.setupQueue(VirtioNet.TX_QUEUE, tx);
        mmio.driverOk();
        return wanted & mmio.deviceFeatures();
    }

    boolean needsReset() { return (mmio.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0; }

    /** Guest memory for {@code length} bytes, 16-aligned; wraps to the start when the area is used up. */
    long allocate(int length) {
        long at = (nextData + 15) & ~15L;
        if (at + length > RAM + RAM_SIZE) {
            at = DATA;
        }
        nextData = at + length;
        return at;
    }

    /** Posts one receive chain of device-writable buffers of {@code lengths}; returns its head. Does not notify. */
    int postRx(int... lengths) {
        Buffer[] buffers = new Buffer[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            buffers[i] = Buffer.writable(allocate(lengths[i]), lengths[i]);
        }
        return postRx(buffers);
    }

    int postRx(Buffer... buffers) {
        int head = rx.submit(buffers);
        rxChains.put(head, List.of(buffers));
        return head;
    }

    void notifyRx() { mmio.notifyQueue(VirtioNet.RX_QUEUE); }

    void notifyTx() { mmio.notifyQueue(VirtioNet.TX_QUEUE); }

    /** Puts {@code bytes} into guest memory as readable buffers of at most {@code piece} bytes each. */
    Buffer[] readable(byte[] bytes, int piece) {
        int count = Math.max(1, (bytes.length + piece - 1) / piece);
        Buffer[] buffers = new Buffer[count];
        for (int i = 0; i < count; i++) {
            int from = i * piece;
            int length = Math.min(piece, bytes.length - from);
            long at = allocate(length);
            memory.write(at, Arrays.copyOfRange(bytes, from, from + length));
            buffers[i] = Buffer.readable(at, length);
        }
        return buffers;
    }

    /** Transmits {@code header} + {@code frame} as one chain split into pieces of {@code piece} bytes. */
    int send(byte[] header, byte[] frame, int piece) {
        int head = tx.submit(readable(concat(header, frame), piece));
        notifyTx();
        return head;
    }

    int send(byte[] header, byte[] frame) { return send(header, frame, Integer.MAX_VALUE); }

    /** Number of receive chains the device has returned. */
    int rxUsed() { return rx.usedIdx(); }

    /** The bytes the device wrote into the {@code n}th returned receive chain (header first), by its used length. */
    byte[] rxBytes(int n) {
        List<Buffer> buffers = rxChains.get(rx.usedId(n));
        int length = rx.usedLen(n);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Buffer b : buffers) {
            int take = Math.min(b.length(), length - out.size());
            out.writeBytes(memory.read(b.address(), take));
        }
        return out.toByteArray();
    }

    /** The next returned receive chain's bytes, or null if the device has returned no new one. */
    byte[] nextReceived() {
        if (rxSeen == rx.usedIdx()) {
            return null;
        }
        return rxBytes(rxSeen++);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A virtio_net_hdr_v1: flags, gso_type, then hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
    static byte[] header(int flags, int gsoType, int gsoSize, int csumStart, int csumOffset) {
        byte[] h = new byte[VirtioNetHeader.BYTES];
        h[0] = (byte) flags;
        h[1] = (byte) gsoType;
        putU16(h, 4, gsoSize);
        putU16(h, 6, csumStart);
        putU16(h, 8, csumOffset);
        return h;
    }

    static byte[] plainHeader() { return header(0, 0, 0, 0, 0); }

    static void putU16(byte[] b, int at, int value) {
        b[at] = (byte) value;
        b[at + 1] = (byte) (value >>> 8);
    }

    static int u16(byte[] b, int at) { return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8; }

    /** An Ethernet frame of {@code length} bytes to {@code dst}: addresses, EtherType 0x88b5 (local experimental), a pattern. */
    static byte[] ethernetFrame(MacAddress dst, int length, int seed) {
        byte[] f = new byte[length];
        System.arraycopy(dst.octets(), 0, f, 0, 6);
        System.arraycopy(new byte[] {0x02, 0, 0, 0, 0, 1}, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        for (int i = 14; i < length; i++) {
            f[i] = (byte) (seed + i * 7);
        }
        return f;
    }
}
