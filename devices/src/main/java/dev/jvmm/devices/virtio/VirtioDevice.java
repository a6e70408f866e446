package dev.jvmm.devices.virtio;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.queue.SplitQueue;

/**
 * A virtio device as its transport sees it (virtio 1.2 §2, §5): its type, the features it offers, its
 * device-specific configuration space and its queues. The transport negotiates features and queue setup with the
 * driver and then hands the device everything it needs at once in {@link #activate}.
 *
 * <p>Threads: configuration accesses come from vCPU threads; {@link #processQueue} runs on the device thread (or
 * inline in tests); the transport serialises {@code activate}, {@code processQueue} and {@code reset}.
 */
public interface VirtioDevice {
    /** The Device ID of §5 (e.g. {@link VirtioDeviceType#BLOCK}). */
    int deviceType();

    /** Feature bits offered to the driver, including the transport bits of §6 the device supports. */
    long deviceFeatures();

    /** Maximum size of each queue; the array's length is the number of queues. */
    int[] queueMaxSizes();

    /** Little-endian value of {@code size} bytes at {@code offset} of the configuration space (0 outside it). */
    long readConfig(int offset, int size);

    /** A driver write to the configuration space; read-only fields ignore it. */
    void writeConfig(int offset, int size, long value);

    /**
     * The driver set DRIVER_OK: the device may use {@code queues} (those not ready are to be left alone),
     * the negotiated {@code ackedFeatures}, and signal the driver through {@code interrupt}.
     *
     * @throws RuntimeException if the device cannot start; the transport then sets DEVICE_NEEDS_RESET
     */
    void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt);

    /**
     * The driver notified queue {@code queueIndex}: process what it made available. Called only after
     * {@link #activate} and for a ready queue.
     *
     * @throws dev.jvmm.devices.virtio.queue.VirtqueueException if the driver broke the queue; the transport
     *         sets DEVICE_NEEDS_RESET
     */
    void processQueue(int queueIndex);

    /** Back to the state before activation (the driver wrote 0 to Status); queues are reset by the transport. */
    void reset();
}
