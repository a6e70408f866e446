package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
import org.junit.jupiter.api.Test;

/** Raw mode on a pseudoterminal: what it changes, what it keeps, and that the saved settings come back. */
class RawTerminalTest {

    @Test
    void entersRawModeAndRestoresTheSavedSettingsExactly() {
        try (Pty pty = new Pty()) {
            Pty.Settings before = pty.settings();
            assertFalse(before.isRaw(), "a new pty starts cooked: " + before);
            try (RawTerminal t = RawTerminal.enter(pty.slave)) {
                Pty.Settings raw = pty.settings();
                assertTrue(raw.isRaw(), raw.toString());
                assertEquals(0, raw.iflag() & libc_h.ICRNL(), "CR reaches the guest as CR");
                assertEquals(0, raw.iflag() & libc_h.IXON(), "Ctrl-S and Ctrl-Q reach the guest");
                assertEquals(1, raw.cc()[libc_h.VMIN()], "a read returns as soon as one byte is there");
                assertEquals(before.oflag(), raw.oflag(), "output processing is left as it was");
                assertNotEquals(before, raw);
            }
            assertEquals(before, pty.settings());
        }
    }

    @Test
    void restoringTwiceIsHarmless() {
        try (Pty pty = new Pty()) {
            Pty.Settings before = pty.settings();
            RawTerminal t = RawTerminal.enter(pty.slave);
            t.restore();
            assertEquals(before, pty.settings());
            t.close();
            t.close();
            assertEquals(before, pty.settings());
        }
    }

    @Test
    void restoreBringsBackTheSettingsSavedOnEntryNotLaterOnes() {
        try (Pty pty = new Pty()) {
            Pty.Settings before = pty.settings();
            try (RawTerminal t = RawTerminal.enter(pty.slave)) {
                // A second raw session saves the raw settings and puts them back; the outer one still wins.
                RawTerminal.enter(pty.slave).close();
            }
            assertEquals(before, pty.settings());
        }
    }

    @Test
    void refusesSomethingThatIsNoTerminal() {
        int fd = Libc.open("/dev/null", libc_h.O_RDONLY());
        try {
            SyscallException e = assertThrows(SyscallException.class, () -> RawTerminal.enter(fd));
            assertEquals("ENOTTY", e.errnoName());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void aTerminalGoneBeforeRestoreIsNoError() {
        Pty pty = new Pty();
        RawTerminal t = RawTerminal.enter(pty.slave);
        pty.close();
        t.close(); // EBADF on restore is swallowed: nothing left to restore
    }
}
