package dev.jvmm.cli;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.bindings.libc.termios;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A terminal put in raw mode for the guest console, and the promise to put it back. {@link #enter} saves the
 * terminal's settings (tcgetattr(3)) and applies cfmakeraw(3)'s: no echo, no line editing, and no signals from keys,
 * so Ctrl-C reaches the guest as QEMU's stdio console does. Output processing stays as it was, so host messages
 * still start on a fresh line. The saved settings come back on every way out: {@link #close()} on normal and
 * exceptional ends, and a JVM shutdown hook on {@code System.exit}, SIGTERM, SIGINT and SIGHUP. Only SIGKILL
 * leaves the terminal raw ({@code stty sane} repairs it).
 */
final class RawTerminal implements AutoCloseable {
    private final int fd;
    // Shared: the shutdown hook reads the saved settings from another thread.
    private final Arena arena = Arena.ofShared();
    private final MemorySegment saved = termios.allocate(arena);
    private final AtomicBoolean restored = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::restore, "jvmm-terminal-restore");

    private RawTerminal(int fd) {
        this.fd = fd;
    }

    /** Saves {@code fd}'s settings and makes it raw; throws {@link SyscallException} (ENOTTY) if it is no terminal. */
    static RawTerminal enter(int fd) {
        RawTerminal t = new RawTerminal(fd);
        try {
            Libc.tcgetattr(fd, t.saved);
            MemorySegment raw = termios.allocate(t.arena);
            raw.copyFrom(t.saved);
            Libc.cfmakeraw(raw);
            termios.c_oflag(raw, termios.c_oflag(t.saved));
            // The hook is in place before the terminal changes: no moment is raw and unguarded.
            Runtime.getRuntime().addShutdownHook(t.hook);
            Libc.tcsetattr(fd, libc_h.TCSANOW(), raw);
            return t;
        } catch (RuntimeException e) {
            t.restored.set(true);
            t.close();
            throw e;
        }
    }

    /** Puts the saved settings back, once; later calls do nothing. A terminal already gone is not an error. */
    void restore() {
        if (restored.compareAndSet(false, true)) {
            try {
                Libc.tcsetattr(fd, libc_h.TCSANOW(), saved);
            } catch (SyscallException e) {
                // The terminal hung up (EIO) or was closed (EBADF): nothing left to restore.
            }
        }
    }

    /** Restores the terminal and withdraws the shutdown hook; later calls do nothing. */
    @Override
    public void close() {
        restore();
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook may be running now and still reads the saved settings: leave them to the exit
        }
        arena.close();
    }
}
