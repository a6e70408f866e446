package dev.jvmm.core.boot;

import java.io.IOException;
import java.nio.file.Path;

/** A kernel image is malformed or unsupported; names the image ({@link #source()}) and the problem. */
public final class BootImageException extends BootException {
    private final String source;
    private final String problem;

    public BootImageException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
        this.problem = problem;
    }

    /** The image could not be read at all. */
    public static BootImageException unreadable(Path file, IOException cause) {
        BootImageException e = new BootImageException(file.toString(), "cannot read: " + cause.getMessage());
        e.initCause(cause);
        return e;
    }

    public String source() { return source; }

    public String problem() { return problem; }
}
