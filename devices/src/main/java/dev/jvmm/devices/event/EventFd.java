package dev.jvmm.devices.event;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A non-blocking eventfd (eventfd(2)): a 64-bit counter that one side signals and the other drains. KVM signals
 * them for ioeventfds and consumes them for irqfds; device threads wait on them in an {@link EventLoop}.
 * {@link #signal} and {@link #drain} use per-instance buffers, so each side must stay on one thread.
 */
public final class EventFd implements AutoCloseable {
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment signalBuffer = arena.allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment drainBuffer = arena.allocate(ValueLayout.JAVA_LONG);
    private volatile boolean closed;

    public EventFd() {
        fd = Libc.eventfd(0, libc_h.EFD_NONBLOCK());
        signalBuffer.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    public int fd() { return fd; }

    /** Adds one to the counter, waking whoever waits on it. */
    public void signal() {
        synchronized (signalBuffer) {
            Libc.write(fd, signalBuffer);
        }
    }

    /** Reads and resets the counter; returns how many signals arrived since the last drain (0 if none). */
    public long drain() {
        synchronized (drainBuffer) {
            return Libc.read(fd, drainBuffer) < 0 ? 0 : drainBuffer.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(fd);
        arena.close();
    }
}
