package dev.jvmm.core.vm;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one owner of a VM's state transitions: configured → running → stopped (pausing comes with snapshots). The first
 * stop request wins and names the reason; later ones are ignored. {@code onStop} kicks the vCPUs out of KVM_RUN.
 */
public final class VmLifecycle {
    /** The states a VM passes through. */
    public enum State { CONFIGURED, RUNNING, STOPPED }

    private final AtomicReference<State> state = new AtomicReference<>(State.CONFIGURED);
    private final AtomicReference<VmExit> exit = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Runnable onStop = () -> { };
    private volatile boolean stopRequested;

    public State state() {
        return state.get();
    }

    /** CONFIGURED → RUNNING. */
    public void start(Runnable kickVcpus) {
        this.onStop = kickVcpus;
        if (!state.compareAndSet(State.CONFIGURED, State.RUNNING)) {
            throw new IllegalStateException("VM already " + state.get());
        }
    }

    /** Requests the VM to stop for {@code why}; the first request wins. Callable from any thread. */
    public void stop(VmExit why) {
        if (exit.compareAndSet(null, why)) {
            stopRequested = true;
            state.set(State.STOPPED);
            onStop.run();
            stopped.countDown();
        }
    }

    public void stop(StopReason reason) {
        stop(VmExit.of(reason));
    }

    /** Read by every vCPU loop after each exit: a plain volatile read, no allocation. */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** Waits until the VM stops and returns why; {@code null} after {@code timeoutMillis} (0 = forever). */
    public VmExit awaitStop(long timeoutMillis) throws InterruptedException {
        if (timeoutMillis <= 0) {
            stopped.await();
        } else if (!stopped.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
            return null;
        }
        return exit.get();
    }
}
