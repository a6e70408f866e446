package dev.jvmm.core.devices;

import dev.jvmm.core.kvm.EventFdRouting;
import dev.jvmm.core.kvm.IoEvent;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What KVM does with ioeventfds and irqfds, in user space: a guest MMIO write that an ioeventfd matches (address,
 * length, datamatch) signals its eventfd and never reaches the bus; other writes exit to the VMM's bus. Signals of an
 * irqfd count as injections on its GSI. Assign and deassign are checked the way the kernel checks them.
 */
final class FakeKvm implements EventFdRouting {
    record Registration(int fd, IoEvent event) { }

    private final List<Registration> ioeventfds = new ArrayList<>();
    private final Map<Integer, Integer> irqfds = new HashMap<>();
    private final Map<Integer, Long> injected = new HashMap<>();
    /** The 1-based number of the ioeventfd assignment that fails (as KVM_IOEVENTFD returning an error); 0: none. */
    int failIoeventfdNumber;
    private int ioeventfdCalls;
    private int exitsToUserSpace;

    @Override
    public synchronized void ioeventfd(int eventFd, IoEvent event) {
        if (++ioeventfdCalls == failIoeventfdNumber) {
            throw new IllegalStateException("KVM_IOEVENTFD failed: ENOSPC");
        }
        for (Registration r : ioeventfds) {
            if (r.event().address() == event.address() && r.event().length() == event.length()
                    && r.event().datamatch().equals(event.datamatch())) {
                throw new IllegalStateException("EEXIST: " + event);
            }
        }
        ioeventfds.add(new Registration(eventFd, event));
    }

    @Override
    public synchronized void ioeventfdDeassign(int eventFd, IoEvent event) {
        if (!ioeventfds.remove(new Registration(eventFd, event))) {
            throw new IllegalStateException("ENOENT: no ioeventfd " + eventFd + " " + event);
        }
    }

    @Override
    public synchronized void irqfd(int eventFd, int gsi) {
        if (irqfds.putIfAbsent(eventFd, gsi) != null) {
            throw new IllegalStateException("EBUSY: eventfd " + eventFd + " is an irqfd already");
        }
    }

    @Override
    public synchronized void irqfdDeassign(int eventFd, int gsi) {
        if (!irqfds.remove(eventFd, gsi)) {
            throw new IllegalStateException("ENOENT: no irqfd " + eventFd + " on GSI " + gsi);
        }
    }

    /** Guest writes that no ioeventfd caught. */
    synchronized int exitsToUserSpace() { return exitsToUserSpace; }

    synchronized List<Registration> ioeventfds() { return List.copyOf(ioeventfds); }

    synchronized Map<Integer, Integer> irqfds() { return Map.copyOf(irqfds); }

    /** A guest write: caught by a matching ioeventfd, else dispatched on {@code mmio} like an MMIO exit. */
    void guestWrite(Bus mmio, long address, int size, long value) {
        Integer fd = null;
        synchronized (this) {
            for (Registration r : ioeventfds) {
                IoEvent e = r.event();
                if (!e.pio() && e.address() == address && e.length() == size
                        && (e.datamatch().isEmpty() || e.datamatch().getAsLong() == value)) {
                    fd = r.fd();
                    break;
                }
            }
            if (fd == null) {
                exitsToUserSpace++;
            }
        }
        if (fd != null) {
            signal(fd);
        } else {
            mmio.write(address, size, value);
        }
    }

    /** Interrupts injected on {@code gsi} so far: what its irqfd's eventfd counted. */
    synchronized long injections(int gsi) {
        for (Map.Entry<Integer, Integer> e : irqfds.entrySet()) {
            if (e.getValue() == gsi) {
                injected.merge(gsi, drain(e.getKey()), Long::sum);
            }
        }
        return injected.getOrDefault(gsi, 0L);
    }

    private static void signal(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            Libc.write(fd, one);
        }
    }

    private static long drain(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_LONG);
            return Libc.read(fd, count) < 0 ? 0 : count.get(ValueLayout.JAVA_LONG, 0);
        }
    }
}
