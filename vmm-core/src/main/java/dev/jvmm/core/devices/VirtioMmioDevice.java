package dev.jvmm.core.devices;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.core.kvm.EventFdRouting;
import dev.jvmm.core.kvm.IoEvent;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.event.EventFd;
import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.BackendDevice;
import dev.jvmm.devices.virtio.VirtioDevice;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtio device wired into the VM: its virtio-mmio window on the MMIO bus, one eventfd per queue that KVM
 * signals on QueueNotify (KVM_IOEVENTFD, datamatch = the queue index, so a notification never exits to user
 * space), one irqfd on its GSI for its interrupt line, and its device thread: an {@link EventLoop} that drains a
 * queue's eventfd and processes that queue, and that carries a {@link BackendDevice}'s own fds.
 *
 * <p>If the device thread fails outside what the transport already contains (a broken eventfd, an Error), the
 * failure is logged once at WARN and the device stays in DEVICE_NEEDS_RESET; the VM keeps running.
 *
 * <p>Everything set up is recorded and undone in reverse order by {@link #close()}, also after a partial
 * {@link #attach}: ioeventfds and the irqfd deassigned, the device thread stopped, eventfds closed, and last the
 * device's backend.
 */
final class VirtioMmioDevice implements AutoCloseable {
    // slf4j initialises its binding when the first logger is made: a holder makes it happen on the first log call,
    // not when this class is, so a boot that logs nothing never pays for it (issue #5).
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(VirtioMmioDevice.class);
    }
    /** KVM_IOEVENTFD length: QueueNotify is a 32-bit register (§4.2.2.1: drivers use 32-bit accesses). */
    private static final int QUEUE_NOTIFY_WIDTH = 4;

    private final DeviceSlot slot;
    private final String name;
    private final VirtioDevice device;
    private final Closer closer = new Closer();
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private VirtioMmioTransport transport;
    private EventLoop loop;

    VirtioMmioDevice(DeviceSlot slot, String name, BuiltDevice built) {
        this.slot = Objects.requireNonNull(slot, "slot");
        this.name = Objects.requireNonNull(name, "name");
        this.device = built.device();
        closer.push(name + " backend", built.owned()::close);
    }

    DeviceSlot slot() { return slot; }

    String name() { return name; }

    /** The transport, once {@link #attach} created it. */
    VirtioMmioTransport transport() { return transport; }

    /** Creates the transport and the eventfds and registers them with KVM, the bus and the device thread. */
    void attach(EventFdRouting routing, GuestMemory memory, Bus mmio) {
        if (transport != null) {
            throw new IllegalStateException(name + " is already attached");
        }
        int queueCount = device.queueMaxSizes().length;
        EventFd[] queueFds = new EventFd[queueCount];
        for (int q = 0; q < queueCount; q++) {
            EventFd fd = new EventFd();
            queueFds[q] = fd;
            closer.push(name + " queue " + q + " eventfd", fd::close);
        }
        EventFd irq = new EventFd();
        closer.push(name + " irqfd", irq::close);
        VirtioMmioTransport t = new VirtioMmioTransport(device, memory, new IrqFdLine(irq),
                new EventFdQueueNotifier(queueFds));
        transport = t;
        EventLoop l = new EventLoop(name, this::deviceThreadFailed);
        loop = l;
        closer.push(name + " device thread", l::close);
        for (int q = 0; q < queueCount; q++) {
            EventFd fd = queueFds[q];
            int index = q;
            l.register(fd.fd(), libc_h.EPOLLIN(), "queue " + q + " notifications", events -> {
                fd.drain();
                t.processQueue(index);
            });
        }
        routing.irqfd(irq.fd(), slot.gsi());
        closer.push(name + " irqfd on GSI " + slot.gsi(), () -> routing.irqfdDeassign(irq.fd(), slot.gsi()));
        for (int q = 0; q < queueCount; q++) {
            int fd = queueFds[q].fd();
            IoEvent notify = IoEvent.mmio(slot.queueNotifyAddress(), QUEUE_NOTIFY_WIDTH).withDatamatch(q);
            routing.ioeventfd(fd, notify);
            closer.push(name + " ioeventfd of queue " + q, () -> routing.ioeventfdDeassign(fd, notify));
        }
        mmio.register(slot.mmioBase(), DeviceSlot.WINDOW_SIZE, t);
        Log.LOG.debug("{}: window 0x{}, GSI {}, {} queue(s) notified through ioeventfds at 0x{}", name,
                Long.toHexString(slot.mmioBase()), slot.gsi(), queueCount, Long.toHexString(slot.queueNotifyAddress()));
    }

    /** Starts the device thread (a backend device registers its fds first); before the guest runs. */
    void start() {
        if (loop == null) {
            throw new IllegalStateException(name + " is not attached");
        }
        if (device instanceof BackendDevice backend) {
            backend.start(loop, transport);
        }
        loop.start();
    }

    /** Runs on the device thread; {@code what} names the fd whose handler threw (it is no longer watched). */
    private void deviceThreadFailed(String what, Throwable cause) {
        if (failureLogged.compareAndSet(false, true)) {
            Log.LOG.warn("{} at 0x{} (GSI {}): {} failed; the device is left in DEVICE_NEEDS_RESET, the VM keeps"
                    + " running", name, Long.toHexString(slot.mmioBase()), slot.gsi(), what, cause);
        } else {
            Log.LOG.debug("{}: {} failed as well", name, what, cause);
        }
        transport.fail(what + ": " + cause);
    }

    @Override
    public void close() {
        closer.close();
    }
}
