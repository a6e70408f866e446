package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE;
import static dev.jvmm.devices.virtio.vsock.VsockHeader.VIRTIO_VSOCK_SHUTDOWN_F_SEND;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.bindings.libc.pollfd;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.sys.SyscallException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One stream connection between a guest port and a host Unix socket (virtio 1.2 §5.10.6.5): its state, the credit
 * both ways (§5.10.6.3), the shutdown flags both sides sent (§5.10.6.5) and the packets it owes the guest. It never
 * touches the event loop or the connection table: each event returns what the {@link VsockMuxer} does next
 * ({@link #KEEP}, {@link #RESET}, {@link #CLOSE}).
 *
 * <p>Guest to host ({@link HostBound}): payload goes straight to the socket, what it refuses waits within the
 * buffer advertised to the guest, and a driver that sends beyond it is reset. Host to guest: bytes are received
 * straight into the guest's rx buffer, never more than the guest's free credit ({@link PeerCredit}).
 */
final class VsockConnection {
    /** Connection states; {@link #transition} is the only place they change. */
    enum State {
        /** A host program connected to the listening socket; its {@code CONNECT <port>} line is being read. */
        AWAITING_CONNECT,
        /** REQUEST (owed or sent) to the guest port, waiting for RESPONSE. */
        LOCAL_INIT,
        /** Data flows both ways, within credit and the shutdown flags. */
        ESTABLISHED,
        /** The guest shut down both directions: the buffered bytes go to the host, then RST answers. */
        DRAINING
    }

    /** What the muxer does after an event: keep the connection, end it with an RST, or end it quietly. */
    static final int KEEP = 0;
    static final int RESET = 1;
    static final int CLOSE = 2;

    /**
     * The socket's epoll events, edge-triggered: an event says the socket changed, and {@code hostReadable} remembers
     * that it may have bytes until a read finds none, so no registration changes with credit or buffering.
     */
    static final int EVENTS = libc_h.EPOLLIN() | libc_h.EPOLLOUT() | libc_h.EPOLLET();
    /** Largest payload of one packet either way (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
    static final int MAX_PAYLOAD = 64 * 1024;
    /** Ring bytes beyond {@code buf_alloc}, for the {@code OK <port>\n} line the host program is sent. */
    static final int CONTROL_ROOM = 32;

    private static final int OWE_REQUEST = 1;
    private static final int OWE_RESPONSE = 2;
    private static final int OWE_SHUTDOWN = 4;
    private static final int OWE_CREDIT_UPDATE = 8;
    private static final int EPOLLIN = libc_h.EPOLLIN();
    private static final int EPOLLOUT = libc_h.EPOLLOUT();
    private static final int HANGUP = libc_h.EPOLLHUP() | libc_h.EPOLLERR();

    final UnixSocket socket;
    private final long guestCid;
    private final MemorySegment scratch;
    private final HostBound hostBound;
    private final PeerCredit peer = new PeerCredit();

    // Owned by the muxer.
    Runnable onReady;
    int readyEvents;
    boolean registered;
    boolean queued;
    volatile boolean closed;

    private State state;
    private long stateSince;
    private int hostPort;
    private int guestPort;
    private ConnectCommand command;
    private boolean guestKnows;
    private int owed;
    private boolean finished;

    private int lastSentFwdCnt;
    private boolean creditRequested;

    private int guestShutdown;
    private boolean shutdownOutputPending;
    private boolean hostReadable;
    private boolean hostEof;
    private boolean hostHup;

    private VsockConnection(UnixSocket socket, long guestCid, RingPool pool, MemorySegment scratch, State state) {
        this.socket = socket;
        this.guestCid = guestCid;
        this.hostBound = new HostBound(pool, pool.ringBytes() - CONTROL_ROOM);
        this.scratch = scratch;
        this.state = state;
        this.stateSince = System.nanoTime();
    }

    /** A host program connected to the listening socket; it must send {@code CONNECT <port>\n} first. */
    static VsockConnection fromHost(UnixSocket socket, long guestCid, RingPool pool, MemorySegment scratch) {
        VsockConnection c = new VsockConnection(socket, guestCid, pool, scratch, State.AWAITING_CONNECT);
        c.command = new ConnectCommand();
        return c;
    }

    /** The guest's REQUEST {@code request} reached a host listener through {@code socket}: RESPONSE is owed. */
    static VsockConnection fromGuest(UnixSocket socket, VsockHeader request, RingPool pool, MemorySegment scratch) {
        VsockConnection c = new VsockConnection(socket, request.srcCid, pool, scratch, State.ESTABLISHED);
        c.hostPort = request.dstPort;
        c.guestPort = request.srcPort;
        c.guestKnows = true;
        c.peerCredit(request);
        c.owed = OWE_RESPONSE;
        c.hostReadable = true;
        return c;
    }

    State state() { return state; }

    int hostPort() { return hostPort; }

    int guestPort() { return guestPort; }

    /** Whether the guest has heard of this connection (so ending it takes an RST). */
    boolean guestKnows() { return guestKnows; }

    /** Whether nothing can flow any more: the muxer forgets the connection quietly. */
    boolean finished() { return finished; }

    long stateSince() { return stateSince; }

    /** Guest bytes taken but not yet delivered to the host socket (at most {@code buf_alloc}). */
    int guestBytesBuffered() { return hostBound.buffered(); }

    private void transition(State next) {
        boolean allowed = switch (next) {
            case AWAITING_CONNECT -> false;
            case LOCAL_INIT -> state == State.AWAITING_CONNECT;
            case ESTABLISHED -> state == State.LOCAL_INIT;
            case DRAINING -> state == State.ESTABLISHED;
        };
        if (!allowed) {
            throw new IllegalStateException("vsock connection cannot go from " + state + " to " + next);
        }
        state = next;
        stateSince = System.nanoTime();
    }

    // ---- host program's CONNECT line

    /** Reads the CONNECT line: the guest port once complete, or {@link ConnectCommand#INCOMPLETE} / INVALID. */
    long readCommand() {
        MemorySegment oneByte = scratch.asSlice(0, 1);
        for (int i = 0; i < ConnectCommand.MAX_LENGTH; i++) {
            long n = socket.recv(oneByte);
            if (n < 0) {
                return ConnectCommand.INCOMPLETE;
            }
            if (n == 0) {
                return ConnectCommand.INVALID;
            }
            long result = command.accept(oneByte.get(ValueLayout.JAVA_BYTE, 0));
            if (result != ConnectCommand.INCOMPLETE) {
                return result;
            }
        }
        return ConnectCommand.INVALID;
    }

    /** The CONNECT line named {@code guestPort}; {@code hostPort} is the port allocated to this end. */
    void connecting(int hostPort, int guestPort) {
        transition(State.LOCAL_INIT);
        this.hostPort = hostPort;
        this.guestPort = guestPort;
        this.command = null;
        owed |= OWE_REQUEST;
    }

    // ---- packets from the guest (REQUEST and RST are the muxer's)

    /** Handles RESPONSE, RW, SHUTDOWN, CREDIT_UPDATE or CREDIT_REQUEST whose payload {@code chain} holds. */
    int fromGuest(VsockHeader h, DescriptorChain chain) {
        peerCredit(h);
        switch (h.op) {
            case VsockHeader.VIRTIO_VSOCK_OP_RESPONSE -> {
                if (state != State.LOCAL_INIT || (owed & OWE_REQUEST) != 0) {
                    return RESET;
                }
                transition(State.ESTABLISHED);
                sendOkLine();
                hostReadable = true; // bytes that followed the CONNECT line came with an edge already consumed
                return KEEP;
            }
            case VsockHeader.VIRTIO_VSOCK_OP_RW -> {
                long length = Integer.toUnsignedLong(h.len);
                // §5.10.6.3: a driver MUST NOT send beyond the buffer space we advertised.
                if (state != State.ESTABLISHED || (guestShutdown & VIRTIO_VSOCK_SHUTDOWN_F_SEND) != 0
                        || !hostBound.fits(length)) {
                    return RESET;
                }
                hostBound.payload(socket, chain, length);
                noteForwarded();
                return KEEP;
            }
            case VsockHeader.VIRTIO_VSOCK_OP_SHUTDOWN -> {
                if (state == State.LOCAL_INIT) {
                    return RESET;
                }
                int added = h.flags & ~guestShutdown & (VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE | VIRTIO_VSOCK_SHUTDOWN_F_SEND);
                guestShutdown |= added;
                if ((added & VIRTIO_VSOCK_SHUTDOWN_F_SEND) != 0) {
                    shutdownOutputPending = true;
                }
                if (guestShutdown == (VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE | VIRTIO_VSOCK_SHUTDOWN_F_SEND)
                        && state == State.ESTABLISHED) {
                    transition(State.DRAINING);
                }
                if (hostHup && (guestShutdown & VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE) != 0) {
                    return RESET;
                }
                return afterFlush();
            }
            case VsockHeader.VIRTIO_VSOCK_OP_CREDIT_UPDATE -> {
                return KEEP;
            }
            case VsockHeader.VIRTIO_VSOCK_OP_CREDIT_REQUEST -> {
                owed |= OWE_CREDIT_UPDATE;
                return KEEP;
            }
            default -> {
                return RESET;
            }
        }
    }

    /** §5.10.6.3: every packet of a stream carries the sender's buf_alloc and fwd_cnt. */
    private void peerCredit(VsockHeader h) {
        peer.update(h.bufAlloc, h.fwdCnt);
        if (peer.free() > 0) {
            creditRequested = false;
        }
    }

    private void sendOkLine() {
        byte[] line = ("OK " + Integer.toUnsignedString(hostPort) + "\n").getBytes(StandardCharsets.US_ASCII);
        MemorySegment bytes = scratch.asSlice(0, line.length);
        MemorySegment.copy(line, 0, bytes, ValueLayout.JAVA_BYTE, 0, line.length);
        hostBound.control(socket, bytes);
    }

    /** Owes the guest a CREDIT_UPDATE once a quarter of its view of our buffer has been freed. */
    private void noteForwarded() {
        if (hostBound.fwdCnt() - lastSentFwdCnt >= hostBound.bufAlloc() / 4) {
            owed |= OWE_CREDIT_UPDATE;
        }
    }

    /** Once the ring is empty: the guest's SHUTDOWN(SEND) reaches the host, and a draining connection ends. */
    private int afterFlush() {
        if (hostBound.pending()) {
            return KEEP;
        }
        if (shutdownOutputPending) {
            shutdownOutputPending = false;
            socket.shutdownOutput();
        }
        // §5.10.6.5: RST answers the peer's SHUTDOWN of both directions.
        return state == State.DRAINING ? RESET : KEEP;
    }

    // ---- host socket readiness

    /** The socket changed ({@code events} from epoll) in LOCAL_INIT, ESTABLISHED or DRAINING. */
    int hostReady(int events) {
        boolean hangup = (events & HANGUP) != 0;
        if ((events & EPOLLIN) != 0 || hangup) {
            hostReadable = true;
        }
        if (state == State.LOCAL_INIT) {
            return !hangup ? KEEP : guestKnows ? RESET : CLOSE;
        }
        if ((events & EPOLLOUT) != 0 && hostBound.pending()) {
            hostBound.drain(socket);
            noteForwarded();
            int result = afterFlush();
            if (result != KEEP) {
                return result;
            }
        }
        if (hangup && !hostHup) {
            hostHup = true;
            // The host takes nothing more: bytes still buffered for it, or a guest that receives nothing, end it.
            if (hostBound.pending() || (guestShutdown & VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE) != 0) {
                return RESET;
            }
            if (hostEof) {
                owed |= OWE_SHUTDOWN; // the guest heard SEND at end of stream; now RECEIVE too
            }
        }
        return KEEP;
    }

    /** Whether host bytes may still go to the guest. */
    private boolean deliversHostBytes() {
        return state == State.ESTABLISHED && !hostEof && (guestShutdown & VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE) == 0;
    }

    // ---- packets to the guest

    /** Whether the connection has a packet for the guest's rx queue. */
    boolean wantsRx() {
        return owed != 0 || deliversHostBytes() && hostReadable && (peer.free() > 0 || !creditRequested);
    }

    /**
     * Writes this connection's next packet into {@code chain}: header fields into {@code h} (the caller encodes
     * it), payload after it. Returns the used length, or -1 if there was nothing to send after all.
     */
    int writePacket(VsockHeader h, DescriptorChain chain) {
        if ((owed & OWE_REQUEST) != 0) {
            owed &= ~OWE_REQUEST;
            guestKnows = true;
            return header(h, VsockHeader.VIRTIO_VSOCK_OP_REQUEST);
        }
        if ((owed & OWE_RESPONSE) != 0) {
            owed &= ~OWE_RESPONSE;
            return header(h, VsockHeader.VIRTIO_VSOCK_OP_RESPONSE);
        }
        if (deliversHostBytes() && hostReadable) {
            long free = peer.free();
            if (free == 0) {
                if (!creditRequested) {
                    creditRequested = true;
                    return header(h, VsockHeader.VIRTIO_VSOCK_OP_CREDIT_REQUEST);
                }
            } else if (chain.writableLength() == VsockHeader.SIZE) {
                // No room for payload: use the buffer for our credit so that a bigger one comes next.
                return header(h, VsockHeader.VIRTIO_VSOCK_OP_CREDIT_UPDATE);
            } else {
                long room = Math.min(Math.min(chain.writableLength() - VsockHeader.SIZE, free), MAX_PAYLOAD);
                long n;
                try {
                    n = receive(chain, room);
                } catch (SyscallException e) {
                    finished = true; // the host program reset its end (ECONNRESET)
                    return header(h, VsockHeader.VIRTIO_VSOCK_OP_RST);
                }
                if (n > 0) {
                    peer.sent(n);
                    header(h, VsockHeader.VIRTIO_VSOCK_OP_RW);
                    h.len = (int) n;
                    return VsockHeader.SIZE + (int) n;
                }
                if (n == 0) {
                    hostEof = true;
                    // A close rather than a half-close: the guest hears both directions end in one SHUTDOWN.
                    hostHup |= socket.hungUp(scratch.asSlice(32, pollfd.sizeof()));
                    owed |= OWE_SHUTDOWN;
                } else {
                    hostReadable = false;
                }
            }
        }
        if ((owed & OWE_SHUTDOWN) != 0) {
            owed &= ~OWE_SHUTDOWN;
            header(h, VsockHeader.VIRTIO_VSOCK_OP_SHUTDOWN);
            // The host sends no more; after a hangup it receives no more either and nothing is left to do.
            h.flags = VIRTIO_VSOCK_SHUTDOWN_F_SEND | (hostHup ? VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE : 0);
            finished = hostHup;
            return VsockHeader.SIZE;
        }
        if ((owed & OWE_CREDIT_UPDATE) != 0) {
            return header(h, VsockHeader.VIRTIO_VSOCK_OP_CREDIT_UPDATE);
        }
        return -1;
    }

    /** Receives at most {@code max} bytes into the payload area; returns the count, 0 at end of stream, -1 if none. */
    private long receive(DescriptorChain chain, long max) {
        long skip = VsockHeader.SIZE;
        long done = 0;
        for (int i = chain.firstWritableIndex(); i < chain.descriptorCount() && done < max; i++) {
            long descriptorLength = chain.length(i);
            if (skip >= descriptorLength) {
                skip -= descriptorLength;
                continue;
            }
            long want = Math.min(descriptorLength - skip, max - done);
            long n = socket.recv(chain.memory().slice(chain.address(i) + skip, want));
            if (n <= 0) {
                return done > 0 ? done : n;
            }
            done += n;
            if (n < want) {
                break;
            }
            skip = 0;
        }
        return done;
    }

    /** Fills {@code h} for a packet of this connection to the guest; every packet carries our credit. */
    private int header(VsockHeader h, int op) {
        h.reset(VirtioVsock.HOST_CID, hostPort, guestCid, guestPort, op);
        h.bufAlloc = hostBound.bufAlloc();
        h.fwdCnt = hostBound.fwdCnt();
        lastSentFwdCnt = h.fwdCnt;
        owed &= ~OWE_CREDIT_UPDATE;
        return VsockHeader.SIZE;
    }

    /** Gives the ring back; the muxer closes the socket. */
    void release() {
        hostBound.release();
    }

    @Override
    public String toString() {
        return "vsock " + state + " host port " + Integer.toUnsignedString(hostPort) + " guest port "
                + Integer.toUnsignedString(guestPort);
    }
}
