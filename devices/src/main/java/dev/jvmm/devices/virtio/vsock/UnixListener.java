package dev.jvmm.devices.virtio.vsock;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The listening AF_UNIX socket at the device's path, where host programs connect. Binding removes a socket file
 * left behind by a VMM that died (a socket nobody listens on) and refuses anything else at that path; closing
 * unlinks the path again.
 */
final class UnixListener implements AutoCloseable {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int BACKLOG = 128;

    private final Path path;
    private final int fd;
    private boolean closed;

    private UnixListener(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Listens at {@code path}.
     *
     * @throws IllegalStateException if something other than a stale socket is at {@code path}, or binding fails
     */
    static UnixListener bind(Path path) {
        removeStaleSocket(path);
        int fd = Libc.socket(libc_h.AF_UNIX(), UnixSocket.STREAM_NONBLOCK, 0);
        try (Arena arena = Arena.ofConfined()) {
            Libc.bind(fd, Libc.sockaddrUn(path.toString(), arena));
            Libc.listen(fd, BACKLOG);
        } catch (SyscallException e) {
            Libc.close(fd);
            throw new IllegalStateException("vsock: cannot listen on " + path + ": " + e.getMessage(), e);
        }
        return new UnixListener(path, fd);
    }

    private static void removeStaleSocket(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("vsock: cannot inspect " + path, e);
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IllegalStateException("vsock: " + path + " exists and is not a socket; remove it or choose "
                    + "another uds path");
        }
        UnixSocket probe = UnixSocket.connect(path.toString());
        if (probe != null) {
            probe.close();
            throw new IllegalStateException("vsock: another process listens on " + path + " (a VM still running?); "
                    + "stop it or choose another uds path");
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("vsock: cannot remove the stale socket " + path, e);
        }
    }

    int fd() { return fd; }

    /** The next pending connection, non-blocking, or {@code null} when none is pending. */
    UnixSocket accept() {
        int connection = Libc.accept4(fd, libc_h.SOCK_NONBLOCK());
        return connection < 0 ? null : new UnixSocket(connection);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(fd);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // the socket is closed; a leftover file is removed as stale by the next bind
        }
    }
}
