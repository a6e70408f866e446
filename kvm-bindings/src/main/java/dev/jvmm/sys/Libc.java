package dev.jvmm.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvmm.bindings.libc.epoll_event;
import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.bindings.libc.sigset_t;
import dev.jvmm.bindings.libc.timespec;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import dev.jvmm.bindings.libc.sockaddr_un;
import java.nio.charset.StandardCharsets;

/**
 * The libc calls the VMM makes, one static method each. Failures throw {@link SyscallException} naming the call
 * and errno, except where a method documents a result for an expected errno. Each downcall handle is created once,
 * on first use, in a holder class of its own (jextract's shape): linking a handle spins classes, and a boot that
 * fails before /dev/kvm, or a {@code --help}, should pay only for the calls it makes. errno is captured into a
 * per-thread segment, so the {@code NoThrow} ioctls allocate nothing.
 */
public final class Libc {

    private static final Linker.Option VARIADIC_AFTER_2 = Linker.Option.firstVariadicArg(2);
    /** The kernel's signal numbers end below _NSIG (x86-64: 64 signals); its real-time signals start at 32. */
    private static final int NSIG = 65;
    private static final int KERNEL_SIGRTMIN = 32;

    // Holder classes: the JVM runs each initialiser when its HANDLE is first read, and the field stays a
    // static final constant the JIT folds into the call site.

    private static final class Open {
        static final MethodHandle HANDLE = NativeCalls.withErrno("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), VARIADIC_AFTER_2);
    }
    private static final class Close {
        static final MethodHandle HANDLE = NativeCalls.withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class IoctlPointer {
        static final MethodHandle HANDLE = NativeCalls.withErrno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), VARIADIC_AFTER_2);
    }
    private static final class Mmap {
        static final MethodHandle HANDLE = NativeCalls.withErrno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    }
    private static final class Munmap {
        static final MethodHandle HANDLE = NativeCalls.withErrno("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Madvise {
        static final MethodHandle HANDLE = NativeCalls.withErrno("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class Eventfd {
        static final MethodHandle HANDLE = NativeCalls.withErrno("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Read {
        static final MethodHandle HANDLE = NativeCalls.withErrno("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Write {
        static final MethodHandle HANDLE = NativeCalls.withErrno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Pread {
        static final MethodHandle HANDLE = NativeCalls.withErrno("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class Pwrite {
        static final MethodHandle HANDLE = NativeCalls.withErrno("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }
    private static final class Fdatasync {
        static final MethodHandle HANDLE = NativeCalls.withErrno("fdatasync",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Fallocate {
        static final MethodHandle HANDLE = NativeCalls.withErrno("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class EpollCreate1 {
        static final MethodHandle HANDLE = NativeCalls.withErrno("epoll_create1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class EpollCtl {
        static final MethodHandle HANDLE = NativeCalls.withErrno("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class EpollWait {
        static final MethodHandle HANDLE = NativeCalls.withErrno("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
    private static final class Poll {
        static final MethodHandle HANDLE = NativeCalls.withErrno("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class PthreadSelf {
        static final MethodHandle HANDLE = NativeCalls.required("pthread_self",
            FunctionDescriptor.of(JAVA_LONG));
    }
    // pthread_* return the error number instead of setting errno.
    private static final class PthreadKill {
        static final MethodHandle HANDLE = NativeCalls.required("pthread_kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    }
    private static final class PthreadSigmask {
        static final MethodHandle HANDLE = NativeCalls.required("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
    // SIGRTMIN is a macro over this function: glibc reserves the first real-time signals for itself.
    private static final class CurrentSigrtmin {
        static final MethodHandle HANDLE = NativeCalls.required("__libc_current_sigrtmin",
            FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Sigtimedwait {
        static final MethodHandle HANDLE = NativeCalls.withErrno("sigtimedwait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }
    private static final class Isatty {
        static final MethodHandle HANDLE = NativeCalls.withErrno("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Tcgetpgrp {
        static final MethodHandle HANDLE = NativeCalls.withErrno("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Getpgrp {
        static final MethodHandle HANDLE = NativeCalls.required("getpgrp", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Tcgetattr {
        static final MethodHandle HANDLE = NativeCalls.withErrno("tcgetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Tcsetattr {
        static final MethodHandle HANDLE = NativeCalls.withErrno("tcsetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }
    private static final class Cfmakeraw {
        static final MethodHandle HANDLE = NativeCalls.required("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    }
    private static final class PosixOpenpt {
        static final MethodHandle HANDLE = NativeCalls.withErrno("posix_openpt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Grantpt {
        static final MethodHandle HANDLE = NativeCalls.withErrno("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class Unlockpt {
        static final MethodHandle HANDLE = NativeCalls.withErrno("unlockpt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    // ptsname_r returns the error number; ptsname's static buffer would not be thread-safe.
    private static final class PtsnameR {
        static final MethodHandle HANDLE = NativeCalls.required("ptsname_r",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    }
    private static final class Getrandom {
        static final MethodHandle HANDLE = NativeCalls.withErrno("getrandom",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final int EINTR = libc_h.EINTR();
    private static final int EAGAIN = libc_h.EAGAIN();

    private Libc() {}

    /** Opens {@code path}; {@code O_CLOEXEC} is always added so no fd leaks into child processes. */
    public static int open(String path, int flags) {
        return open(path, flags, 0);
    }

    /** Opens {@code path} with the permission {@code mode} used when {@code O_CREAT} creates it. */
    public static int open(String path, int flags, int mode) {
        MemorySegment state = NativeCalls.state();
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) Open.HANDLE.invokeExact(state, arena.allocateFrom(path), flags | libc_h.O_CLOEXEC(), mode);
            return check(fd, state, "open", path);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Closes {@code fd}. EINTR is not retried: Linux has released the fd by then. */
    public static void close(int fd) {
        MemorySegment state = NativeCalls.state();
        int r;
        try {
            r = (int) Close.HANDLE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        if (r < 0 && NativeCalls.errno(state) != EINTR) {
            throw new SyscallException("close", null, NativeCalls.errno(state));
        }
    }

    /** An ioctl without argument (0 is passed); returns its non-negative result. */
    public static int ioctl(int fd, long request, String requestName) {
        return ioctl(fd, request, requestName, 0L);
    }

    /** An ioctl whose argument is an integer; {@code requestName} names it in the exception. */
    public static int ioctl(int fd, long request, String requestName, long arg) {
        int r = ioctlNoThrow(fd, request, arg);
        if (r < 0) {
            throw new SyscallException("ioctl", requestName, -r);
        }
        return r;
    }

    /** An ioctl whose argument points at {@code arg} (a native segment). */
    public static int ioctl(int fd, long request, String requestName, MemorySegment arg) {
        int r = ioctlNoThrow(fd, request, arg);
        if (r < 0) {
            throw new SyscallException("ioctl", requestName, -r);
        }
        return r;
    }

    /**
     * An ioctl returning its result, or {@code -errno}: no exception and no allocation, for {@code KVM_RUN} whose
     * EINTR is an expected outcome. Request numbers are 32 bits (the kernel reads an unsigned int), so an int
     * constant that sign-extended into {@code request} is masked back.
     */
    public static int ioctlNoThrow(int fd, long request, MemorySegment arg) {
        MemorySegment state = NativeCalls.state();
        int r;
        try {
            r = (int) IoctlPointer.HANDLE.invokeExact(state, fd, request & 0xFFFF_FFFFL, arg);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        return r < 0 ? -NativeCalls.errno(state) : r;
    }

    /**
     * As {@link #ioctlNoThrow(int, long, MemorySegment)} with an integer argument, passed in the same register
     * through the same handle: one downcall stub serves every ioctl (linking a second costs a boot 10-50 ms). An
     * argument of 0 ({@code KVM_RUN}) reuses {@code MemorySegment.NULL}, so the vCPU loop allocates nothing.
     */
    public static int ioctlNoThrow(int fd, long request, long arg) {
        return ioctlNoThrow(fd, request, arg == 0 ? MemorySegment.NULL : MemorySegment.ofAddress(arg));
    }

    /**
     * Maps {@code length} bytes and returns a segment of exactly that size; closing {@code arena} unmaps it.
     * Pass {@code fd} -1 with {@code MAP_ANONYMOUS}.
     */
    @SuppressWarnings("restricted")
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, Arena arena) {
        MemorySegment state = NativeCalls.state();
        MemorySegment address;
        try {
            address = (MemorySegment) Mmap.HANDLE.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd,
                offset);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        if (address.address() == -1L) { // MAP_FAILED
            throw new SyscallException("mmap", null, NativeCalls.errno(state));
        }
        long start = address.address();
        return address.reinterpret(length, arena, ignored -> munmap(start, length));
    }

    private static void munmap(long address, long length) {
        MemorySegment state = NativeCalls.state();
        int r;
        try {
            r = (int) Munmap.HANDLE.invokeExact(state, MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        check(r, state, "munmap", null);
    }

    /** Gives the kernel {@code advice} (a {@code MADV_*}) about {@code region}, which must be page aligned. */
    public static void madvise(MemorySegment region, int advice) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Madvise.HANDLE.invokeExact(state, region, region.byteSize(), advice), state, "madvise", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** A new eventfd; {@code EFD_CLOEXEC} is always added. */
    public static int eventfd(int initval, int flags) {
        MemorySegment state = NativeCalls.state();
        try {
            int fd = (int) Eventfd.HANDLE.invokeExact(state, initval, flags | libc_h.EFD_CLOEXEC());
            return check(fd, state, "eventfd", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * Reads into {@code buf}; returns the bytes read (0 at end of file), or -1 when a non-blocking fd has nothing
     * (EAGAIN). EINTR is retried; other errors throw.
     */
    public static long read(int fd, MemorySegment buf) {
        return transfer(Read.HANDLE, "read", fd, buf);
    }

    /** Writes {@code buf}; returns the bytes written, or -1 when a non-blocking fd is full (EAGAIN). */
    public static long write(int fd, MemorySegment buf) {
        return transfer(Write.HANDLE, "write", fd, buf);
    }

    /** read(2) or write(2) of the whole of {@code buf}: EINTR retried, EAGAIN as -1, other errors thrown. */
    private static long transfer(MethodHandle call, String name, int fd, MemorySegment buf) {
        MemorySegment state = NativeCalls.state();
        while (true) {
            long n;
            try {
                n = (long) call.invokeExact(state, fd, buf, buf.byteSize());
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = NativeCalls.errno(state);
            if (errno == EAGAIN) {
                return -1;
            }
            if (errno != EINTR) {
                throw new SyscallException(name, null, errno);
            }
        }
    }

    /** Reads into {@code buf} from file {@code offset}; returns the bytes read (fewer at end of file). */
    public static long pread(int fd, MemorySegment buf, long offset) {
        MemorySegment state = NativeCalls.state();
        while (true) {
            long n;
            try {
                n = (long) Pread.HANDLE.invokeExact(state, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            if (NativeCalls.errno(state) != EINTR) {
                throw new SyscallException("pread", null, NativeCalls.errno(state));
            }
        }
    }

    /** Writes {@code buf} at file {@code offset}; returns the bytes written. */
    public static long pwrite(int fd, MemorySegment buf, long offset) {
        MemorySegment state = NativeCalls.state();
        while (true) {
            long n;
            try {
                n = (long) Pwrite.HANDLE.invokeExact(state, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            if (NativeCalls.errno(state) != EINTR) {
                throw new SyscallException("pwrite", null, NativeCalls.errno(state));
            }
        }
    }

    public static void fdatasync(int fd) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Fdatasync.HANDLE.invokeExact(state, fd), state, "fdatasync", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** {@code mode} is 0 or {@code FALLOC_FL_*} flags (punching holes for discard). */
    public static void fallocate(int fd, int mode, long offset, long len) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Fallocate.HANDLE.invokeExact(state, fd, mode, offset, len), state, "fallocate", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** A new epoll instance, close-on-exec. */
    public static int epollCreate() {
        MemorySegment state = NativeCalls.state();
        try {
            return check((int) EpollCreate1.HANDLE.invokeExact(state, libc_h.EPOLL_CLOEXEC()), state, "epoll_create1",
                null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** {@code op} is {@code EPOLL_CTL_ADD/MOD/DEL}; {@code data} comes back in the event's {@code data.u64}. */
    public static void epollCtl(int epfd, int op, int fd, int events, long data) {
        MemorySegment state = NativeCalls.state();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = epoll_event.allocate(arena);
            epoll_event.events(event, events);
            epoll_event.data.u64(epoll_event.data(event), data);
            check((int) EpollCtl.HANDLE.invokeExact(state, epfd, op, fd, event), state, "epoll_ctl", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * Waits for up to {@code maxEvents} events into {@code events} (an array of {@code epoll_event}); returns how
     * many arrived, 0 on timeout or when a signal interrupted the wait (EINTR).
     */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        if (maxEvents <= 0 || events.byteSize() < maxEvents * epoll_event.sizeof()) {
            throw new IllegalArgumentException(maxEvents + " events do not fit " + events.byteSize() + " bytes");
        }
        MemorySegment state = NativeCalls.state();
        int n;
        try {
            n = (int) EpollWait.HANDLE.invokeExact(state, epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        if (n < 0 && NativeCalls.errno(state) == EINTR) {
            return 0;
        }
        return check(n, state, "epoll_wait", null);
    }

    /** Polls {@code nfds} {@code pollfd}s; returns how many are ready, 0 on timeout or EINTR. */
    public static int poll(MemorySegment fds, int nfds, int timeoutMillis) {
        MemorySegment state = NativeCalls.state();
        int n;
        try {
            n = (int) Poll.HANDLE.invokeExact(state, fds, (long) nfds, timeoutMillis);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        if (n < 0 && NativeCalls.errno(state) == EINTR) {
            return 0;
        }
        return check(n, state, "poll", null);
    }

    /** The calling platform thread's pthread_t (for a virtual thread, that of its current carrier). */
    public static long pthreadSelf() {
        try {
            return (long) PthreadSelf.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Sends {@code signal} to {@code thread}, e.g. to kick a vCPU thread out of {@code KVM_RUN}. */
    public static void pthreadKill(long thread, int signal) {
        int error;
        try {
            error = (int) PthreadKill.HANDLE.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        if (error != 0) {
            throw new SyscallException("pthread_kill", null, error);
        }
    }

    /** glibc's {@code SIGRTMIN}: the first real-time signal free for applications. */
    public static int sigrtmin() {
        try {
            return (int) CurrentSigrtmin.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Changes the calling thread's signal mask; {@code set} or {@code oldSet} may be {@code MemorySegment.NULL}. */
    public static void pthreadSigmask(int how, MemorySegment set, MemorySegment oldSet) {
        int error;
        try {
            error = (int) PthreadSigmask.HANDLE.invokeExact(how, set, oldSet);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        if (error != 0) {
            throw new SyscallException("pthread_sigmask", null, error);
        }
    }

    /**
     * A {@code sigset_t} holding exactly {@code signals}, filled here as glibc's sigemptyset and sigaddset fill it (bit
     * {@code signal - 1}, unsigned longs in order), so that a vCPU thread links no downcall for it before its first
     * KVM_RUN. Like sigaddset, it refuses (EINVAL) a signal outside 1.._NSIG-1 or one of the real-time signals glibc
     * keeps for itself, below SIGRTMIN.
     */
    public static MemorySegment sigset(Arena arena, int... signals) {
        MemorySegment set = sigset_t.allocate(arena).fill((byte) 0);
        for (int signal : signals) {
            if (signal < 1 || signal >= NSIG || (signal >= KERNEL_SIGRTMIN && signal < sigrtmin())) {
                throw new SyscallException("sigaddset", "signal " + signal, Errno.EINVAL);
            }
            long word = (signal - 1) / Long.SIZE;
            set.setAtIndex(JAVA_LONG, word, set.getAtIndex(JAVA_LONG, word) | 1L << ((signal - 1) % Long.SIZE));
        }
        return set;
    }

    /**
     * Waits for a signal of {@code set} (which the caller has blocked); returns it, or -1 when {@code timeoutNanos}
     * passed (EAGAIN) or a handler interrupted the wait (EINTR). A negative timeout waits without limit.
     */
    public static int sigtimedwait(MemorySegment set, long timeoutNanos) {
        MemorySegment state = NativeCalls.state();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeout = MemorySegment.NULL;
            if (timeoutNanos >= 0) {
                timeout = timespec.allocate(arena);
                timespec.tv_sec(timeout, timeoutNanos / 1_000_000_000L);
                timespec.tv_nsec(timeout, timeoutNanos % 1_000_000_000L);
            }
            int signal = (int) Sigtimedwait.HANDLE.invokeExact(state, set, MemorySegment.NULL, timeout);
            if (signal < 0) {
                int errno = NativeCalls.errno(state);
                if (errno == EAGAIN || errno == EINTR) {
                    return -1;
                }
                throw new SyscallException("sigtimedwait", null, errno);
            }
            return signal;
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    public static boolean isatty(int fd) {
        MemorySegment state = NativeCalls.state();
        try {
            return (int) Isatty.HANDLE.invokeExact(state, fd) == 1;
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * Whether {@code fd} is this process's controlling terminal and another process group is in its foreground
     * (tcgetpgrp(3) differs from getpgrp(2)): a job started with {@code &}. Changing that terminal's mode or reading
     * it would stop the process (SIGTTOU/SIGTTIN). False for any other fd, terminals that are not the controlling
     * one included: job control does not apply to them.
     */
    public static boolean isInBackgroundOf(int fd) {
        MemorySegment state = NativeCalls.state();
        try {
            int foreground = (int) Tcgetpgrp.HANDLE.invokeExact(state, fd);
            return foreground >= 0 && foreground != (int) Getpgrp.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Reads {@code fd}'s terminal attributes into {@code termios} (a {@code struct termios}). */
    public static void tcgetattr(int fd, MemorySegment termios) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Tcgetattr.HANDLE.invokeExact(state, fd, termios), state, "tcgetattr", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** {@code action} is {@code TCSANOW}, {@code TCSADRAIN} or {@code TCSAFLUSH}. */
    public static void tcsetattr(int fd, int action, MemorySegment termios) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Tcsetattr.HANDLE.invokeExact(state, fd, action, termios), state, "tcsetattr", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Sets {@code termios} to raw mode (no echo, no line editing, no signals from keys). */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            Cfmakeraw.HANDLE.invokeExact(termios);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * Opens a pseudoterminal master (posix_openpt(3)); {@code flags} is {@code O_RDWR}, usually with
     * {@code O_NOCTTY}. {@code O_CLOEXEC} is always added.
     */
    public static int posixOpenpt(int flags) {
        MemorySegment state = NativeCalls.state();
        try {
            return check((int) PosixOpenpt.HANDLE.invokeExact(state, flags | libc_h.O_CLOEXEC()), state, "posix_openpt",
                null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** grantpt(3): makes the slave of pseudoterminal master {@code masterFd} accessible to the caller. */
    public static void grantpt(int masterFd) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Grantpt.HANDLE.invokeExact(state, masterFd), state, "grantpt", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** unlockpt(3): lets the slave of pseudoterminal master {@code masterFd} be opened. */
    public static void unlockpt(int masterFd) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Unlockpt.HANDLE.invokeExact(state, masterFd), state, "unlockpt", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** The path of the slave of pseudoterminal master {@code masterFd} ({@code /dev/pts/N}), via ptsname_r(3). */
    public static String ptsname(int masterFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(128);
            int error = (int) PtsnameR.HANDLE.invokeExact(masterFd, buf, buf.byteSize());
            if (error != 0) {
                throw new SyscallException("ptsname_r", null, error);
            }
            return buf.getString(0);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /** Fills {@code buf} from the kernel's random source, retrying short reads and EINTR. */
    public static void getrandom(MemorySegment buf) {
        MemorySegment state = NativeCalls.state();
        long done = 0;
        while (done < buf.byteSize()) {
            long n;
            try {
                n = (long) Getrandom.HANDLE.invokeExact(state, buf.asSlice(done), buf.byteSize() - done, 0);
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
            if (n < 0) {
                if (NativeCalls.errno(state) != EINTR) {
                    throw new SyscallException("getrandom", null, NativeCalls.errno(state));
                }
            } else {
                done += n;
            }
        }
    }

    private static int check(int result, MemorySegment state, String call, String request) {
        if (result < 0) {
            throw new SyscallException(call, request, NativeCalls.errno(state));
        }
        return result;
    }

    private static final class Readv {
        static final MethodHandle HANDLE = NativeCalls.withErrno("readv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Writev {
        static final MethodHandle HANDLE = NativeCalls.withErrno("writev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }
    /**
     * read and write taking the buffer as the address an {@link IoVectors} entry holds (a pointer is a 64-bit integer
     * argument in the C calling convention), so that no segment object is made per call; only
     * {@link #single} calls them, with an entry {@link IoVectors#checkUsable} has just checked.
     */
    private static final class ReadAt {
        static final MethodHandle HANDLE = NativeCalls.withErrno("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class WriteAt {
        static final MethodHandle HANDLE = NativeCalls.withErrno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    /**
     * readv(2) into the entries of {@code iov}: returns the bytes read (for a TAP, the whole frame's length even
     * when it did not fit), or {@code -errno} (-EAGAIN when a non-blocking fd has nothing). EINTR is retried. Never
     * throws for a failed call and allocates nothing, so a device thread can count failures on its hot path.
     */
    public static long readvNoThrow(int fd, IoVectors iov) {
        MemorySegment array = iov.checkUsable(true);
        return iov.count() == 1 ? single(ReadAt.HANDLE, fd, array) : vectored(Readv.HANDLE, fd, array, iov.count());
    }

    /** writev(2) of the entries of {@code iov}: the bytes written, or {@code -errno}; as {@link #readvNoThrow}. */
    public static long writevNoThrow(int fd, IoVectors iov) {
        MemorySegment array = iov.checkUsable(false);
        return iov.count() == 1 ? single(WriteAt.HANDLE, fd, array) : vectored(Writev.HANDLE, fd, array, iov.count());
    }

    private static final class Preadv {
        static final MethodHandle HANDLE = NativeCalls.withErrno("preadv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }
    private static final class Pwritev {
        static final MethodHandle HANDLE = NativeCalls.withErrno("pwritev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    /**
     * preadv(2) from file {@code offset} into the entries of {@code iov}: the bytes read (fewer at end of file or
     * when the kernel stops early), or {@code -errno}. EINTR is retried; never throws for a failed call and allocates
     * nothing, for a block device's request path.
     */
    public static long preadvNoThrow(int fd, IoVectors iov, long offset) {
        return positioned(Preadv.HANDLE, fd, iov.checkUsable(true), iov.count(), offset);
    }

    /** pwritev(2) of the entries of {@code iov} at file {@code offset}: as {@link #preadvNoThrow}. */
    public static long pwritevNoThrow(int fd, IoVectors iov, long offset) {
        return positioned(Pwritev.HANDLE, fd, iov.checkUsable(false), iov.count(), offset);
    }

    private static long positioned(MethodHandle call, int fd, MemorySegment array, int count, long offset) {
        MemorySegment state = NativeCalls.state();
        long n;
        do {
            try {
                n = (long) call.invokeExact(state, fd, array, count, offset);
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
        } while (interrupted(n, state));
        return n >= 0 ? n : -NativeCalls.errno(state);
    }

    /**
     * read(2) or write(2) of an array's only entry: what readv/writev of one entry do, without the kernel copying
     * and checking the iovec first (a tenth of a small frame's cost to a TAP, measured by the virtio-net benchmark).
     */
    private static long single(MethodHandle call, int fd, MemorySegment array) {
        long base = array.get(JAVA_LONG, IoVectors.BASE);
        long length = array.get(JAVA_LONG, IoVectors.LEN);
        MemorySegment state = NativeCalls.state();
        long n;
        do {
            try {
                n = (long) call.invokeExact(state, fd, base, length);
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
        } while (interrupted(n, state));
        return n >= 0 ? n : -NativeCalls.errno(state);
    }

    private static long vectored(MethodHandle call, int fd, MemorySegment array, int count) {
        MemorySegment state = NativeCalls.state();
        long n;
        do {
            try {
                n = (long) call.invokeExact(state, fd, array, count);
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
        } while (interrupted(n, state));
        return n >= 0 ? n : -NativeCalls.errno(state);
    }

    /** Whether a call that returned {@code n} failed with EINTR and is to be made again. */
    private static boolean interrupted(long n, MemorySegment state) {
        return n < 0 && NativeCalls.errno(state) == EINTR;
    }

    // ---- AF_UNIX stream sockets (virtio-vsock's host side)

    private static final class Socket {
        static final MethodHandle HANDLE = NativeCalls.withErrno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Bind {
        static final MethodHandle HANDLE = NativeCalls.withErrno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Listen {
        static final MethodHandle HANDLE = NativeCalls.withErrno("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Accept4 {
        static final MethodHandle HANDLE = NativeCalls.withErrno("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }
    private static final class Connect {
        static final MethodHandle HANDLE = NativeCalls.withErrno("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class Shutdown {
        static final MethodHandle HANDLE = NativeCalls.withErrno("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
    private static final class Send {
        static final MethodHandle HANDLE = NativeCalls.withErrno("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }
    private static final class Recv {
        static final MethodHandle HANDLE = NativeCalls.withErrno("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    /** A new socket; {@code SOCK_CLOEXEC} is always added to {@code type}. */
    public static int socket(int domain, int type, int protocol) {
        MemorySegment state = NativeCalls.state();
        try {
            int fd = (int) Socket.HANDLE.invokeExact(state, domain, type | libc_h.SOCK_CLOEXEC(), protocol);
            return check(fd, state, "socket", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * A {@code struct sockaddr_un} naming {@code path} (unix(7)), allocated in {@code arena}.
     *
     * @throws IllegalArgumentException if the path has a NUL or does not fit {@code sun_path} with its terminator
     */
    public static MemorySegment sockaddrUn(String path, Arena arena) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        long room = sockaddr_un.sun_path$dimensions()[0];
        if (bytes.length == 0 || bytes.length >= room || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("unix socket path \"" + path + "\" is " + bytes.length
                + " bytes; sun_path holds 1 to " + (room - 1) + " bytes without NUL");
        }
        MemorySegment address = sockaddr_un.allocate(arena);
        address.fill((byte) 0);
        sockaddr_un.sun_family(address, (short) libc_h.AF_UNIX());
        MemorySegment.copy(bytes, 0, sockaddr_un.sun_path(address), JAVA_BYTE, 0, bytes.length);
        return address;
    }

    /** Binds {@code fd} to {@code address} (a {@code sockaddr}, e.g. from {@link #sockaddrUn}). */
    public static void bind(int fd, MemorySegment address) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Bind.HANDLE.invokeExact(state, fd, address, (int) address.byteSize()), state, "bind", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    public static void listen(int fd, int backlog) {
        MemorySegment state = NativeCalls.state();
        try {
            check((int) Listen.HANDLE.invokeExact(state, fd, backlog), state, "listen", null);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
    }

    /**
     * Accepts a connection on listening {@code fd}; {@code SOCK_CLOEXEC} is always added to {@code flags}. Returns
     * the new fd, or -1 when none is pending (EAGAIN) or the pending one was reset meanwhile (ECONNABORTED); EINTR
     * is retried, other errors (EMFILE...) throw.
     */
    public static int accept4(int fd, int flags) {
        MemorySegment state = NativeCalls.state();
        while (true) {
            int r;
            try {
                r = (int) Accept4.HANDLE.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL,
                    flags | libc_h.SOCK_CLOEXEC());
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
            if (r >= 0) {
                return r;
            }
            int errno = NativeCalls.errno(state);
            if (errno == EAGAIN || errno == libc_h.ECONNABORTED()) {
                return -1;
            }
            if (errno != EINTR) {
                throw new SyscallException("accept4", null, errno);
            }
        }
    }

    /**
     * Connects {@code fd} to {@code address}. Returns 0, or {@code -errno}: a refused connection (ECONNREFUSED,
     * ENOENT, EAGAIN for a full AF_UNIX backlog, EINPROGRESS) is an answer the caller acts on, not an exception.
     */
    public static int connect(int fd, MemorySegment address) {
        MemorySegment state = NativeCalls.state();
        int r;
        try {
            r = (int) Connect.HANDLE.invokeExact(state, fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        return r < 0 ? -NativeCalls.errno(state) : 0;
    }

    /** {@code how} is {@code SHUT_RD}, {@code SHUT_WR} or {@code SHUT_RDWR}; ENOTCONN (peer gone) is no error. */
    public static void shutdown(int fd, int how) {
        MemorySegment state = NativeCalls.state();
        int r;
        try {
            r = (int) Shutdown.HANDLE.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw NativeCalls.rethrow(t);
        }
        if (r < 0 && NativeCalls.errno(state) != libc_h.ENOTCONN()) {
            throw new SyscallException("shutdown", null, NativeCalls.errno(state));
        }
    }

    /**
     * Sends the whole of {@code buf} on a stream socket; {@code MSG_NOSIGNAL} is always added, so a closed peer is
     * an EPIPE exception, never a SIGPIPE. Returns the bytes sent or -1 when the socket is full (EAGAIN); EINTR is
     * retried.
     */
    public static long send(int fd, MemorySegment buf, int flags) {
        return socketTransfer(Send.HANDLE, "send", fd, buf, flags | libc_h.MSG_NOSIGNAL());
    }

    /** Receives into {@code buf}: the bytes received, 0 at end of stream, -1 when nothing is there (EAGAIN). */
    public static long recv(int fd, MemorySegment buf, int flags) {
        return socketTransfer(Recv.HANDLE, "recv", fd, buf, flags);
    }

    private static long socketTransfer(MethodHandle call, String name, int fd, MemorySegment buf, int flags) {
        MemorySegment state = NativeCalls.state();
        while (true) {
            long n;
            try {
                n = (long) call.invokeExact(state, fd, buf, buf.byteSize(), flags);
            } catch (Throwable t) {
                throw NativeCalls.rethrow(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = NativeCalls.errno(state);
            if (errno == EAGAIN) {
                return -1;
            }
            if (errno != EINTR) {
                throw new SyscallException(name, null, errno);
            }
        }
    }
}
