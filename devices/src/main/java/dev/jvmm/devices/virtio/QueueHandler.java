package dev.jvmm.devices.virtio;

/** The device-thread entry point of a transport: process what the driver made available on one queue. */
@FunctionalInterface
public interface QueueHandler {
    /** Never throws for anything the driver did; a broken queue sets DEVICE_NEEDS_RESET instead. */
    void processQueue(int queueIndex);
}
