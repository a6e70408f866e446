package dev.jvmm.devices.virtio.net;

import static dev.jvmm.devices.virtio.net.NetDriver.ethernetFrame;
import static dev.jvmm.devices.virtio.net.NetDriver.plainHeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.virtio.DeviceGuard;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device on a real {@link EventLoop}: backend readiness goes through the transport's guard, the backend fd is
 * watched only while a frame could be placed, and frames arriving later are delivered without a notification.
 */
class VirtioNetEventLoopTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:00:00:01");
    /** Long enough for a busy loop on the backend fd to show up as thousands of handler calls. */
    private static final long QUIET_MILLIS = 300;

    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final EventLoop loop = new EventLoop("net-test", (what, t) -> failures.add(t));
    private final MemoryNetBackend backend = new MemoryNetBackend(0);
    private final VirtioNet device = new VirtioNet(backend, MAC);
    private final NetDriver driver = new NetDriver(device);
    private final CountingGuard guard = new CountingGuard(driver.transport);

    /** Counts the backend events that reached the device and how many found it active. */
    private static final class CountingGuard implements DeviceGuard {
        private final DeviceGuard inner;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger ran = new AtomicInteger();

        CountingGuard(DeviceGuard inner) { this.inner = inner; }

        @Override
        public boolean runIfActive(Runnable work) {
            calls.incrementAndGet();
            boolean r = inner.runIfActive(work);
            if (r) {
                ran.incrementAndGet();
            }
            return r;
        }
    }

    @BeforeEach
    void start() {
        device.start(loop, guard);
        loop.start();
    }

    @AfterEach
    void stop() {
        loop.close();
        device.close();
        assertEquals(List.of(), failures);
    }

    @Test
    void withoutBuffersTheBackendIsNotWatchedUntilTheDriverRefills() throws Exception {
        driver.start(-1L);
        for (int i = 0; i < 3; i++) {
            backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, i)));
        }
        await(() -> guard.calls.get() >= 1, "the first frame wakes the device");
        Thread.sleep(QUIET_MILLIS);
        assertEquals(1, guard.calls.get(), "after finding no buffer the device stopped watching: no busy wait");
        assertEquals(0, backend.readCalls(), "no frame is read without a buffer to put it in");

        driver.postRx(1526);
        driver.postRx(1526);
        driver.notifyRx();
        assertEquals(2, driver.rxUsed(), "the refill notification delivers what waited");
        Thread.sleep(QUIET_MILLIS);
        assertEquals(1, guard.calls.get(), "buffers ran out again with a frame waiting: still not watched");
        assertEquals(1, backend.pendingInbound());

        driver.postRx(1526);
        driver.postRx(1526);
        driver.notifyRx();
        assertEquals(3, driver.rxUsed());
        backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, 9)));
        await(() -> driver.rxUsed() == 4, "a frame arriving while a buffer is held comes in through the loop");
        assertEquals(4, device.counters().rxFrames());
    }

    @Test
    void framesArrivingOneByOneAreDeliveredWithoutNotifications() throws Exception {
        driver.start(-1L);
        for (int i = 0; i < 16; i++) {
            driver.postRx(1526);
        }
        driver.notifyRx();
        for (int i = 0; i < 16; i++) {
            backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60 + i, i)));
            int expected = i + 1;
            await(() -> driver.rxUsed() == expected, "frame " + i);
        }
        for (int i = 0; i < 16; i++) {
            assertEquals(12 + 60 + i, driver.rx.usedLen(i));
        }
    }

    @Test
    void aDeviceThatNeedsResetStopsWatchingAndResumesWhenTheDriverStartsAgain() throws Exception {
        driver.start(-1L);
        driver.tx.setDescriptor(0, 0, 16, 1, 0); // a descriptor loop
        driver.tx.publish(0);
        driver.notifyTx();
        assertTrue(driver.needsReset());
        backend.inject(NetDriver.concat(plainHeader(), ethernetFrame(MAC, 60, 1)));
        await(() -> guard.calls.get() >= 1, "the frame wakes the loop");
        Thread.sleep(QUIET_MILLIS);
        assertEquals(1, guard.calls.get(), "an inactive device is not woken again and again");
        assertEquals(0, guard.ran.get());

        driver.resetDevice();
        driver.start(-1L);
        driver.postRx(1526);
        driver.notifyRx();
        await(() -> driver.rxUsed() == 1, "after the reset the waiting frame is delivered");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(1);
        }
    }
}
