package dev.jvmm.devices.virtio.queue;

/**
 * The driver broke a virtqueue rule (virtio 1.2 §2.7): a descriptor loop, an index or buffer outside the queue or
 * guest memory, a nested indirect table, an available index that moved by more than the queue size. The device
 * cannot trust the queue any more; the transport answers with DEVICE_NEEDS_RESET (§2.1.2).
 */
public final class VirtqueueException extends RuntimeException {
    public VirtqueueException(String message) {
        super(message, null, false, false);
    }
}
