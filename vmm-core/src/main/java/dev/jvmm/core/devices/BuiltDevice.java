package dev.jvmm.core.devices;

import dev.jvmm.devices.virtio.BackendDevice;
import dev.jvmm.devices.virtio.VirtioDevice;
import java.util.Objects;

/**
 * A device model a {@link DeviceFactory} made, with what the VMM must close once the device thread has stopped
 * (the model's backend: an image file, a TAP, sockets).
 *
 * @param device the model the transport drives
 * @param owned  released after the device thread stopped
 */
public record BuiltDevice(VirtioDevice device, AutoCloseable owned) {
    public BuiltDevice {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(owned, "owned");
    }

    /** A device with a backend of its own, which it releases itself ({@link BackendDevice#close}). */
    public static BuiltDevice of(BackendDevice device) {
        return new BuiltDevice(device, device);
    }

    /** A device that holds nothing to release. */
    public static BuiltDevice withoutResources(VirtioDevice device) {
        return new BuiltDevice(device, () -> { });
    }
}
