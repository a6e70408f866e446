package dev.jvmm.core.vm;

/**
 * A failure the VMM reports to its user in one line: either bad input (a file or option that cannot work, exit
 * status 2) or a host/VMM failure (exit status 3). The message names the input or the failed call and what to do.
 */
public class VmmException extends RuntimeException {
    private final boolean badInput;

    public VmmException(String message, boolean badInput) {
        super(message);
        this.badInput = badInput;
    }

    public VmmException(String message, boolean badInput, Throwable cause) {
        super(message, cause);
        this.badInput = badInput;
    }

    /** Bad input: the user can fix it by changing the command line or a file. */
    public static VmmException badInput(String message) {
        return new VmmException(message, true);
    }

    public static VmmException hostError(String message, Throwable cause) {
        return new VmmException(message, false, cause);
    }

    public boolean isBadInput() {
        return badInput;
    }
}
