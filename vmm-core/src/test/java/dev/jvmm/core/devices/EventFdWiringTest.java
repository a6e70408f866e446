package dev.jvmm.core.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvmm.devices.event.EventFd;
import dev.jvmm.devices.virtio.QueueHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The two small adapters between the transport and the eventfds KVM uses. */
class EventFdWiringTest {
    private final EventFd q0 = new EventFd();
    private final EventFd q1 = new EventFd();
    private final EventFd irq = new EventFd();

    @AfterEach
    void close() {
        q0.close();
        q1.close();
        irq.close();
    }

    @Test
    void notifierSignalsTheEventfdOfTheNotifiedQueue() {
        EventFdQueueNotifier notifier = new EventFdQueueNotifier(new EventFd[] {q0, q1});
        QueueHandler mustNotRun = q -> { throw new AssertionError("processed on the vCPU thread"); };
        notifier.queueNotified(mustNotRun, 1);
        notifier.queueNotified(mustNotRun, 1);
        assertEquals(0, q0.drain());
        assertEquals(2, q1.drain());
    }

    @Test
    void notifierDropsQueueIndicesTheDeviceDoesNotHave() {
        EventFdQueueNotifier notifier = new EventFdQueueNotifier(new EventFd[] {q0, q1});
        for (int bad : new int[] {2, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            notifier.queueNotified(q -> { }, bad);
        }
        assertEquals(0, q0.drain());
        assertEquals(0, q1.drain());
    }

    @Test
    void raisingTheLineSignalsTheIrqfdOncePerRaiseAndLoweringDoesNothing() {
        IrqFdLine line = new IrqFdLine(irq);
        line.set(true);
        line.set(false);
        line.set(true);
        line.set(true);
        assertEquals(3, irq.drain(), "every raise is an edge KVM injects");
        line.set(false);
        assertEquals(0, irq.drain());
    }
}
