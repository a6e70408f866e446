package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.vsock.VsockConnection.CLOSE;
import static dev.jvmm.devices.virtio.vsock.VsockConnection.KEEP;
import static dev.jvmm.devices.virtio.vsock.VsockConnection.RESET;

import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.virtio.DeviceGuard;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * The host side of the vsock device, in the shape Firecracker's users know: host programs connect to the Unix
 * socket at the device's path and send {@code CONNECT <port>\n}; a guest connection to host port P is connected to
 * the Unix socket {@code <path>_P}. The muxer owns the listening socket, the live {@link VsockConnection}s by
 * their (host port, guest port) pair, the order in which they get rx buffers, and the RSTs owed for connections
 * that are gone; it registers every socket with the device's {@link EventLoop} and enters the device through its
 * {@link DeviceGuard}.
 *
 * <p>Limits keep a misbehaving guest or host program from growing the VMM: at most {@code maxConnections}
 * connections (connections still being set up after {@link #CONNECT_TIMEOUT_NANOS} are reclaimed first), one ring
 * of {@code buf_alloc} bytes each, and a bounded RST queue.
 */
final class VsockMuxer implements AutoCloseable {
    /** Host ports of host-initiated connections start here, as Firecracker's do; the guest sees them in REQUEST. */
    static final int FIRST_HOST_PORT = 1 << 30;
    /** A connection that has not reached ESTABLISHED after this long may be reclaimed for a new one. */
    static final long CONNECT_TIMEOUT_NANOS = 2_000_000_000L;

    private static final System.Logger LOG = System.getLogger(VsockMuxer.class.getName());
    private static final int LAST_HOST_PORT = -2; // 0xfffffffe; 0xffffffff is VMADDR_PORT_ANY

    private final long guestCid;
    private final Path udsPath;
    private final String portPathPrefix;
    private final int maxConnections;
    private final RingPool pool;
    private final ConnectionTable table;
    private final ArrayList<VsockConnection> live;
    private final ArrayDeque<VsockConnection> rxQueue;
    private final RstQueue rsts;
    private final Arena arena = Arena.ofShared();
    /** The OK line, one byte of a CONNECT line, a pollfd: used by one connection at a time, under the guard. */
    private final MemorySegment scratch = arena.allocate(64, 8);

    private EventLoop loop;
    private DeviceGuard guard;
    private Runnable deliver;
    private ListeningSocket listener;
    private int nextHostPort = FIRST_HOST_PORT;
    private boolean closed;

    VsockMuxer(long guestCid, Path udsPath, int maxConnections, int bufAlloc) {
        this.guestCid = guestCid;
        this.udsPath = udsPath;
        this.portPathPrefix = udsPath + "_";
        this.maxConnections = maxConnections;
        this.pool = new RingPool(bufAlloc + VsockConnection.CONTROL_ROOM, maxConnections);
        this.table = new ConnectionTable(maxConnections);
        this.live = new ArrayList<>(maxConnections);
        this.rxQueue = new ArrayDeque<>(maxConnections);
        this.rsts = new RstQueue(2 * maxConnections);
    }

    /**
     * Listens at the device's path and watches it on {@code loop}; {@code deliver} runs after every backend event,
     * inside {@code guard}, to move what the event produced into the rx queue.
     */
    void start(EventLoop loop, DeviceGuard guard, Runnable deliver) {
        if (this.loop != null) {
            throw new IllegalStateException("vsock device already started");
        }
        UnixListener bound = UnixListener.bind(udsPath);
        this.loop = loop;
        this.guard = guard;
        this.deliver = deliver;
        this.listener = new ListeningSocket(bound, loop, guard, this::acceptHost, deliver);
    }

    // ---- host programs connecting to the listening socket

    private void acceptHost(UnixSocket socket) {
        if (roomForConnection()) {
            adopt(VsockConnection.fromHost(socket, guestCid, pool, scratch));
        } else {
            socket.close();
        }
    }

    private int connectLine(VsockConnection c) {
        long port = c.readCommand();
        if (port == ConnectCommand.INCOMPLETE) {
            return KEEP;
        }
        if (port == ConnectCommand.INVALID) {
            return CLOSE;
        }
        int guestPort = (int) port;
        c.connecting(allocateHostPort(guestPort), guestPort);
        table.put(c.hostPort(), guestPort, c);
        return KEEP;
    }

    private int allocateHostPort(int guestPort) {
        while (true) {
            int port = nextHostPort;
            nextHostPort = port == LAST_HOST_PORT ? FIRST_HOST_PORT : port + 1;
            if (table.get(port, guestPort) == null) {
                return port;
            }
        }
    }

    // ---- packets from the guest's tx queue

    /** One packet the guest sent, header {@code h} decoded from {@code chain}; the device read at least its header. */
    void fromGuest(VsockHeader h, DescriptorChain chain) {
        if (h.srcCid != guestCid || h.dstCid != VirtioVsock.HOST_CID) {
            return; // misaddressed (§5.10.6.4: the driver MUST use guest_cid): dropped, as vhost-vsock does
        }
        VsockConnection c = table.get(h.dstPort, h.srcPort);
        if (h.op == VsockHeader.VIRTIO_VSOCK_OP_RST) {
            if (c != null) {
                kill(c, false);
            }
            return;
        }
        long length = Integer.toUnsignedLong(h.len);
        // §5.10.6.4: RST answers an unknown type; a length beyond the buffers or any packet is malformed.
        if (h.type != VsockHeader.VIRTIO_VSOCK_TYPE_STREAM || length > VsockConnection.MAX_PAYLOAD
                || length > chain.readableLength() - VsockHeader.SIZE) {
            reject(h, c);
            return;
        }
        switch (h.op) {
            case VsockHeader.VIRTIO_VSOCK_OP_REQUEST -> {
                if (c != null) {
                    reject(h, c);
                } else {
                    connectToHost(h);
                }
            }
            case VsockHeader.VIRTIO_VSOCK_OP_RESPONSE, VsockHeader.VIRTIO_VSOCK_OP_RW,
                 VsockHeader.VIRTIO_VSOCK_OP_SHUTDOWN, VsockHeader.VIRTIO_VSOCK_OP_CREDIT_UPDATE,
                 VsockHeader.VIRTIO_VSOCK_OP_CREDIT_REQUEST -> {
                if (c == null) {
                    rst(h);
                    return;
                }
                int result;
                try {
                    result = c.fromGuest(h, chain);
                } catch (SyscallException e) {
                    result = RESET; // the host program is gone
                }
                settle(c, result);
            }
            default -> reject(h, c);
        }
    }

    private void reject(VsockHeader h, VsockConnection c) {
        if (c != null) {
            kill(c, false);
        }
        rst(h);
    }

    private void rst(VsockHeader h) {
        rsts.add(h.dstPort, h.srcPort);
    }

    private void connectToHost(VsockHeader request) {
        if (loop == null || !roomForConnection()) {
            rst(request);
            return;
        }
        UnixSocket socket = null;
        try {
            socket = UnixSocket.connect(portPathPrefix + Integer.toUnsignedString(request.dstPort));
        } catch (SyscallException e) {
            LOG.log(System.Logger.Level.DEBUG, "vsock: no socket for port {0}: {1}", request.dstPort, e.getMessage());
        }
        if (socket == null) {
            rst(request); // nobody listens at <path>_<port>
            return;
        }
        VsockConnection c = VsockConnection.fromGuest(socket, request, pool, scratch);
        table.put(c.hostPort(), c.guestPort(), c);
        adopt(c);
    }

    // ---- connection bookkeeping

    private boolean roomForConnection() {
        if (live.size() < maxConnections) {
            return true;
        }
        long now = System.nanoTime();
        for (int i = live.size() - 1; i >= 0; i--) {
            VsockConnection c = live.get(i);
            boolean settingUp = c.state() == VsockConnection.State.AWAITING_CONNECT
                    || c.state() == VsockConnection.State.LOCAL_INIT;
            if (settingUp && now - c.stateSince() > CONNECT_TIMEOUT_NANOS) {
                kill(c, c.guestKnows());
            }
        }
        return live.size() < maxConnections;
    }

    private void adopt(VsockConnection c) {
        live.add(c);
        c.onReady = () -> {
            if (!c.closed) {
                hostReady(c);
            }
            deliver.run();
        };
        loop.register(c.socket.fd(), VsockConnection.EVENTS, c.toString(), events -> {
            c.readyEvents = events;
            // Not active (no driver, or it broke the device): the event is dropped; reset closes the socket, and
            // edge-triggered events do not repeat meanwhile.
            guard.runIfActive(c.onReady);
        });
        c.registered = true;
        schedule(c);
    }

    private void hostReady(VsockConnection c) {
        int result;
        try {
            result = c.state() == VsockConnection.State.AWAITING_CONNECT ? connectLine(c) : c.hostReady(c.readyEvents);
        } catch (SyscallException e) {
            result = c.guestKnows() ? RESET : CLOSE;
        }
        settle(c, result);
    }

    /** Applies what an event returned: end the connection, or give it its turn for rx if it has a packet. */
    private void settle(VsockConnection c, int result) {
        if (result == RESET) {
            kill(c, c.guestKnows());
        } else if (result == CLOSE || c.finished()) {
            kill(c, false);
        } else {
            schedule(c);
        }
    }

    private void schedule(VsockConnection c) {
        if (!c.queued && c.wantsRx()) {
            c.queued = true;
            rxQueue.add(c);
        }
    }

    /** Ends {@code c}: stops watching and closes its socket, forgets it, and owes the guest an RST if asked. */
    private synchronized void kill(VsockConnection c, boolean sendRst) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        unwatch(c);
        c.socket.close();
        c.release();
        live.remove(c);
        if (c.state() != VsockConnection.State.AWAITING_CONNECT) {
            table.remove(c.hostPort(), c.guestPort(), c);
        }
        if (c.queued) {
            rxQueue.remove(c);
            c.queued = false;
        }
        if (sendRst) {
            rsts.add(c.hostPort(), c.guestPort());
        }
        if (listener != null) {
            listener.resume(); // in case accept(2) ran out of fds
        }
    }

    private void unwatch(VsockConnection c) {
        if (c.registered) {
            loop.unregister(c.socket.fd());
            c.registered = false;
        }
    }

    // ---- packets to the guest's rx queue

    boolean hasPendingRx() {
        return !rsts.isEmpty() || !rxQueue.isEmpty();
    }

    /**
     * Writes the next owed packet into {@code chain} (at least a header's worth of device-writable bytes): RSTs
     * first, then connections in turn, one packet each. Header fields go to {@code h}, which the caller encodes.
     * Returns the used length, or -1 if nothing was owed after all.
     */
    int writeNextPacket(VsockHeader h, DescriptorChain chain) {
        if (!rsts.isEmpty()) {
            long pair = rsts.poll();
            h.reset(VirtioVsock.HOST_CID, (int) (pair >>> 32), guestCid, (int) pair, VsockHeader.VIRTIO_VSOCK_OP_RST);
            return VsockHeader.SIZE;
        }
        VsockConnection c;
        while ((c = rxQueue.poll()) != null) {
            c.queued = false;
            int used = c.writePacket(h, chain);
            if (used >= 0) {
                settle(c, KEEP);
                return used;
            }
        }
        return -1;
    }

    // ---- lifecycle

    /** The driver reset the device: every connection ends (host programs see their socket close). */
    synchronized void reset() {
        for (VsockConnection c : live) {
            c.closed = true;
            unwatch(c);
            c.socket.close();
            c.release();
            c.queued = false;
        }
        live.clear();
        table.clear();
        rxQueue.clear();
        rsts.clear();
        if (listener != null) {
            listener.resume();
        }
    }

    /** After the event loop stopped: closes every socket and unlinks the listening path. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (VsockConnection c : live) {
            c.closed = true;
            c.socket.close();
            c.release();
        }
        live.clear();
        table.clear();
        rxQueue.clear();
        if (listener != null) {
            listener.close();
            listener = null;
        }
        pool.close();
        arena.close();
    }

    // ---- inspection, for tests and diagnostics

    int connectionCount() { return live.size(); }

    int ringsAllocated() { return pool.allocated(); }

    /** A description of the first broken invariant, or {@code null}; call with the device quiescent. */
    String brokenInvariant() {
        if (live.size() > maxConnections) {
            return live.size() + " connections, more than " + maxConnections;
        }
        if (pool.allocated() > maxConnections) {
            return pool.allocated() + " rings, more than " + maxConnections;
        }
        int inTable = 0;
        for (VsockConnection c : live) {
            if (c.closed) {
                return c + " is closed but live";
            }
            if (c.state() != VsockConnection.State.AWAITING_CONNECT) {
                inTable++;
                if (table.get(c.hostPort(), c.guestPort()) != c) {
                    return c + " is not in the table under its ports";
                }
            }
            if (c.guestBytesBuffered() < 0 || c.guestBytesBuffered() > pool.ringBytes() - VsockConnection.CONTROL_ROOM) {
                return c + " buffers " + c.guestBytesBuffered() + " guest bytes";
            }
            if (c.queued != rxQueue.contains(c)) {
                return c + " queued flag " + c.queued + " disagrees with the rx queue";
            }
        }
        if (inTable != table.size()) {
            return "table holds " + table.size() + " connections, " + inTable + " are live";
        }
        for (VsockConnection c : rxQueue) {
            if (!live.contains(c)) {
                return c + " waits for rx but is not live";
            }
        }
        return null;
    }
}
