package dev.jvmm.devices.virtio.vsock;

/**
 * The line a host program sends first on the device's listening socket, {@code CONNECT <port>\n} (Firecracker's
 * vsock protocol), taken one byte at a time so that bytes after the newline stay in the socket for the guest.
 * At most {@link #MAX_LENGTH} bytes; anything else is refused.
 */
final class ConnectCommand {
    static final int MAX_LENGTH = 32;
    /** {@link #accept} results other than a port. */
    static final long INCOMPLETE = -1;
    static final long INVALID = -2;

    private static final byte[] PREFIX = {'C', 'O', 'N', 'N', 'E', 'C', 'T', ' '};
    private static final int MAX_PORT_DIGITS = 10;

    private final byte[] line = new byte[MAX_LENGTH];
    private int length;

    /** Takes the next byte: the port (0..2^32-1) once the line is complete, or INCOMPLETE, or INVALID. */
    long accept(byte b) {
        if (b == '\n') {
            return parse(line, length);
        }
        if (length == MAX_LENGTH - 1) {
            return INVALID;
        }
        line[length++] = b;
        return INCOMPLETE;
    }

    /** The port of {@code CONNECT <decimal port>} in the first {@code length} bytes, or INVALID. */
    static long parse(byte[] line, int length) {
        int digits = length - PREFIX.length;
        if (digits < 1 || digits > MAX_PORT_DIGITS) {
            return INVALID;
        }
        for (int i = 0; i < PREFIX.length; i++) {
            if (line[i] != PREFIX[i]) {
                return INVALID;
            }
        }
        long port = 0;
        for (int i = PREFIX.length; i < length; i++) {
            if (line[i] < '0' || line[i] > '9') {
                return INVALID;
            }
            port = port * 10 + (line[i] - '0');
        }
        return port <= 0xffff_ffffL ? port : INVALID;
    }
}
