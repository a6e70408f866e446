package dev.jvmm.core.boot;

/** A guest cannot be booted as configured: the boot layer's one exception (bad image, command line, initrd fit). */
public class BootException extends RuntimeException {
    public BootException(String message) {
        super(message);
    }

    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
