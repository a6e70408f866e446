package dev.jvmm.devices.event;

import dev.jvmm.bindings.libc.epoll_event;
import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * One device thread: an epoll(7) loop over eventfds and backend fds that calls each fd's {@link FdHandler} when it
 * is ready. Handlers run on the loop's platform thread, one at a time. A handler that throws is reported to the
 * {@code failureHandler} (the device then sets DEVICE_NEEDS_RESET or the VMM logs it) and the fd is unregistered;
 * the loop, and the VM, keep running. Registration may happen from any thread, before or after {@link #start()}.
 *
 * <p>The wait allocates nothing: events land in a segment allocated once, and handlers are found by a slot number
 * carried in {@code epoll_event.data}.
 */
public final class EventLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());
    private static final int MAX_EVENTS = 32;
    private static final long WAKE_SLOT = -1;

    private final String name;
    private final int epollFd;
    private final EventFd wake = new EventFd();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events = epoll_event.allocateArray(MAX_EVENTS, arena);
    private final BiConsumer<String, Throwable> failureHandler;
    /** Registrations by slot (the epoll data); replaced, never mutated, so the loop reads it without a lock. */
    private volatile Registration[] slots = new Registration[8];
    private volatile boolean running;
    private Thread thread;

    private record Registration(int slot, int fd, FdHandler handler, String what) { }

    /**
     * @param name           names the thread ({@code jvmm-<name>}) and log lines
     * @param failureHandler told what failed (the registration's description) and why; runs on the loop thread
     */
    public EventLoop(String name, BiConsumer<String, Throwable> failureHandler) {
        this.name = Objects.requireNonNull(name, "name");
        this.failureHandler = Objects.requireNonNull(failureHandler, "failureHandler");
        this.epollFd = Libc.epollCreate();
        Libc.epollCtl(epollFd, libc_h.EPOLL_CTL_ADD(), wake.fd(), libc_h.EPOLLIN(), WAKE_SLOT);
    }

    public String name() { return name; }

    /** Watches {@code fd} for {@code events} (e.g. {@code EPOLLIN()}); {@code what} names it in failure reports. */
    public synchronized void register(int fd, int events, String what, FdHandler handler) {
        if (find(fd) != null) {
            throw new IllegalStateException("fd " + fd + " is already registered with " + name);
        }
        Registration[] current = slots;
        int slot = 0;
        while (slot < current.length && current[slot] != null) {
            slot++;
        }
        Registration[] next = Arrays.copyOf(current, slot < current.length ? current.length : current.length * 2);
        Registration r = new Registration(slot, fd, Objects.requireNonNull(handler, "handler"), what);
        next[slot] = r;
        Libc.epollCtl(epollFd, libc_h.EPOLL_CTL_ADD(), fd, events, slot);
        slots = next;
    }

    /** Changes the events watched on a registered {@code fd} (e.g. add EPOLLOUT while a backend is full). */
    public synchronized void modify(int fd, int events) {
        Registration r = find(fd);
        if (r == null) {
            throw new IllegalStateException("fd " + fd + " is not registered with " + name);
        }
        Libc.epollCtl(epollFd, libc_h.EPOLL_CTL_MOD(), fd, events, r.slot());
    }

    /** Stops watching {@code fd}; does not close it. No-op if it is not registered. */
    public synchronized void unregister(int fd) {
        Registration r = find(fd);
        if (r != null) {
            Libc.epollCtl(epollFd, libc_h.EPOLL_CTL_DEL(), fd, 0, 0);
            Registration[] next = slots.clone();
            next[r.slot()] = null;
            slots = next;
        }
    }

    public synchronized boolean isRegistered(int fd) { return find(fd) != null; }

    private Registration find(int fd) {
        for (Registration r : slots) {
            if (r != null && r.fd() == fd) {
                return r;
            }
        }
        return null;
    }

    /** Starts the loop thread. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException(name + " already started");
        }
        running = true;
        thread = Thread.ofPlatform().name("jvmm-" + name).daemon().start(this::loop);
    }

    private void loop() {
        while (running) {
            int n = Libc.epollWait(epollFd, events, MAX_EVENTS, -1);
            for (int i = 0; i < n && running; i++) {
                MemorySegment e = epoll_event.asSlice(events, i);
                long slot = epoll_event.data.u64(epoll_event.data(e));
                if (slot == WAKE_SLOT) {
                    wake.drain();
                    continue;
                }
                Registration[] current = slots;
                Registration r = slot >= 0 && slot < current.length ? current[(int) slot] : null;
                if (r != null) {
                    dispatch(r, epoll_event.events(e));
                }
            }
        }
    }

    private void dispatch(Registration r, int readyEvents) {
        try {
            r.handler().ready(readyEvents);
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) t;
            }
            unregister(r.fd());
            try {
                failureHandler.accept(r.what(), t);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": failure handler for " + r.what() + " threw", e);
            }
        }
    }

    /** Stops the loop thread and waits for it (unless called from it); registered fds are not closed. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        wake.signal();
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, name + ": loop thread did not stop within 5 s");
                return;
            }
        }
        Libc.close(epollFd);
        wake.close();
        arena.close();
    }
}
