package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.memory.GuestMemory;

import java.nio.charset.StandardCharsets;

/**
 * The kernel command line: built from parameters, checked against the kernel's limit (setup_header.cmdline_size,
 * which excludes the terminating NUL) and written NUL-terminated at {@link Layout#CMDLINE_ADDRESS}.
 */
public final class CommandLine {
    private final StringBuilder text = new StringBuilder();

    public CommandLine() {}

    public CommandLine(String initial) {
        append(initial);
    }

    /** Appends {@code parameter} (e.g. {@code virtio_mmio.device=4K@0xd0000000:5}), space-separated. */
    public CommandLine append(String parameter) {
        String trimmed = parameter.strip();
        if (trimmed.indexOf('\0') >= 0) {
            throw new BootException("kernel command line parameter contains NUL: " + trimmed);
        }
        if (!trimmed.isEmpty()) {
            if (!text.isEmpty()) {
                text.append(' ');
            }
            text.append(trimmed);
        }
        return this;
    }

    public String text() { return text.toString(); }

    /** The command line as written: ASCII/UTF-8 bytes and the terminating NUL. */
    public byte[] bytes() {
        byte[] chars = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] result = new byte[chars.length + 1];
        System.arraycopy(chars, 0, result, 0, chars.length);
        return result;
    }

    /**
     * Writes the command line at {@link Layout#CMDLINE_ADDRESS}, refusing one longer than {@code cmdlineSize}
     * bytes before the NUL; returns its guest address.
     *
     * @throws CommandLineTooLongException if it is longer
     */
    public long write(GuestMemory memory, long cmdlineSize) {
        byte[] bytes = bytes();
        long limit = Math.min(cmdlineSize, Layout.CMDLINE_MAX_SIZE - 1);
        if (bytes.length - 1 > limit) {
            throw new CommandLineTooLongException(bytes.length - 1, limit);
        }
        memory.write(Layout.CMDLINE_ADDRESS, bytes);
        return Layout.CMDLINE_ADDRESS;
    }

    @Override
    public String toString() { return text(); }
}
