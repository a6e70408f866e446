package dev.jvmm.cli;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.bindings.libc.termios;
import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A pseudoterminal pair for console tests: the test types on the master, the code under test owns the slave. */
final class Pty implements AutoCloseable {
    final int master;
    final int slave;
    final String slavePath;

    /** The settings of a terminal, field by field (the struct's padding is not compared). */
    record Settings(int iflag, int oflag, int cflag, int lflag, byte line, byte[] cc, int ispeed, int ospeed) {
        boolean isRaw() {
            return (lflag & (libc_h.ICANON() | libc_h.ECHO() | libc_h.ISIG())) == 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Settings s && iflag == s.iflag && oflag == s.oflag && cflag == s.cflag
                    && lflag == s.lflag && line == s.line && Arrays.equals(cc, s.cc) && ispeed == s.ispeed
                    && ospeed == s.ospeed;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(cc) ^ lflag;
        }

        @Override
        public String toString() {
            return String.format("iflag=%o oflag=%o cflag=%o lflag=%o", iflag, oflag, cflag, lflag);
        }
    }

    Pty() {
        master = Libc.posixOpenpt(libc_h.O_RDWR() | libc_h.O_NOCTTY());
        Libc.grantpt(master);
        Libc.unlockpt(master);
        slavePath = Libc.ptsname(master);
        slave = Libc.open(slavePath, libc_h.O_RDWR() | libc_h.O_NOCTTY());
    }

    Settings settings() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = termios.allocate(arena);
            Libc.tcgetattr(slave, t);
            return new Settings(termios.c_iflag(t), termios.c_oflag(t), termios.c_cflag(t), termios.c_lflag(t),
                    termios.c_line(t), termios.c_cc(t).toArray(ValueLayout.JAVA_BYTE), termios.c_ispeed(t),
                    termios.c_ospeed(t));
        }
    }

    /** Types {@code bytes} at the terminal. */
    void type(byte... bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(bytes.length);
            s.copyFrom(MemorySegment.ofArray(bytes));
            long n = Libc.write(master, s);
            if (n != bytes.length) {
                throw new IllegalStateException("short write to the pty: " + n);
            }
        }
    }

    void type(String text) {
        type(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void close() {
        Libc.close(slave);
        Libc.close(master);
    }
}
