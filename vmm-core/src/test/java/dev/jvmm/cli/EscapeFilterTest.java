package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The console's escape keys, byte by byte, as QEMU's {@code -serial mon:stdio} users know them. */
class EscapeFilterTest {
    private static final byte CTRL_A = 0x01;

    private final EscapeFilter filter = new EscapeFilter();

    @Test
    void plainBytesPassThroughUnchanged() {
        for (int b = 0; b < 256; b++) {
            if (b != CTRL_A) {
                assertEquals(b, filter.accept((byte) b), "byte " + b);
                assertFalse(filter.escaped());
            }
        }
    }

    @Test
    void ctrlAIsHeldBackUntilTheNextByte() {
        assertEquals(EscapeFilter.NONE, filter.accept(CTRL_A));
        assertTrue(filter.escaped());
    }

    @Test
    void ctrlAThenXQuits() {
        filter.accept(CTRL_A);
        assertEquals(EscapeFilter.QUIT, filter.accept((byte) 'x'));
        assertFalse(filter.escaped());
    }

    @Test
    void capitalXDoesNotQuit() {
        filter.accept(CTRL_A);
        assertEquals(EscapeFilter.NONE, filter.accept((byte) 'X'));
    }

    @Test
    void ctrlATwiceSendsOneCtrlA() {
        filter.accept(CTRL_A);
        assertEquals(CTRL_A, filter.accept(CTRL_A));
        assertFalse(filter.escaped(), "the second Ctrl-A does not start a new escape");
        assertEquals('x', filter.accept((byte) 'x'), "so a following x is plain text");
    }

    @Test
    void ctrlAThenHOrQuestionMarkAsksForHelp() {
        filter.accept(CTRL_A);
        assertEquals(EscapeFilter.HELP, filter.accept((byte) 'h'));
        filter.accept(CTRL_A);
        assertEquals(EscapeFilter.HELP, filter.accept((byte) '?'));
    }

    @Test
    void ctrlAThenAnUnknownKeyDropsBoth() {
        filter.accept(CTRL_A);
        assertEquals(EscapeFilter.NONE, filter.accept((byte) 'q'));
        assertFalse(filter.escaped());
        assertEquals('q', filter.accept((byte) 'q'), "and the next byte is plain again");
    }

    @Test
    void xWithoutCtrlAIsText() {
        assertEquals('x', filter.accept((byte) 'x'));
    }

    @Test
    void anEscapeSplitAcrossReadsStillWorks() {
        byte[] first = {'l', 's', CTRL_A};
        byte[] second = {'x'};
        assertArrayEquals(new byte[] {'l', 's'}, feed(filter, first));
        assertEquals(EscapeFilter.QUIT, filter.accept(second[0]));
    }

    @Test
    void helpTextNamesEveryKeyWithCrLfLineEnds() {
        assertTrue(EscapeFilter.HELP_TEXT.contains("Ctrl-A x"));
        assertTrue(EscapeFilter.HELP_TEXT.contains("Ctrl-A Ctrl-A"));
        assertTrue(EscapeFilter.HELP_TEXT.contains("Ctrl-A h"));
        assertFalse(EscapeFilter.HELP_TEXT.replace("\r\n", "").contains("\n"));
    }

    /** Any bytes, with each Ctrl-A doubled as a user types it, reach the guest exactly, and never quit. */
    @Property(tries = 2000)
    void doubledCtrlAsRoundTripAnyBytes(@ForAll @Size(max = 64) byte[] text) {
        ByteArrayOutputStream typed = new ByteArrayOutputStream();
        for (byte b : text) {
            typed.write(b);
            if (b == CTRL_A) {
                typed.write(b);
            }
        }
        assertArrayEquals(text, feed(new EscapeFilter(), typed.toByteArray()));
    }

    /** Without Ctrl-A in the input the filter is the identity. */
    @Property(tries = 2000)
    void inputWithoutCtrlAIsUntouched(@ForAll @Size(max = 64) byte[] text) {
        for (int i = 0; i < text.length; i++) {
            if (text[i] == CTRL_A) {
                text[i] = 0x02;
            }
        }
        assertArrayEquals(text, feed(new EscapeFilter(), text));
    }

    /** The bytes the filter forwards; fails on any command. */
    private static byte[] feed(EscapeFilter f, byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : in) {
            int r = f.accept(b);
            if (r >= 0) {
                out.write(r);
            } else if (r != EscapeFilter.NONE) {
                throw new AssertionError("unexpected command " + r);
            }
        }
        return out.toByteArray();
    }
}
