package dev.jvmm.devices.virtio.vsock;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.bindings.libc.pollfd;
import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One connected, non-blocking AF_UNIX stream socket on the host side of a vsock connection; owns its fd. Transfers
 * return -1 when the socket is not ready (EAGAIN) and throw {@link dev.jvmm.sys.SyscallException} when the peer is
 * gone (EPIPE, ECONNRESET), which ends the connection.
 */
final class UnixSocket implements AutoCloseable {
    static final int STREAM_NONBLOCK = libc_h.SOCK_STREAM() | libc_h.SOCK_NONBLOCK();

    private final int fd;
    private boolean closed;

    UnixSocket(int fd) {
        this.fd = fd;
    }

    /** Connects to the listener at {@code path}; {@code null} if nobody listens there (or its backlog is full). */
    static UnixSocket connect(String path) {
        int fd = Libc.socket(libc_h.AF_UNIX(), STREAM_NONBLOCK, 0);
        try (Arena arena = Arena.ofConfined()) {
            if (Libc.connect(fd, Libc.sockaddrUn(path, arena)) == 0) {
                return new UnixSocket(fd);
            }
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
        Libc.close(fd);
        return null;
    }

    int fd() { return fd; }

    /** Bytes sent from {@code buf}, or -1 when the socket is full. */
    long send(MemorySegment buf) {
        return Libc.send(fd, buf, 0);
    }

    /** Bytes received into {@code buf}, 0 at end of stream, -1 when nothing is there. */
    long recv(MemorySegment buf) {
        return Libc.recv(fd, buf, 0);
    }

    /**
     * Whether the peer is gone for good (POLLHUP: it closed, or both directions are shut down), asked without
     * waiting, in {@code scratch} (a {@code struct pollfd}). Tells a half-close from a close at end of stream.
     */
    boolean hungUp(MemorySegment scratch) {
        pollfd.fd(scratch, fd);
        pollfd.events(scratch, (short) 0);
        pollfd.revents(scratch, (short) 0);
        Libc.poll(scratch, 1, 0);
        return (pollfd.revents(scratch) & (libc_h.POLLHUP() | libc_h.POLLERR())) != 0;
    }

    /** The host program reads end of stream once what was sent before has been read. */
    void shutdownOutput() {
        Libc.shutdown(fd, libc_h.SHUT_WR());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
