package dev.jvmm.cli;

/** Bad input from the user: reported as one line, exit status {@link ExitStatus#USAGE}. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
