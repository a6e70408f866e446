package dev.jvmm.devices.virtio.net;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.BackendDevice;
import dev.jvmm.devices.virtio.ConfigSpace;
import dev.jvmm.devices.virtio.DeviceGuard;
import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.sys.Errno;
import java.util.Objects;

/**
 * The network device (virtio 1.2 §5.1) over a {@link NetBackend}, normally a {@link TapBackend}: one receive queue
 * (0) and one transmit queue (1), no control queue, no multiqueue. The configuration space holds {@code mac}
 * (VIRTIO_NET_F_MAC) and {@code status} (VIRTIO_NET_F_STATUS, link up until the backend fails). Checksum and
 * segmentation offloads are offered as far as the backend supports them ({@link NetFeatures#offered}) and turned on
 * in the backend only as far as the driver accepted them.
 *
 * <p>VIRTIO_NET_F_MRG_RXBUF is not offered. Without it every frame fits one receive chain, so a frame is placed
 * with one read and one used-ring entry, and is never left half-delivered when buffers run out; merging would need
 * the used entries of one frame published together (the driver reads num_buffers, then takes that many at once),
 * which the split queue does not offer yet. The cost is guest memory: a Linux driver that accepted GUEST_TSO4/6
 * then posts 64 KiB receive buffers (§5.1.6.3.1) instead of page-sized ones.
 *
 * <p>Threads: queue processing, activation and reset come through the transport; TAP readiness arrives on the
 * device's {@link EventLoop} and touches queues only inside {@link DeviceGuard#runIfActive}. While the driver has no
 * receive buffers, or the device is not active, the TAP is not watched at all: no busy wait, and frames queue in
 * the kernel until the driver posts buffers and notifies.
 */
public final class VirtioNet implements BackendDevice {
    public static final int RX_QUEUE = 0;
    public static final int TX_QUEUE = 1;
    public static final int QUEUE_SIZE = 256;
    /** §5.1.4: bit 0 of {@code status}. */
    public static final int VIRTIO_NET_S_LINK_UP = 1;
    /** Bytes of an Ethernet header: the shortest frame either way. */
    public static final int ETH_HLEN = 14;
    /**
     * Largest frame either way: a 64 KiB GSO packet with its Ethernet header, the size §5.1.6.3.1 asks of receive
     * buffers (65562 bytes) less the virtio header.
     */
    public static final int MAX_FRAME_BYTES = 65550;

    private static final System.Logger LOG = System.getLogger(VirtioNet.class.getName());
    private static final int EPOLLIN = libc_h.EPOLLIN();
    private static final int EPOLL_FAILURE = libc_h.EPOLLERR() | libc_h.EPOLLHUP();
    private static final int CONFIG_STATUS = 6;

    private final NetBackend backend;
    private final MacAddress mac;
    private final long features;
    private final ConfigSpace config;
    private final NetCounters counters = new NetCounters();
    private final Transmitter transmitter;
    private final Receiver receiver;
    private final Runnable receiveWork = this::receive;

    private EventLoop loop;
    private DeviceGuard guard;
    /** Events watched on the backend fd; changed under this object's lock. */
    private int watched;
    /** Counts activations, so a backend event that found the device inactive knows whether it still is. */
    private int activations;
    private volatile boolean backendFailed;

    private GuestMemory memory;
    private SplitQueue rxQueue;
    private SplitQueue txQueue;
    private VirtioInterrupt interrupt;
    private long acked;

    /** A network device with address {@code mac} in front of {@code backend}, which it owns and closes. */
    public VirtioNet(NetBackend backend, MacAddress mac) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.mac = Objects.requireNonNull(mac, "mac");
        this.features = VirtioFeatures.TRANSPORT_FEATURES | NetFeatures.VIRTIO_NET_F_MAC
                | NetFeatures.VIRTIO_NET_F_STATUS | NetFeatures.offered(backend.supportedOffloads());
        // struct virtio_net_config (§5.1.4): mac[6], status; the fields after it need MQ, MTU or others not offered.
        this.config = new ConfigSpace(8).putU16(CONFIG_STATUS, VIRTIO_NET_S_LINK_UP);
        byte[] octets = mac.octets();
        for (int i = 0; i < octets.length; i++) {
            config.putU8(i, octets[i] & 0xff);
        }
        this.transmitter = new Transmitter(backend, counters);
        this.receiver = new Receiver(backend, counters);
    }

    public MacAddress mac() { return mac; }

    public NetBackend backend() { return backend; }

    public NetCounters counters() { return counters; }

    /** Whether {@code status} reports the link up: true until the backend fails. */
    public boolean isLinkUp() { return (config.read(CONFIG_STATUS, 2) & VIRTIO_NET_S_LINK_UP) != 0; }

    @Override
    public int deviceType() { return VirtioDeviceType.NET; }

    @Override
    public long deviceFeatures() { return features; }

    @Override
    public int[] queueMaxSizes() { return new int[] {QUEUE_SIZE, QUEUE_SIZE}; }

    @Override
    public long readConfig(int offset, int size) { return config.read(offset, size); }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // mac is writable only through VIRTIO_NET_F_CTRL_MAC_ADDR (legacy: only without VERSION_1); status never.
    }

    /** Registers the backend fd with {@code loop}, unwatched until the driver activates the device. */
    @Override
    public void start(EventLoop loop, DeviceGuard guard) {
        synchronized (this) {
            if (this.loop != null) {
                throw new IllegalStateException("virtio-net " + backend.name() + " already started");
            }
            this.loop = Objects.requireNonNull(loop, "loop");
            this.guard = Objects.requireNonNull(guard, "guard");
            watched = 0;
        }
        loop.register(backend.readyFd(), 0, "virtio-net " + backend.name(), this::backendReady);
    }

    @Override
    public void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt) {
        this.memory = memory;
        this.rxQueue = queues[RX_QUEUE];
        this.txQueue = queues[TX_QUEUE];
        this.interrupt = interrupt;
        this.acked = ackedFeatures;
        if (!backendFailed) {
            backend.setOffloads(NetFeatures.backendOffloads(ackedFeatures));
        }
        synchronized (this) {
            activations++;
            watch(rxQueue.isReady() ? EPOLLIN : 0);
        }
    }

    @Override
    public void processQueue(int queueIndex) {
        if (queueIndex == TX_QUEUE) {
            if (transmitter.transmitAll(memory, txQueue, acked) && txQueue.needsNotification(memory)) {
                interrupt.signalUsedBuffer(TX_QUEUE);
            }
        } else if (queueIndex == RX_QUEUE) {
            receive(); // the driver posted buffers
        }
    }

    /** Runs under the transport's device lock, from a queue notification or backend readiness. */
    private void receive() {
        if (backendFailed || !rxQueue.isReady()) {
            return;
        }
        switch (receiver.receive(memory, rxQueue, acked, interrupt, RX_QUEUE)) {
            case FRAMES -> watch(EPOLLIN);
            case BUFFERS -> watch(0);
            case NEVER -> backendFailed("a read failed with " + Errno.name(receiver.lastError()));
        }
    }

    /** The event loop's handler for the backend fd. */
    private void backendReady(int events) {
        if ((events & EPOLL_FAILURE) != 0) {
            backendFailed("its fd reported " + ((events & libc_h.EPOLLERR()) != 0 ? "EPOLLERR" : "EPOLLHUP")
                    + " (was the interface deleted?)");
            return;
        }
        int generation;
        synchronized (this) {
            generation = activations;
        }
        if (!guard.runIfActive(receiveWork)) {
            stopWatchingUnlessReactivated(generation);
        }
    }

    /** Not active (not yet, reset, or DEVICE_NEEDS_RESET): level-triggered EPOLLIN would fire again at once. */
    private synchronized void stopWatchingUnlessReactivated(int generation) {
        if (activations == generation) {
            watch(0);
        }
    }

    private synchronized void watch(int events) {
        if (loop != null && !backendFailed && events != watched) {
            loop.modify(backend.readyFd(), events);
            watched = events;
        }
    }

    /** The backend cannot be read any more: stop watching it and report the link down (§5.1.4, STATUS). */
    private void backendFailed(String why) {
        synchronized (this) {
            if (backendFailed) {
                return;
            }
            backendFailed = true;
            if (loop != null) {
                loop.unregister(backend.readyFd());
            }
        }
        LOG.log(System.Logger.Level.WARNING, "virtio-net {0}: backend failed, link down: {1}", backend.name(), why);
        config.putU16(CONFIG_STATUS, 0);
        VirtioInterrupt current = interrupt;
        if (current != null && (acked & NetFeatures.VIRTIO_NET_F_STATUS) != 0) {
            current.signalConfigChange();
        }
    }

    @Override
    public void reset() {
        receiver.reset();
        synchronized (this) {
            watch(0);
        }
        if (!backendFailed) {
            try {
                backend.setOffloads(0);
            } catch (RuntimeException e) {
                // Runs on a vCPU thread writing Status: a failing backend must not unwind into the VMM.
                backendFailed("turning its offloads off failed: " + e.getMessage());
            }
        }
        memory = null;
        rxQueue = null;
        txQueue = null;
        interrupt = null;
        acked = 0;
    }

    /** Releases the backend; call after the event loop stopped. */
    @Override
    public void close() {
        try {
            backend.close();
        } finally {
            transmitter.close();
            receiver.close();
        }
    }
}
