package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.readable;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;

import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.DeviceStatus;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.EscapeGuard;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.VirtqueueDriver.Buffer;
import dev.jvmm.devices.virtio.VirtioDevice;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.devices.virtio.queue.VirtqueueException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The guest's vsock driver for tests: a {@link VirtioVsock} behind a virtio-mmio transport in guest RAM, its rx,
 * tx and event queues set up the way Linux's virtio_vsock driver does, packets sent on tx and read back from rx.
 * The device runs on a real {@link EventLoop}; queue notifications are processed on the calling thread.
 */
final class VsockGuest implements AutoCloseable {
    static final long GUEST_CID = 3;
    static final int QUEUE = 16;
    static final int RX_BUFFER = VsockHeader.SIZE + 4096;
    static final int TX_BUFFER = VsockHeader.SIZE + 64 * 1024;

    private static final long RAM = 0x10000;
    private static final long RX_DATA = 0x20000;
    private static final long TX_DATA = RX_DATA + (long) QUEUE * RX_BUFFER;
    private static final long RAM_END = TX_DATA + (long) QUEUE * TX_BUFFER + 0x10000;

    /** A packet read from the rx queue (or built for tx). */
    record Packet(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op, int flags,
                  int bufAlloc, int fwdCnt, byte[] payload) {
        @Override
        public String toString() {
            return "op " + op + " " + srcCid + ":" + Integer.toUnsignedString(srcPort) + " -> " + dstCid + ":"
                    + Integer.toUnsignedString(dstPort) + " len " + len + " flags " + flags + " buf_alloc " + bufAlloc
                    + " fwd_cnt " + fwdCnt;
        }
    }

    final GuestMemory memory = GuestRam.of(RAM, RAM_END - RAM);
    final VirtioVsock device;
    final VirtioMmioTransport transport;
    final MmioDriver driver;
    VirtqueueDriver rx;
    VirtqueueDriver tx;
    VirtqueueDriver event;
    final EventLoop loop;
    final List<Throwable> loopFailures = new CopyOnWriteArrayList<>();
    /** Exceptions other than a broken virtqueue's that left the device: there must be none. */
    final List<Throwable> escaped;
    private final List<Packet> inbox = new ArrayList<>();
    private boolean loopStopped;
    private final Buffer[][] rxChains = new Buffer[QUEUE][];
    private int rxSeen;
    private int rxDescriptors;
    private int rxOutstanding;
    /** Rx buffers the device returned with a used length too short for a packet. */
    int unused;

    /** Whether {@link #await} and {@link #drain} keep the rx queue full. */
    boolean autoRefill = true;
    /** Guest buffer credit this driver advertises in every packet it sends. */
    int bufAlloc = 256 * 1024;
    int fwdCnt;

    VsockGuest(Path udsPath) {
        this(udsPath, VirtioVsock.MAX_CONNECTIONS, VirtioVsock.CONNECTION_BUFFER_BYTES);
    }

    VsockGuest(Path udsPath, int maxConnections, int bufferBytes) {
        device = new VirtioVsock(GUEST_CID, udsPath, maxConnections, bufferBytes);
        EscapeGuard guard = new EscapeGuard(device);
        escaped = guard.escaped;
        transport = new VirtioMmioTransport(guard, memory, new RecordingLine(), QueueNotifier.SYNCHRONOUS);
        driver = new MmioDriver(transport);
        loop = new EventLoop("vsock-test", (what, t) -> loopFailures.add(t));
        device.start(loop, work -> transport.runIfActive(() -> guard.guarded(work)));
        loop.start();
        initialize(driver.deviceFeatures());
    }

    /**
     * Brings the device up the way the driver does after a reset (§3.1.1), with {@code features} of those offered
     * and fresh queues; the device's connections are gone.
     */
    void initialize(long features) {
        driver.write(VirtioMmioTransport.STATUS, 0);
        if (!driver.negotiate(features & driver.deviceFeatures())) {
            throw new AssertionError("device refused features it offered");
        }
        rx = new VirtqueueDriver(memory, RAM, QUEUE);
        tx = new VirtqueueDriver(memory, rx.end() + 0x1000 & ~0xfffL, QUEUE);
        event = new VirtqueueDriver(memory, tx.end() + 0x1000 & ~0xfffL, QUEUE);
        if (event.end() > RX_DATA) {
            throw new AssertionError("queues overlap the data area");
        }
        Arrays.fill(rxChains, null);
        rxSeen = 0;
        rxDescriptors = 0;
        rxOutstanding = 0;
        inbox.clear();
        driver.setupQueue(VirtioVsock.RX_QUEUE, rx);
        driver.setupQueue(VirtioVsock.TX_QUEUE, tx);
        driver.setupQueue(VirtioVsock.EVENT_QUEUE, event);
        driver.driverOk();
    }

    /** First guest address after the queues, up to the rx data area: the device never writes there. */
    long queuesEnd() { return event.end(); }

    static long rxData() { return RX_DATA; }

    static long txEnd() { return TX_DATA + (long) QUEUE * TX_BUFFER; }

    static long ramEnd() { return RAM_END; }

    /** Descriptors the driver may still add to the rx queue. */
    int rxFree() { return QUEUE - rxOutstanding; }

    /** Address of the rx area of the next chain's first descriptor: {@link #RX_BUFFER} bytes its own. */
    long nextRxSlot() { return RX_DATA + (long) (rxDescriptors % QUEUE) * RX_BUFFER; }

    boolean needsReset() {
        return (driver.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0;
    }

    /** Makes {@code count} rx buffers of {@link #RX_BUFFER} bytes available and notifies. */
    void postRx(int count) {
        for (int i = 0; i < count; i++) {
            submitRx(writable(RX_DATA + (long) (rxDescriptors % QUEUE) * RX_BUFFER, RX_BUFFER));
        }
        driver.notifyQueue(VirtioVsock.RX_QUEUE);
    }

    /** Makes one rx chain of {@code buffers} available and notifies; it must fit the free descriptors. */
    void postRx(Buffer... buffers) {
        submitRx(buffers);
        driver.notifyQueue(VirtioVsock.RX_QUEUE);
    }

    private void submitRx(Buffer... buffers) {
        if (rxOutstanding + buffers.length > QUEUE) {
            throw new AssertionError("rx chain of " + buffers.length + " does not fit");
        }
        int head = rx.submit(buffers);
        rxChains[head] = buffers;
        rxDescriptors += buffers.length;
        rxOutstanding += buffers.length;
    }

    /** Keeps the rx queue full of {@link #RX_BUFFER}-byte buffers, unless {@link #autoRefill} is off. */
    void refillRx() {
        if (autoRefill && rxOutstanding < QUEUE) {
            postRx(QUEUE - rxOutstanding);
        }
    }

    /** Sends a packet from guest port {@code srcPort} to host port {@code dstPort}, with our credit. */
    void send(int op, int srcPort, int dstPort, byte[] payload) {
        send(op, srcPort, dstPort, 0, payload);
    }

    void send(int op, int srcPort, int dstPort, int flags, byte[] payload) {
        sendRaw(header(GUEST_CID, VirtioVsock.HOST_CID, srcPort, dstPort, payload.length,
                VsockHeader.VIRTIO_VSOCK_TYPE_STREAM, op, flags, bufAlloc, fwdCnt), payload);
    }

    /** Sends a header and payload in one buffer, the way Linux does. */
    void sendRaw(byte[] header, byte[] payload) {
        long at = txSlot();
        byte[] packet = Arrays.copyOf(header, header.length + payload.length);
        System.arraycopy(payload, 0, packet, header.length, payload.length);
        memory.write(at, packet);
        submitTx(readable(at, packet.length));
    }

    /** The next tx slot's address (one per descriptor head, as chains of one descriptor are used in order). */
    long txSlot() {
        return TX_DATA + (long) (tx.usedIdx() % QUEUE) * TX_BUFFER;
    }

    void submitTx(Buffer... buffers) {
        tx.submit(buffers);
        driver.notifyQueue(VirtioVsock.TX_QUEUE);
    }

    static byte[] header(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op, int flags,
                         int bufAlloc, int fwdCnt) {
        return ByteBuffer.allocate(VsockHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(len)
                .putShort((short) type).putShort((short) op).putInt(flags).putInt(bufAlloc).putInt(fwdCnt).array();
    }

    /** Packets the device put in the rx queue since the last call, in order. */
    List<Packet> poll() {
        List<Packet> out = new ArrayList<>();
        int used = rx.usedIdx();
        while (rxSeen != used) {
            int head = rx.usedId(rxSeen);
            int length = rx.usedLen(rxSeen);
            rxSeen = (rxSeen + 1) & 0xffff;
            Buffer[] chain = rxChains[head];
            rxOutstanding -= chain.length;
            if (length < VsockHeader.SIZE) {
                unused++;
                continue;
            }
            byte[] bytes = new byte[length];
            int done = 0;
            for (Buffer buffer : chain) {
                int n = Math.min(buffer.length(), length - done);
                System.arraycopy(memory.read(buffer.address(), n), 0, bytes, done, n);
                done += n;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long srcCid = b.getLong();
            long dstCid = b.getLong();
            int srcPort = b.getInt();
            int dstPort = b.getInt();
            int len = b.getInt();
            int type = b.getShort();
            int op = b.getShort();
            int flags = b.getInt();
            int bufAlloc = b.getInt();
            int fwdCnt = b.getInt();
            byte[] payload = Arrays.copyOfRange(bytes, VsockHeader.SIZE, length);
            out.add(new Packet(srcCid, dstCid, srcPort, dstPort, len, type, op, flags, bufAlloc, fwdCnt, payload));
        }
        return out;
    }

    /** Waits for the first packet (kept or new) matching {@code wanted}; earlier ones stay in the inbox. */
    Packet await(Predicate<Packet> wanted, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            for (int i = 0; i < inbox.size(); i++) {
                if (wanted.test(inbox.get(i))) {
                    return inbox.remove(i);
                }
            }
            List<Packet> fresh = poll();
            refillRx();
            if (!fresh.isEmpty()) {
                inbox.addAll(fresh);
                continue;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 10 s; received " + inbox);
            }
            sleep();
        }
    }

    Packet await(int op, String what) {
        return await(p -> p.op() == op, what);
    }

    /** Packets that arrived and were not awaited, after letting the device run for {@code millis}. */
    List<Packet> drain(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            inbox.addAll(poll());
            refillRx();
            sleep();
        }
        inbox.addAll(poll());
        refillRx();
        List<Packet> all = new ArrayList<>(inbox);
        inbox.clear();
        return all;
    }

    static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The device's first broken invariant or {@code null}, looked at under its guard (not racing the loop). */
    String brokenInvariant() {
        String[] result = new String[1];
        if (!transport.runIfActive(() -> result[0] = device.brokenInvariant())) {
            result[0] = device.brokenInvariant(); // not active: the loop does not touch the device
        }
        return result[0];
    }

    /** The device's connection count, looked at under its guard. */
    int connections() {
        int[] result = new int[1];
        if (!transport.runIfActive(() -> result[0] = device.connectionCount())) {
            result[0] = device.connectionCount();
        }
        return result[0];
    }

    /** Stops the device thread; backend events stop, the device's state can be inspected. */
    void stopLoop() {
        if (!loopStopped) {
            loopStopped = true;
            loop.close();
        }
    }

    @Override
    public void close() {
        stopLoop();
        device.close();
    }
}
