package dev.jvmm.devices.virtio.vsock;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.devices.virtio.DeviceGuard;
import dev.jvmm.sys.SyscallException;
import java.util.function.Consumer;

/**
 * The device's listening socket on its event loop. While the device is active, accepted connections go to
 * {@code accepted} inside the device guard, a bounded batch per event, and {@code afterwards} runs; while it is not
 * (no driver yet, or one that broke the device), they are accepted and closed at once, so the backlog never
 * spins the loop. When accept(2) fails (EMFILE...), watching pauses until {@link #resume}: a connection closing
 * frees what was missing.
 */
final class ListeningSocket implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ListeningSocket.class.getName());
    private static final int ACCEPT_BATCH = 16;

    private final UnixListener listener;
    private final EventLoop loop;
    private final DeviceGuard guard;
    private final Consumer<UnixSocket> accepted;
    private final Runnable acceptTask;
    private boolean watched;

    ListeningSocket(UnixListener listener, EventLoop loop, DeviceGuard guard, Consumer<UnixSocket> accepted,
                    Runnable afterwards) {
        this.listener = listener;
        this.loop = loop;
        this.guard = guard;
        this.accepted = accepted;
        this.acceptTask = () -> {
            acceptBatch(true);
            afterwards.run();
        };
        resume();
    }

    /** Watches the socket again if it was paused. */
    synchronized void resume() {
        if (!watched) {
            loop.register(listener.fd(), libc_h.EPOLLIN(), "vsock listener", events -> {
                if (!guard.runIfActive(acceptTask)) {
                    acceptBatch(false);
                }
            });
            watched = true;
        }
    }

    private synchronized void pause(SyscallException e) {
        LOG.log(System.Logger.Level.WARNING, "vsock: not accepting connections for now: {0}", e.getMessage());
        if (watched) {
            loop.unregister(listener.fd());
            watched = false;
        }
    }

    private void acceptBatch(boolean active) {
        for (int i = 0; i < ACCEPT_BATCH; i++) {
            UnixSocket socket;
            try {
                socket = listener.accept();
            } catch (SyscallException e) {
                pause(e);
                return;
            }
            if (socket == null) {
                return;
            }
            if (active) {
                accepted.accept(socket);
            } else {
                socket.close();
            }
        }
    }

    /** Closes the socket and unlinks its path; the event loop has stopped. */
    @Override
    public void close() {
        listener.close();
    }
}
