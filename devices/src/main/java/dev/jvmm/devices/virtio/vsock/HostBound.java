package dev.jvmm.devices.virtio.vsock;

import dev.jvmm.devices.virtio.queue.DescriptorChain;
import java.lang.foreign.MemorySegment;

/**
 * A connection's bytes on their way from the guest to the host socket, and the receive buffer the device
 * advertises for them (virtio 1.2 §5.10.6.3). Bytes go straight to the socket; what it refuses waits, in order, in
 * a ring taken from the pool (and given back once empty), never more than {@code buf_alloc} guest bytes.
 * {@code rx_cnt} counts the payload the guest sent, {@code fwd_cnt} the part that reached the socket. Control
 * bytes the device writes itself (the {@code OK} line) go through the same ring but count for neither.
 */
final class HostBound {
    private final RingPool pool;
    private final int bufAlloc;
    private ByteRing ring;
    private int controlBytes;
    private int rxCnt;

    HostBound(RingPool pool, int bufAlloc) {
        this.pool = pool;
        this.bufAlloc = bufAlloc;
    }

    int bufAlloc() { return bufAlloc; }

    /** Whether bytes wait for the socket (the ring is held exactly while they do). */
    boolean pending() { return ring != null; }

    /** Guest bytes waiting for the socket. */
    int buffered() { return ring == null ? 0 : ring.size() - controlBytes; }

    /** {@code fwd_cnt}: guest payload bytes that reached the host socket. */
    int fwdCnt() { return rxCnt - buffered(); }

    /** Whether {@code length} more guest bytes stay within the buffer space the device advertised. */
    boolean fits(long length) { return length <= bufAlloc - buffered(); }

    /** Sends payload bytes [SIZE, SIZE + length) of the chain's device-readable stream; they must {@link #fits}. */
    void payload(UnixSocket socket, DescriptorChain chain, long length) {
        rxCnt += (int) length;
        long skip = VsockHeader.SIZE;
        long remaining = length;
        int readable = chain.firstWritableIndex();
        for (int i = 0; i < readable && remaining > 0; i++) {
            long descriptorLength = chain.length(i);
            if (skip >= descriptorLength) {
                skip -= descriptorLength;
                continue;
            }
            long n = Math.min(descriptorLength - skip, remaining);
            send(socket, chain.memory().slice(chain.address(i) + skip, n));
            remaining -= n;
            skip = 0;
        }
    }

    /** Sends bytes of the device's own (at most {@link VsockConnection#CONTROL_ROOM}) after those waiting. */
    void control(UnixSocket socket, MemorySegment bytes) {
        controlBytes += send(socket, bytes);
    }

    /** Sends {@code bytes} after anything waiting; returns how many had to wait. */
    private int send(UnixSocket socket, MemorySegment bytes) {
        long sent = 0;
        if (ring == null) {
            sent = Math.max(0, socket.send(bytes));
        }
        long rest = bytes.byteSize() - sent;
        if (rest > 0) {
            if (ring == null) {
                ring = pool.take();
            }
            ring.append(sent == 0 ? bytes : bytes.asSlice(sent));
        }
        return (int) rest;
    }

    /** Sends waiting bytes until the socket is full; returns whether none are left. */
    boolean drain(UnixSocket socket) {
        if (ring == null) {
            return true;
        }
        int sent = ring.drainTo(socket);
        controlBytes = Math.max(0, controlBytes - sent); // control bytes were queued first
        if (!ring.isEmpty()) {
            return false;
        }
        release();
        return true;
    }

    /** Gives the ring back to the pool; waiting bytes are dropped. */
    void release() {
        if (ring != null) {
            pool.give(ring);
            ring = null;
            controlBytes = 0;
        }
    }
}
