package dev.jvmm.cli;

import dev.jvmm.core.boot.BootException;
import dev.jvmm.core.vm.VmmException;
import dev.jvmm.sys.SyscallException;

/** Turns a failure into the one line the user sees (a stack trace only with --verbose) and an exit status. */
final class Failures {
    private Failures() {}

    static int report(Throwable ex, boolean verbose) {
        ExitStatus status = statusOf(ex);
        String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        System.err.println("jvmm: " + message);
        if (verbose) {
            ex.printStackTrace(System.err);
        } else if (status == ExitStatus.VMM_ERROR && !(ex instanceof VmmException)) {
            System.err.println("jvmm: (run with --verbose for details)");
        }
        return status.code();
    }

    static ExitStatus statusOf(Throwable ex) {
        if (ex instanceof UsageException) {
            return ExitStatus.USAGE;
        }
        if (ex instanceof BootException) {
            return ExitStatus.USAGE; // the kernel, initrd or command line the user gave cannot be booted
        }
        if (ex instanceof VmmException v) {
            return v.isBadInput() ? ExitStatus.USAGE : ExitStatus.VMM_ERROR;
        }
        if (ex instanceof SyscallException) {
            return ExitStatus.VMM_ERROR;
        }
        return ExitStatus.VMM_ERROR;
    }
}
