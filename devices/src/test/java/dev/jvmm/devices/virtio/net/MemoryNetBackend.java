package dev.jvmm.devices.virtio.net;

import dev.jvmm.devices.event.EventFd;
import dev.jvmm.sys.Errno;
import dev.jvmm.sys.IoVectors;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A {@link NetBackend} in memory, the way a TAP behaves: frames (header first) queued for the guest make its
 * eventfd readable until they are all read; frames the device writes are kept in order. Reads and writes can be
 * made to fail with an errno.
 */
final class MemoryNetBackend implements NetBackend {
    private final EventFd ready = new EventFd();
    private final int supportedOffloads;
    private final Deque<byte[]> inbound = new ArrayDeque<>();
    private final List<byte[]> outbound = new ArrayList<>();
    private final List<Integer> offloadHistory = new ArrayList<>();
    private int offloads;
    private int readCalls;
    private int readErrno;
    private int writeErrno;
    private boolean closed;

    MemoryNetBackend(int supportedOffloads) {
        this.supportedOffloads = supportedOffloads;
    }

    /** Queues {@code frame} (virtio header included) for the device to read. */
    synchronized void inject(byte[] frame) {
        inbound.add(frame.clone());
        ready.signal();
    }

    synchronized int pendingInbound() { return inbound.size(); }

    synchronized List<byte[]> outbound() { return List.copyOf(outbound); }

    synchronized int readCalls() { return readCalls; }

    synchronized int offloads() { return offloads; }

    synchronized List<Integer> offloadHistory() { return List.copyOf(offloadHistory); }

    synchronized boolean isClosed() { return closed; }

    synchronized void failReads(int errno) { readErrno = errno; }

    synchronized void failWrites(int errno) { writeErrno = errno; }

    @Override
    public String name() { return "memory"; }

    @Override
    public int readyFd() { return ready.fd(); }

    @Override
    public int supportedOffloads() { return supportedOffloads; }

    @Override
    public synchronized void setOffloads(int offloads) {
        if ((offloads & ~supportedOffloads) != 0) {
            throw new IllegalArgumentException("unsupported offloads " + offloads);
        }
        this.offloads = offloads;
        offloadHistory.add(offloads);
    }

    @Override
    public synchronized long readFrame(IoVectors into) {
        readCalls++;
        if (readErrno != 0) {
            return -readErrno;
        }
        byte[] frame = inbound.poll();
        if (frame == null) {
            return -Errno.EAGAIN;
        }
        if (inbound.isEmpty()) {
            ready.drain();
        }
        into.scatter(frame, frame.length);
        return frame.length;
    }

    @Override
    public synchronized long writeFrame(IoVectors from) {
        if (writeErrno != 0) {
            return -writeErrno;
        }
        byte[] frame = new byte[(int) from.byteSize()];
        from.gather(frame);
        outbound.add(frame);
        return frame.length;
    }

    @Override
    public synchronized void close() {
        closed = true;
        ready.close();
    }
}
