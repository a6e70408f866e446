package dev.jvmm.cli;

/**
 * The console's escape state machine, as QEMU's stdio mux has it: Ctrl-A starts a command, the next byte names it.
 * {@code Ctrl-A x} quits, {@code Ctrl-A h} (or {@code ?}) asks for help, {@code Ctrl-A Ctrl-A} sends one literal
 * Ctrl-A; any other byte after Ctrl-A is dropped. Every other byte passes through unchanged. The state survives
 * between reads, so a command split across two reads still works. Allocation-free: one int in, one int out.
 */
final class EscapeFilter {
    /** Ctrl-A, the escape byte. */
    static final int ESCAPE = 0x01;
    /** {@link #accept} result: nothing to send (the byte started or ended an escape). */
    static final int NONE = -1;
    /** {@link #accept} result: the user asked to quit (Ctrl-A x). */
    static final int QUIT = -2;
    /** {@link #accept} result: the user asked for the key list (Ctrl-A h). */
    static final int HELP = -3;

    /** What {@code Ctrl-A h} shows; lines end in CR LF because the terminal is raw. */
    static final String HELP_TEXT = "\r\njvmm console keys:\r\n"
            + "  Ctrl-A x       stop the VM and exit jvmm\r\n"
            + "  Ctrl-A Ctrl-A  send Ctrl-A to the guest\r\n"
            + "  Ctrl-A h       show this help\r\n";

    private boolean escaped;

    /**
     * Takes one byte typed at the terminal and returns the byte to send to the guest (0 to 255), or {@link #NONE},
     * {@link #QUIT} or {@link #HELP}.
     */
    int accept(byte b) {
        int c = b & 0xff;
        if (!escaped) {
            if (c == ESCAPE) {
                escaped = true;
                return NONE;
            }
            return c;
        }
        escaped = false;
        return switch (c) {
            case ESCAPE -> ESCAPE;
            case 'x' -> QUIT;
            case 'h', '?' -> HELP;
            default -> NONE;
        };
    }

    /** Whether the last byte was a Ctrl-A still waiting for its command. */
    boolean escaped() {
        return escaped;
    }
}
