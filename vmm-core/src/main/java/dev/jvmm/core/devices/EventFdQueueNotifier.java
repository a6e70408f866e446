package dev.jvmm.core.devices;

import dev.jvmm.devices.event.EventFd;
import dev.jvmm.devices.virtio.QueueHandler;
import dev.jvmm.devices.virtio.QueueNotifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QueueNotify writes that still reach the MMIO bus go to the same per-queue eventfds as the ioeventfds, so every
 * notification is processed on the device thread whichever way it came. KVM catches the usual write (32 bits,
 * value = an existing queue index) itself; what remains is a write KVM does not match, e.g. when the ioeventfd
 * could not be registered. Runs on vCPU threads and allocates nothing.
 */
final class EventFdQueueNotifier implements QueueNotifier {
    // slf4j initialises its binding when the first logger is made: a holder makes it happen on the first log call,
    // not when this class is, so a boot that logs nothing never pays for it (issue #5).
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(EventFdQueueNotifier.class);
    }

    private final EventFd[] queues;

    EventFdQueueNotifier(EventFd[] queues) {
        this.queues = queues.clone();
    }

    @Override
    public void queueNotified(QueueHandler handler, int queueIndex) {
        if (Log.LOG.isDebugEnabled()) {
            // Normally rare: tells whether KVM's ioeventfds catch the driver's notifications.
            Log.LOG.debug("QueueNotify {} reached the bus (no ioeventfd matched)", queueIndex);
        }
        // §4.2.3.3: the value is the queue index; a queue that does not exist has nothing to process.
        if (queueIndex >= 0 && queueIndex < queues.length) {
            queues[queueIndex].signal();
        }
    }
}
