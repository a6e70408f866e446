package dev.jvmm.core.boot;

/** The kernel command line is longer than the kernel takes; the VMM adds what it appended itself to the message. */
public final class CommandLineTooLongException extends BootException {
    private final int length;
    private final long limit;

    public CommandLineTooLongException(int length, long limit) {
        super("kernel command line is " + length + " bytes, the kernel takes at most " + limit);
        this.length = length;
        this.limit = limit;
    }

    /** Bytes of the command line, without the terminating NUL. */
    public int length() { return length; }

    /** The most the kernel takes, without the NUL. */
    public long limit() { return limit; }
}
