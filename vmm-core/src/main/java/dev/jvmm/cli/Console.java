package dev.jvmm.cli;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.bindings.libc.pollfd;
import dev.jvmm.devices.event.EventFd;
import dev.jvmm.devices.serial.SerialInput;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The input half of the guest's serial console: a platform thread that reads the host's standard input and feeds
 * the UART. On a terminal the input is raw ({@link RawTerminal}) and passes through the {@link EscapeFilter}
 * (Ctrl-A x quits); otherwise bytes pass unchanged, and end of input simply ends reading while the guest runs on.
 *
 * <p>Back-pressure: the UART's receiver holds 16 bytes. What it refuses stays in one fixed chunk, and the thread
 * stops reading input until the guest has emptied the receiver (the UART's drain listener signals an eventfd), so
 * unread input waits in the kernel, never in an unbounded buffer here. The thread polls input and that eventfd
 * together; it allocates nothing per byte or per read.
 */
final class Console implements AutoCloseable {
    /** Where the guest's serial input comes from ({@code --serial-input}). */
    enum Input { STDIN, NONE }

    // slf4j initialises its binding when the first logger is made: a holder makes it happen on the first log call,
    // not when this class is, so a boot that logs nothing never pays for it (issue #5).
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Console.class);
    }
    private static final int STDIN_FD = 0;
    private static final int CHUNK = 256;
    private static final short READY = (short) (libc_h.POLLIN() | libc_h.POLLHUP() | libc_h.POLLERR()
            | libc_h.POLLNVAL());

    private final int fd;
    private final RawTerminal terminal;
    private final EscapeFilter filter;
    private final SerialInput port;
    private final Runnable onQuit;
    private final PrintStream messages;
    private final EventFd drained = new EventFd();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment readBuffer = arena.allocate(CHUNK);
    private final MemorySegment pollFds = pollfd.allocateArray(2, arena);
    private final MemorySegment inputPoll = pollfd.asSlice(pollFds, 0);
    private final MemorySegment drainPoll = pollfd.asSlice(pollFds, 1);
    /** Input read but not yet taken by the UART: {@code chunk[pendingOffset, pendingOffset + pendingLength)}. */
    private final byte[] chunk = new byte[CHUNK];
    private int pendingOffset;
    private int pendingLength;
    private volatile boolean inputEnded;
    private volatile boolean closing;
    private final Thread thread;

    private Console(int fd, RawTerminal terminal, SerialInput port, Runnable onQuit, PrintStream messages) {
        this.fd = fd;
        this.terminal = terminal;
        this.filter = terminal != null ? new EscapeFilter() : null;
        this.port = port;
        this.onQuit = onQuit;
        this.messages = messages;
        pollfd.fd(drainPoll, drained.fd());
        pollfd.events(drainPoll, (short) libc_h.POLLIN());
        pollfd.events(inputPoll, (short) libc_h.POLLIN());
        this.thread = Thread.ofPlatform().name("jvmm-console").daemon().unstarted(this::loop);
    }

    /**
     * Feeds standard input to {@code port}: raw with escape keys when it is a terminal, unchanged otherwise.
     * {@code onQuit} runs (on the console thread) when the user types Ctrl-A x. Returns null, after one line on
     * standard error, when standard input is the terminal of a job in the background ({@code jvmm boot ... &}):
     * raw mode or reading would stop the whole process (SIGTTOU/SIGTTIN), so the guest gets no input instead.
     */
    static Console attachStdin(SerialInput port, Runnable onQuit) {
        boolean terminal = Libc.isatty(STDIN_FD);
        if (terminal && Libc.isInBackgroundOf(STDIN_FD)) {
            System.err.println("jvmm: running in the background of its terminal: the guest's serial input is off"
                    + " (--serial-input none says so without this line)");
            return null;
        }
        return start(STDIN_FD, terminal, port, onQuit, System.err);
    }

    /** As {@link #attachStdin} for any readable {@code fd}; {@code terminal} asks for raw mode and escape keys. */
    static Console start(int fd, boolean terminal, SerialInput port, Runnable onQuit, PrintStream messages) {
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(onQuit, "onQuit");
        Objects.requireNonNull(messages, "messages");
        RawTerminal raw = terminal ? RawTerminal.enter(fd) : null;
        Console console = null;
        try {
            console = new Console(fd, raw, port, onQuit, messages);
            port.setDrainListener(console.drained::signal);
            console.thread.start();
            return console;
        } catch (RuntimeException | Error e) {
            if (console != null) {
                console.close();
            } else if (raw != null) {
                raw.close();
            }
            throw e;
        }
    }

    /** Whether reading has stopped: end of input, an input error, or Ctrl-A x. */
    boolean inputEnded() {
        return inputEnded;
    }

    private void loop() {
        try {
            while (!closing) {
                boolean wantInput = pendingLength == 0 && !inputEnded;
                pollfd.fd(inputPoll, wantInput ? fd : -1); // a negative fd is skipped by poll(2)
                Libc.poll(pollFds, 2, -1);
                if (closing) {
                    return;
                }
                if (pollfd.revents(drainPoll) != 0) {
                    drained.drain();
                }
                if (pendingLength > 0) {
                    deliver();
                }
                if (wantInput && (pollfd.revents(inputPoll) & READY) != 0) {
                    readInput();
                }
            }
        } catch (RuntimeException e) {
            // The guest keeps running without input rather than the VMM failing.
            Log.LOG.warn("serial console input stopped: {}", e.toString());
            inputEnded = true;
        }
    }

    private void readInput() {
        long n;
        try {
            n = Libc.read(fd, readBuffer);
        } catch (SyscallException e) {
            Log.LOG.debug("serial console input ended: {}", e.getMessage());
            inputEnded = true; // e.g. EIO once a terminal hangs up
            return;
        }
        if (n == 0) {
            inputEnded = true;
            return;
        }
        if (n < 0) {
            return; // EAGAIN: a non-blocking input had nothing after all
        }
        MemorySegment.copy(readBuffer, ValueLayout.JAVA_BYTE, 0, chunk, 0, (int) n);
        pendingOffset = 0;
        pendingLength = filter == null ? (int) n : filterInPlace((int) n);
        deliver();
    }

    /** Runs the escape filter over the chunk, compacting what the guest gets to its start (never longer). */
    private int filterInPlace(int n) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            int r = filter.accept(chunk[i]);
            if (r >= 0) {
                chunk[kept++] = (byte) r;
            } else if (r == EscapeFilter.QUIT) {
                inputEnded = true; // what follows Ctrl-A x is not for the guest
                onQuit.run();
                break;
            } else if (r == EscapeFilter.HELP) {
                messages.print(EscapeFilter.HELP_TEXT);
                messages.flush();
            }
        }
        return kept;
    }

    private void deliver() {
        int taken = port.receive(chunk, pendingOffset, pendingLength);
        pendingOffset += taken;
        pendingLength -= taken;
    }

    /** Stops the thread, detaches from the UART and restores the terminal. */
    @Override
    public void close() {
        closing = true;
        port.setDrainListener(() -> { });
        try {
            if (thread.isAlive()) {
                drained.signal();
                thread.join(2000);
            }
            if (thread.isAlive()) {
                Log.LOG.warn("serial console thread did not stop within 2 s");
            } else {
                drained.close();
                arena.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (terminal != null) {
                terminal.close();
            }
        }
    }
}
