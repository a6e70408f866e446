package dev.jvmm.core.devices;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undo steps recorded as things are set up, run in reverse order on close. Every step runs even when an earlier
 * one failed: a failure is logged, never thrown, so that closing never hides why a VM stopped and never leaves the
 * rest open.
 */
final class Closer implements AutoCloseable {
    // slf4j initialises its binding when the first logger is made: a holder makes it happen on the first log call,
    // not when this class is, so a boot that logs nothing never pays for it (issue #5).
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Closer.class);
    }

    /** One undo step. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private record Named(String what, Step step) { }

    private final Deque<Named> steps = new ArrayDeque<>();

    /** Records {@code step}, which will run before every step recorded earlier. */
    synchronized void push(String what, Step step) {
        steps.push(new Named(what, step));
    }

    @Override
    public void close() {
        while (true) {
            Named next;
            synchronized (this) {
                next = steps.poll();
            }
            if (next == null) {
                return;
            }
            try {
                next.step().run();
            } catch (Exception | LinkageError e) {
                Log.LOG.warn("closing {} failed: {}", next.what(), e.toString(), e);
            }
        }
    }
}
