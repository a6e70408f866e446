package dev.jvmm.devices.virtio;

import dev.jvmm.devices.event.EventLoop;

/**
 * A virtio device with host-side file descriptors of its own (a TAP, Unix sockets): besides queue notifications
 * it reacts to backend readiness on its device thread.
 *
 * <p>The VMM calls {@link #start} once, before the guest runs, with the device's {@link EventLoop} (where it
 * registers its backend fds) and the {@link DeviceGuard} of its transport (through which every backend handler
 * touches queues). {@link #close} releases the backend after the loop stopped.
 */
public interface BackendDevice extends VirtioDevice, AutoCloseable {
    void start(EventLoop loop, DeviceGuard guard);

    @Override
    void close();
}
