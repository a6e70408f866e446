package dev.jvmm.devices.virtio;

/** How a device notifies the driver (virtio 1.2 §2.3, §2.7.10); the transport maps it to its interrupt. */
public interface VirtioInterrupt {
    /** A used buffer notification for queue {@code queueIndex}. */
    void signalUsedBuffer(int queueIndex);

    /** A configuration change notification; the transport also bumps the configuration generation. */
    void signalConfigChange();
}
