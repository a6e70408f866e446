package dev.jvmm.devices.serial;

import dev.jvmm.devices.irq.InterruptLine;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives the UART register by register as Linux's 8250 driver does (drivers/tty/serial/8250/8250_port.c). */
class Uart16550Test {
    private static final int THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
            LSR = 5, MSR = 6, SCR = 7;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final RecordingLine line = new RecordingLine();
    private final Uart16550 uart = new Uart16550(out, line);

    private int in(int reg) {
        return (int) uart.read(reg, 1) & 0xff;
    }

    private void out(int reg, int value) {
        uart.write(reg, 1, value);
    }

    @Test
    void passesTheIerExistenceTest() {
        int saved = in(IER);
        out(IER, 0);
        assertEquals(0, in(IER) & 0x0f);
        out(IER, 0x0f);
        assertEquals(0x0f, in(IER) & 0x0f);
        out(IER, saved);
    }

    @Test
    void ierUpperNibbleReadsZeroSoNoXscaleIsDetected() {
        out(IER, 0x40);
        assertEquals(0, in(IER));
    }

    @Test
    void passesTheLoopbackTestWithDcdAndCts() {
        int savedMcr = in(MCR);
        out(MCR, 0x10 | 0x0a);
        assertEquals(0x90, in(MSR) & 0xf0);
        out(MCR, savedMcr);
        assertEquals(0xb0, in(MSR) & 0xf0);
    }

    @Test
    void mapsEachModemControlBitToItsStatusBitInLoopback() {
        out(MCR, 0x10 | 0x01);
        assertEquals(0x20, in(MSR) & 0xf0);
        out(MCR, 0x10 | 0x02);
        assertEquals(0x10, in(MSR) & 0xf0);
        out(MCR, 0x10 | 0x04);
        assertEquals(0x40, in(MSR) & 0xf0);
        out(MCR, 0x10 | 0x08);
        assertEquals(0x80, in(MSR) & 0xf0);
    }

    @Test
    void reportsDeltaBitsOnceAfterModemLinesChange() {
        out(MCR, 0x10);
        in(MSR);
        out(MCR, 0x10 | 0x0f);
        assertEquals(0xf0 | 0x0b, in(MSR)); // DCTS, DDSR, DDCD; TERI only on RI's trailing edge
        assertEquals(0xf0, in(MSR));
        out(MCR, 0x10 | 0x0b);
        assertEquals(0xb0 | 0x04, in(MSR));
    }

    @Test
    void raisesModemStatusInterruptOnDeltaWhenEnabled() {
        out(MCR, 0x10);
        in(MSR);
        out(IER, 0x08);
        assertEquals(0x01, in(IIR) & 0x0f);
        out(MCR, 0x10 | 0x02);
        assertEquals(0x00, in(IIR) & 0x0f);
        assertTrue(line.level);
        in(MSR);
        assertEquals(0x01, in(IIR) & 0x0f);
        assertFalse(line.level);
    }

    @Test
    void scratchRegisterHoldsWhatIsWritten() {
        out(SCR, 0xa5);
        assertEquals(0xa5, in(SCR));
        out(SCR, 0x5a);
        assertEquals(0x5a, in(SCR));
    }

    @Test
    void detectsAs16550aThroughFifoBitsOfIir() {
        out(LCR, 0xbf);
        out(2, 0); // EFR on later parts, FCR on a 16550
        out(LCR, 0);
        assertEquals(0, in(IIR) >> 6);
        out(FCR, 0x01);
        assertEquals(3, in(IIR) >> 6);
    }

    @Test
    void iirNeverSetsThe64ByteFifoBitSoNo16750IsDetected() {
        out(FCR, 0x01 | 0x20);
        assertEquals(0xc0, in(IIR) & 0xe0);
        out(LCR, 0x80);
        out(FCR, 0x01 | 0x20);
        assertEquals(0xc0, in(IIR) & 0xe0);
    }

    @Test
    void iirIsReadableWithDlabSetSoEfrProbeSeesNonZero() {
        out(FCR, 0x01);
        out(LCR, 0x80);
        assertEquals(0xc1, in(IIR));
    }

    @Test
    void divisorLatchIsReachedOnlyWithDlab() {
        out(IER, 0x05);
        out(LCR, 0x83);
        out(DLL, 0x01);
        out(DLM, 0x00);
        assertEquals(0x01, in(DLL));
        assertEquals(0x00, in(DLM));
        out(LCR, 0x03);
        assertEquals(0x05, in(IER));
        assertEquals(0x03, in(LCR));
        assertEquals(0, out.size(), "divisor writes are not transmitted");
        out(LCR, 0x83);
        assertEquals(0x01, in(DLL));
    }

    @Test
    void transmitsThrWritesAndFlushesOnNewline() {
        FlushCountingStream stream = new FlushCountingStream();
        Uart16550 u = new Uart16550(stream, InterruptLine.NONE);
        for (byte b : "hi\n".getBytes(StandardCharsets.US_ASCII)) {
            u.write(THR, 1, b);
        }
        assertEquals("hi\n", stream.toString(StandardCharsets.US_ASCII));
        assertEquals(1, stream.flushes);
        u.write(THR, 1, '$');
        assertEquals(1, stream.flushes);
        u.flush();
        assertEquals(2, stream.flushes);
        u.flush();
        assertEquals(2, stream.flushes, "nothing new to flush");
    }

    @Test
    void lsrAlwaysShowsTransmitterEmpty() {
        out(THR, 'x');
        assertEquals(0x60, in(LSR));
        assertTrue(in(LSR) != 0xff);
    }

    @Test
    void raisesThreInterruptWhenEnabledAndClearsItOnIirRead() {
        assertFalse(line.level);
        out(IER, 0x02);
        assertTrue(line.level);
        assertEquals(0x02, in(IIR) & 0x0f);
        assertFalse(line.level);
        assertEquals(0x01, in(IIR) & 0x0f);
    }

    @Test
    void reassertsThreEachTimeEtbeiIsEnabled() {
        // Linux's UART_BUG_THRE test: IER=THRI, read IIR, IER=0, IER=THRI, IIR must report THRE again.
        out(IER, 0x02);
        assertEquals(0x02, in(IIR) & 0x0f);
        out(IER, 0);
        out(IER, 0x02);
        assertEquals(0x02, in(IIR) & 0x0f);
    }

    @Test
    void raisesThreAgainAfterEachTransmittedByte() {
        out(IER, 0x02);
        in(IIR);
        assertFalse(line.level);
        out(THR, 'a');
        assertTrue(line.level);
        assertEquals(List.of(true, false, true), line.transitions);
    }

    @Test
    void disablingThreInterruptLowersTheLine() {
        out(IER, 0x02);
        assertTrue(line.level);
        out(IER, 0);
        assertFalse(line.level);
    }

    @Test
    void receivedByteSetsDataReadyAndRaisesRxInterrupt() {
        out(IER, 0x01);
        assertFalse(line.level);
        assertTrue(uart.receive((byte) 'k'));
        assertTrue(line.level);
        assertEquals(0x04, in(IIR));
        assertEquals(0x61, in(LSR));
        assertEquals('k', in(RBR));
        assertEquals(0x60, in(LSR));
        assertEquals(0x01, in(IIR));
        assertFalse(line.level);
    }

    @Test
    void rxDataBelowTriggerLevelReportsCharacterTimeoutWithFifos() {
        out(FCR, 0x01 | 0x80); // trigger at 8 bytes
        out(IER, 0x01);
        uart.receive((byte) 1);
        assertEquals(0xcc, in(IIR));
        assertEquals(7, uart.receive(new byte[] {2, 3, 4, 5, 6, 7, 8}));
        assertEquals(0xc4, in(IIR));
    }

    @Test
    void rxDataOutranksThreInPriority() {
        out(IER, 0x03);
        uart.receive((byte) 'z');
        assertEquals(0x04, in(IIR) & 0x0f);
        in(RBR);
        assertEquals(0x02, in(IIR) & 0x0f);
    }

    @Test
    void withoutFifosHoldsOneByteAndRefusesMore() {
        assertTrue(uart.receive((byte) 1));
        assertFalse(uart.canReceive());
        assertFalse(uart.receive((byte) 2));
        assertEquals(1, in(RBR));
        assertTrue(uart.canReceive());
        assertEquals(0, in(LSR) & 0x02, "refused input is not an overrun");
    }

    @Test
    void withFifosHoldsSixteenBytesInOrder() {
        out(FCR, 0x01);
        byte[] data = new byte[20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i + 1);
        }
        assertEquals(16, uart.receive(data));
        assertEquals(0, uart.receiveSpace());
        byte[] got = new byte[16];
        for (int i = 0; i < 16; i++) {
            got[i] = (byte) in(RBR);
        }
        assertArrayEquals(java.util.Arrays.copyOf(data, 16), got);
        assertEquals(0, in(LSR) & 0x01);
    }

    @Test
    void fifoClearDiscardsReceivedBytes() {
        out(FCR, 0x01);
        uart.receive(new byte[] {1, 2, 3});
        out(FCR, 0x01 | 0x02);
        assertEquals(0, in(LSR) & 0x01);
        assertEquals(16, uart.receiveSpace());
    }

    @Test
    void receivesASliceOfTheCallersArray() {
        out(FCR, 0x01);
        byte[] data = {9, 8, 7, 6, 5};
        assertEquals(3, uart.receive(data, 1, 3));
        assertEquals(8, in(RBR));
        assertEquals(7, in(RBR));
        assertEquals(6, in(RBR));
        assertEquals(0, in(LSR) & 0x01);
    }

    @Test
    void rejectsASliceOutsideTheArray() {
        assertThrows(IndexOutOfBoundsException.class, () -> uart.receive(new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> uart.receive(new byte[4], -1, 1));
    }

    @Test
    void tellsARefusedFeederOnceWhenTheGuestHasEmptiedTheFifo() {
        int[] drains = new int[1];
        uart.setDrainListener(() -> drains[0]++);
        out(FCR, 0x01);
        byte[] data = new byte[20];
        assertEquals(16, uart.receive(data, 0, 20));
        for (int i = 0; i < 15; i++) {
            in(RBR);
            assertEquals(0, drains[0], "not while bytes remain (after " + (i + 1) + " reads)");
        }
        in(RBR);
        assertEquals(1, drains[0]);
        in(RBR); // reading an empty receiver
        assertEquals(1, drains[0], "one notification per refusal");
    }

    @Test
    void saysNothingWhenNoFeederWasRefused() {
        int[] drains = new int[1];
        uart.setDrainListener(() -> drains[0]++);
        out(FCR, 0x01);
        assertEquals(16, uart.receive(new byte[16], 0, 16));
        for (int i = 0; i < 16; i++) {
            in(RBR);
        }
        assertEquals(0, drains[0]);
    }

    @Test
    void aRefusedSingleByteIsAlsoToldOfTheDrain() {
        int[] drains = new int[1];
        uart.setDrainListener(() -> drains[0]++);
        assertTrue(uart.receive((byte) 1));
        assertFalse(uart.receive((byte) 2));
        in(RBR);
        assertEquals(1, drains[0]);
    }

    @Test
    void clearingTheFifoCountsAsADrain() {
        int[] drains = new int[1];
        uart.setDrainListener(() -> drains[0]++);
        assertEquals(1, uart.receive(new byte[2], 0, 2)); // FIFOs off: one byte fits
        out(FCR, 0x01); // enabling FIFOs clears them (PC16550D, FCR bit 0)
        assertEquals(1, drains[0]);
        assertEquals(16, uart.receiveSpace());
    }

    @Test
    void loopbackSendsThrToRbrAndNotToOutput() {
        out(MCR, 0x10);
        out(THR, 0x5a);
        assertEquals(0x01, in(LSR) & 0x01);
        assertEquals(0x5a, in(RBR));
        assertEquals(0, out.size());
    }

    @Test
    void loopbackIntoFullReceiverOverrunsAndRaisesLineStatusInterrupt() {
        out(IER, 0x05);
        out(MCR, 0x10);
        out(THR, 1);
        assertEquals(0x04, in(IIR) & 0x0f);
        out(THR, 2);
        assertEquals(0x06, in(IIR) & 0x0f, "line status outranks data available");
        assertEquals(0x03, in(LSR) & 0x03);
        assertEquals(0x01, in(LSR) & 0x03, "reading LSR clears OE");
        assertEquals(0x04, in(IIR) & 0x0f);
        assertEquals(1, in(RBR), "the byte already held survives the overrun");
    }

    @Test
    void interruptLineFollowsPendingStateOnlyOnChanges() {
        out(IER, 0x01);
        uart.receive((byte) 1);
        in(IIR);
        in(IIR);
        in(RBR);
        assertEquals(List.of(true, false), line.transitions);
    }

    @Test
    void wideAccessSplitsIntoByteRegisters() {
        uart.write(SCR - 1, 2, 0x4200); // MSR (read-only) then SCR
        assertEquals(0x42, in(SCR));
        out(LCR, 0x80);
        uart.write(DLL, 2, 0x0201);
        assertEquals(0x0201, uart.read(DLL, 2));
    }

    @Test
    void failingOutputDropsBytesWithoutDisturbingTheGuest() {
        Uart16550 u = new Uart16550(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("closed");
            }
        }, InterruptLine.NONE);
        u.write(THR, 1, 'a');
        assertEquals(1, u.droppedOutputBytes());
        assertEquals(0x60, u.read(LSR, 1));
    }

    private static final class RecordingLine implements InterruptLine {
        final List<Boolean> transitions = new ArrayList<>();
        boolean level;

        @Override
        public void set(boolean asserted) {
            level = asserted;
            transitions.add(asserted);
        }
    }

    private static final class FlushCountingStream extends ByteArrayOutputStream {
        int flushes;

        @Override
        public void flush() {
            flushes++;
        }
    }
}
