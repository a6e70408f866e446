package dev.jvmm.devices.virtio;

/**
 * Where a driver's queue notification (a QueueNotify write) goes. In the VMM a notification is normally caught by
 * an ioeventfd before it reaches the transport and a device thread's event loop calls
 * {@link QueueHandler#processQueue}; a notifier implemented by the VMM signals that same eventfd for writes that
 * still arrive through the bus. Tests use {@link #SYNCHRONOUS}, which processes the queue on the calling thread.
 */
@FunctionalInterface
public interface QueueNotifier {
    /** Called on the vCPU thread; {@code queueIndex} is the value the driver wrote, not yet validated. */
    void queueNotified(QueueHandler handler, int queueIndex);

    /** Processes the queue at once, on the thread that wrote QueueNotify. */
    QueueNotifier SYNCHRONOUS = QueueHandler::processQueue;
}
