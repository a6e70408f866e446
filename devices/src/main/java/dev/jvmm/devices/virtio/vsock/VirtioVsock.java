package dev.jvmm.devices.virtio.vsock;

import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.BackendDevice;
import dev.jvmm.devices.virtio.ConfigSpace;
import dev.jvmm.devices.virtio.DeviceGuard;
import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The virtio socket device (virtio 1.2 §5.10) for stream sockets between the guest and host programs on Unix
 * domain sockets, with Firecracker's host-side protocol: the device listens on {@code udsPath}; a host program
 * connects there and sends {@code CONNECT <guest port>\n}, and once the guest accepts it reads
 * {@code OK <host port>\n} and then the stream; a guest connecting to host CID 2, port P reaches the program
 * listening on {@code <udsPath>_P}, or gets RST if there is none.
 *
 * <p>Queues: rx (0) carries packets to the guest, tx (1) packets from it; the event queue (2) is left to the
 * driver, since the device never migrates. Packets the device owes the guest wait outside the rx queue as
 * per-connection flags and a bounded RST queue, so tx is processed even while rx is full (§5.10.6.1). Anything
 * malformed ends in an RST or is dropped; only a broken virtqueue reaches the transport (DEVICE_NEEDS_RESET).
 *
 * <p>The VMM constructs it, calls {@link #start} with the device's event loop and the transport's guard before the
 * guest runs, and {@link #close} after the loop stopped.
 */
public final class VirtioVsock implements BackendDevice {
    /** Stream sockets are supported (§5.10.3). */
    public static final long VIRTIO_VSOCK_F_STREAM = 1L << 0;
    /** The host's well-known CID (VMADDR_CID_HOST). */
    public static final long HOST_CID = 2;
    public static final int RX_QUEUE = 0;
    public static final int TX_QUEUE = 1;
    public static final int EVENT_QUEUE = 2;
    public static final int QUEUE_SIZE = 256;
    /** Connections at once, host- and guest-initiated together. */
    public static final int MAX_CONNECTIONS = 256;
    /** Receive buffer each connection advertises to the guest ({@code buf_alloc}) and may hold for a slow host. */
    public static final int CONNECTION_BUFFER_BYTES = 64 * 1024;

    /** {@code _4294967295}: the longest suffix of a guest-initiated connection's socket path. */
    private static final int PORT_SUFFIX_BYTES = 11;
    /** {@code sun_path} holds 108 bytes including the terminating NUL (unix(7)). */
    private static final int SUN_PATH_BYTES = 108;

    private final long guestCid;
    private final Path udsPath;
    private final ConfigSpace config;
    private final VsockMuxer muxer;
    private final VsockHeader txHeader = new VsockHeader();
    private final VsockHeader rxHeader = new VsockHeader();

    private GuestMemory memory;
    private SplitQueue rx;
    private SplitQueue tx;
    private VirtioInterrupt interrupt;
    /** An rx chain popped but not used yet: the split queue cannot give it back. */
    private DescriptorChain heldRx;

    /**
     * A vsock device for the guest with context ID {@code guestCid}, listening on {@code udsPath} once started.
     *
     * @throws IllegalArgumentException if the CID is reserved (§5.10.4: 0, 1, 2 and 0xffffffff; the upper 32 bits
     *         are zero) or the path, with the {@code _<port>} suffix of guest-initiated connections, does not fit a
     *         Unix socket address
     */
    public VirtioVsock(long guestCid, Path udsPath) {
        this(guestCid, udsPath, MAX_CONNECTIONS, CONNECTION_BUFFER_BYTES);
    }

    VirtioVsock(long guestCid, Path udsPath, int maxConnections, int bufferBytes) {
        if (guestCid < 3 || guestCid >= 0xffff_ffffL) {
            throw new IllegalArgumentException("vsock guest CID " + guestCid + " is reserved or too large: use 3 to "
                    + (0xffff_fffeL) + " (0-2 and 0xffffffff are reserved, 2 is the host)");
        }
        Objects.requireNonNull(udsPath, "udsPath");
        int pathBytes = udsPath.toString().getBytes(StandardCharsets.UTF_8).length;
        int maxPathBytes = SUN_PATH_BYTES - 1 - PORT_SUFFIX_BYTES;
        if (pathBytes == 0 || pathBytes > maxPathBytes) {
            throw new IllegalArgumentException("vsock uds path \"" + udsPath + "\" is " + pathBytes + " bytes; it must "
                    + "be 1 to " + maxPathBytes + " so that <path>_<port> fits a Unix socket address (108 bytes): "
                    + "use a shorter or relative path");
        }
        if (maxConnections < 1 || bufferBytes < 1 || bufferBytes > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("vsock limits: " + maxConnections + " connections of " + bufferBytes
                    + " bytes");
        }
        this.guestCid = guestCid;
        this.udsPath = udsPath;
        this.config = new ConfigSpace(8).putU64(0, guestCid); // struct virtio_vsock_config { le64 guest_cid; }
        this.muxer = new VsockMuxer(guestCid, udsPath, maxConnections, bufferBytes);
    }

    public long guestCid() { return guestCid; }

    public Path udsPath() { return udsPath; }

    @Override
    public int deviceType() { return VirtioDeviceType.VSOCK; }

    @Override
    public long deviceFeatures() { return VirtioFeatures.TRANSPORT_FEATURES | VIRTIO_VSOCK_F_STREAM; }

    @Override
    public int[] queueMaxSizes() { return new int[] {QUEUE_SIZE, QUEUE_SIZE, QUEUE_SIZE}; }

    @Override
    public long readConfig(int offset, int size) { return config.read(offset, size); }

    @Override
    public void writeConfig(int offset, int size, long value) { } // guest_cid is read-only

    /** Listens on the uds path and registers it with {@code loop}; backend events enter through {@code guard}. */
    @Override
    public void start(EventLoop loop, DeviceGuard guard) {
        muxer.start(Objects.requireNonNull(loop, "loop"), Objects.requireNonNull(guard, "guard"), this::deliverRx);
    }

    @Override
    public void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt) {
        this.memory = memory;
        this.rx = queues[RX_QUEUE].isReady() ? queues[RX_QUEUE] : null;
        this.tx = queues[TX_QUEUE].isReady() ? queues[TX_QUEUE] : null;
        this.interrupt = interrupt;
        this.heldRx = null;
    }

    @Override
    public void processQueue(int queueIndex) {
        if (queueIndex == TX_QUEUE) {
            processTx();
        }
        if (queueIndex == TX_QUEUE || queueIndex == RX_QUEUE) {
            deliverRx();
        }
    }

    private void processTx() {
        if (tx == null) {
            return;
        }
        do {
            DescriptorChain chain;
            while ((chain = tx.popDescriptorChain(memory)) != null) {
                if (txHeader.readFrom(chain)) {
                    muxer.fromGuest(txHeader, chain);
                } // else shorter than a header: nothing to answer, dropped
                tx.addUsed(memory, chain.headIndex(), 0);
            }
        } while (tx.enableNotification(memory));
        if (tx.needsNotification(memory)) {
            interrupt.signalUsedBuffer(TX_QUEUE);
        }
    }

    /** Moves owed packets into rx buffers until either runs out. Runs on the device thread, under the guard. */
    private void deliverRx() {
        if (rx == null) {
            return;
        }
        boolean added = false;
        while (muxer.hasPendingRx()) {
            DescriptorChain chain = heldRx;
            if (chain == null) {
                chain = rx.popDescriptorChain(memory);
                if (chain == null) {
                    if (rx.enableNotification(memory)) {
                        continue;
                    }
                    break; // the driver's next rx buffers notify us
                }
                heldRx = chain;
            }
            int used;
            if (chain.writableLength() < VsockHeader.SIZE) {
                used = 0; // no room for a header: returned unused
            } else {
                used = muxer.writeNextPacket(rxHeader, chain);
                if (used < 0) {
                    break; // nothing owed after all; the chain waits for the next packet
                }
                rxHeader.writeTo(chain);
            }
            heldRx = null;
            rx.addUsed(memory, chain.headIndex(), used);
            added = true;
        }
        if (added && rx.needsNotification(memory)) {
            interrupt.signalUsedBuffer(RX_QUEUE);
        }
    }

    /** Every connection ends: host programs see their sockets close; the listening socket stays. */
    @Override
    public void reset() {
        muxer.reset();
        memory = null;
        rx = null;
        tx = null;
        interrupt = null;
        heldRx = null;
    }

    /** Closes every socket and removes the listening socket's path; call after the event loop stopped. */
    @Override
    public void close() {
        muxer.close();
    }

    // ---- inspection, for tests and diagnostics

    int connectionCount() { return muxer.connectionCount(); }

    int ringsAllocated() { return muxer.ringsAllocated(); }

    String brokenInvariant() { return muxer.brokenInvariant(); }
}
