package dev.jvmm.cli;

/**
 * The exit statuses of {@code jvmm}, as documented in {@code jvmm --help} and README.md.
 */
public enum ExitStatus {
    /** The guest stopped normally: power-off, reset request, or HLT of a flat guest. */
    OK(0),
    /** The guest crashed: triple fault (KVM_EXIT_SHUTDOWN), an instruction KVM could not emulate, a failed entry. */
    GUEST_CRASH(1),
    /** Bad usage or input: unknown option, unreadable or malformed file, impossible size. */
    USAGE(2),
    /** The VMM or the host failed: /dev/kvm unavailable, a KVM or system call failed, the build failed. */
    VMM_ERROR(3);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
