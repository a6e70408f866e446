package dev.jvmm.devices.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.bindings.libc.libc_h;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EventLoopTest {
    @Test
    void aSignalledEventFdRunsItsHandlerOnTheLoopThread() throws Exception {
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicLong drained = new AtomicLong();
        CountDownLatch ran = new CountDownLatch(1);
        try (EventFd fd = new EventFd(); EventLoop loop = new EventLoop("test", (w, t) -> { })) {
            loop.register(fd.fd(), libc_h.EPOLLIN(), "queue 0", events -> {
                thread.set(Thread.currentThread().getName());
                drained.addAndGet(fd.drain());
                ran.countDown();
            });
            loop.start();
            fd.signal();
            fd.signal();
            assertTrue(ran.await(5, TimeUnit.SECONDS));
        }
        assertEquals("jvmm-test", thread.get());
        assertTrue(drained.get() >= 1);
    }

    @Test
    void aThrowingHandlerIsReportedAndUnregisteredWhileTheLoopKeepsRunning() throws Exception {
        AtomicReference<String> failed = new AtomicReference<>();
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch otherRan = new CountDownLatch(1);
        try (EventFd bad = new EventFd(); EventFd good = new EventFd();
             EventLoop loop = new EventLoop("test", (what, t) -> {
                 failed.set(what + ": " + t.getMessage());
                 reported.countDown();
             })) {
            loop.register(bad.fd(), libc_h.EPOLLIN(), "bad device", events -> {
                throw new IllegalStateException("broken");
            });
            loop.register(good.fd(), libc_h.EPOLLIN(), "good device", events -> {
                good.drain();
                otherRan.countDown();
            });
            loop.start();
            bad.signal();
            assertTrue(reported.await(5, TimeUnit.SECONDS));
            assertFalse(loop.isRegistered(bad.fd()));
            good.signal();
            assertTrue(otherRan.await(5, TimeUnit.SECONDS));
        }
        assertEquals("bad device: broken", failed.get());
    }

    @Test
    void manyRegistrationsGrowTheSlotTableAndUnregisterFreesSlots() {
        EventFd[] fds = new EventFd[20];
        try (EventLoop loop = new EventLoop("test", (w, t) -> { })) {
            for (int i = 0; i < fds.length; i++) {
                fds[i] = new EventFd();
                loop.register(fds[i].fd(), libc_h.EPOLLIN(), "fd " + i, e -> { });
            }
            assertThrows(IllegalStateException.class,
                    () -> loop.register(fds[3].fd(), libc_h.EPOLLIN(), "again", e -> { }));
            loop.unregister(fds[3].fd());
            assertFalse(loop.isRegistered(fds[3].fd()));
            loop.register(fds[3].fd(), libc_h.EPOLLIN(), "again", e -> { });
            assertTrue(loop.isRegistered(fds[3].fd()));
        } finally {
            for (EventFd fd : fds) {
                if (fd != null) {
                    fd.close();
                }
            }
        }
    }

    @Test
    void anUndrainedEventFdCountsSignals() {
        try (EventFd fd = new EventFd()) {
            assertEquals(0, fd.drain());
            fd.signal();
            fd.signal();
            fd.signal();
            assertEquals(3, fd.drain());
            assertEquals(0, fd.drain());
        }
    }
}
