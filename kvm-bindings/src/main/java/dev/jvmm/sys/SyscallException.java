package dev.jvmm.sys;

/**
 * A libc call that failed, with the call, what it was asked (the ioctl request name, or the path of an
 * {@code open}) and errno by name: {@code ioctl(KVM_CREATE_VM) failed: ENOTTY (Inappropriate ioctl for device)}.
 */
public final class SyscallException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final String request;
    private final int errno;

    public SyscallException(String call, String request, int errno) {
        super(call + (request == null ? "" : "(" + request + ")") + " failed: " + Errno.name(errno) + " ("
            + Errno.describe(errno) + ")");
        this.call = call;
        this.request = request;
        this.errno = errno;
    }

    /** The libc function, e.g. {@code ioctl}. */
    public String call() {
        return call;
    }

    /** The ioctl request name or the path opened; null when the call has none. */
    public String request() {
        return request;
    }

    public int errno() {
        return errno;
    }

    /** The symbolic errno, e.g. {@code ENOTTY}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
