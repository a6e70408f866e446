package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.devices.irq.InterruptLine;
import dev.jvmm.devices.serial.Uart16550;
import dev.jvmm.sys.Libc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console thread between host input and a real UART, with this test as the guest reading the UART's registers
 * as Linux's 8250 driver does (LSR.DR, then RBR).
 */
class ConsoleTest {
    private static final int RBR = 0, FCR = 2, LSR = 5;
    private static final byte CTRL_A = 0x01;

    @TempDir
    Path dir;

    private final Uart16550 uart = new Uart16550(new ByteArrayOutputStream(), InterruptLine.NONE);
    private final AtomicInteger quits = new AtomicInteger();
    private final ByteArrayOutputStream messages = new ByteArrayOutputStream();
    private Console console;
    private int fileFd = -1;

    @AfterEach
    void tearDown() {
        if (console != null) {
            console.close();
        }
        if (fileFd >= 0) {
            Libc.close(fileFd);
        }
    }

    private Console start(int fd, boolean terminal) {
        console = Console.start(fd, terminal, uart, quits::incrementAndGet,
                new PrintStream(messages, true, StandardCharsets.UTF_8));
        return console;
    }

    private int openFile(byte[] content) throws IOException {
        Path p = Files.write(dir.resolve("input"), content);
        fileFd = Libc.open(p.toString(), libc_h.O_RDONLY());
        return fileFd;
    }

    /** The guest drains the receiver until {@code count} bytes arrived or 10 s passed. */
    private byte[] guestReads(int count) throws InterruptedException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (got.size() < count && System.nanoTime() < deadline) {
            if ((uart.read(LSR, 1) & 0x01) != 0) {
                got.write((int) uart.read(RBR, 1));
            } else {
                Thread.sleep(1);
            }
        }
        return got.toByteArray();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(2);
        }
    }

    /** How far the console has read {@code fd}, from /proc/self/fdinfo (proc(5)). */
    private static long readPosition(int fd) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                .filter(l -> l.startsWith("pos:"))
                .mapToLong(l -> Long.parseLong(l.substring(4).trim()))
                .findFirst().orElseThrow();
    }

    @Test
    void inputThatIsNoTerminalPassesUnchangedEscapeBytesIncluded() throws Exception {
        byte[] input = {'l', 's', CTRL_A, 'x', '\r', CTRL_A, CTRL_A, 0, (byte) 0xff};
        start(openFile(input), false);
        assertArrayEquals(input, guestReads(input.length));
        assertEquals(0, quits.get(), "Ctrl-A x is text when the input is no terminal");
    }

    @Test
    void endOfInputStopsReadingAndTheGuestRunsOn() throws Exception {
        start(openFile("echo hi\n".getBytes(StandardCharsets.US_ASCII)), false);
        assertEquals("echo hi\n", new String(guestReads(8), StandardCharsets.US_ASCII));
        await(console::inputEnded, "the console saw end of input");
        assertEquals(0, quits.get(), "end of input does not stop the VM");
        assertEquals(0, uart.read(LSR, 1) & 0x01, "nothing more arrives");
    }

    @Test
    void stopsReadingWhileTheFifoIsFullAndResumesWhenTheGuestDrainsIt() throws Exception {
        uart.write(FCR, 1, 0x01); // the 8250 driver enables the 16-byte FIFOs
        byte[] input = new byte[5000];
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) (i * 7 + 3);
        }
        int fd = openFile(input);
        start(fd, false);
        await(() -> uart.receiveSpace() == 0, "the FIFO is full");
        long position = readPosition(fd);
        Thread.sleep(200);
        assertEquals(position, readPosition(fd), "no reading while the guest reads nothing");
        assertTrue(position <= 256, "at most one chunk is held back: read " + position);
        assertArrayEquals(input, guestReads(input.length), "every byte arrives, in order");
        await(console::inputEnded, "the console saw end of input");
    }

    @Test
    void onATerminalCtrlAXQuitsAndWhatFollowsIsNotSent() throws Exception {
        try (Pty pty = new Pty()) {
            start(pty.slave, true);
            pty.type(new byte[] {'a', 'b', CTRL_A, CTRL_A, 'c', CTRL_A, 'x', 'z', 'z'});
            await(() -> quits.get() == 1, "Ctrl-A x asked to quit");
            assertArrayEquals(new byte[] {'a', 'b', CTRL_A, 'c'}, guestReads(4));
            assertTrue(console.inputEnded());
            Thread.sleep(50);
            assertEquals(0, uart.read(LSR, 1) & 0x01, "bytes after Ctrl-A x never reach the guest");
            assertEquals(1, quits.get());
        }
    }

    @Test
    void onATerminalCtrlAHPrintsTheKeysAndSendsNothing() throws Exception {
        try (Pty pty = new Pty()) {
            start(pty.slave, true);
            pty.type(new byte[] {CTRL_A, 'h', 'k'});
            assertArrayEquals(new byte[] {'k'}, guestReads(1));
            assertEquals(EscapeFilter.HELP_TEXT, messages.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aTerminalIsRawWhileAttachedAndRestoredByClose() throws Exception {
        try (Pty pty = new Pty()) {
            Pty.Settings before = pty.settings();
            start(pty.slave, true);
            assertTrue(pty.settings().isRaw());
            pty.type("\r\u0003"); // CR and Ctrl-C arrive as bytes: no ICRNL, no SIGINT
            assertArrayEquals(new byte[] {'\r', 3}, guestReads(2));
            console.close();
            console = null;
            assertEquals(before, pty.settings());
        }
    }

    @Test
    void closeStopsAnIdleConsoleAndDetachesFromTheUart() throws Exception {
        try (Pty pty = new Pty()) {
            start(pty.slave, true);
            console.close();
            console = null;
            pty.type("late");
            Thread.sleep(50);
            assertEquals(0, uart.read(LSR, 1) & 0x01, "a closed console forwards nothing");
            assertEquals(1, uart.receive(new byte[2], 0, 2), "FIFO off: one byte fits, one is refused");
            uart.read(RBR, 1); // the drain now reaches the no-op listener, not a closed eventfd
            assertFalse(uart.receiveSpace() == 0);
        }
    }

    @Test
    void aTerminalThatHangsUpEndsInput() throws Exception {
        Pty pty = new Pty();
        try {
            start(pty.slave, true);
            Libc.close(pty.master); // the slave now reads EIO
            await(console::inputEnded, "the hang-up ended input");
            assertEquals(0, quits.get());
        } finally {
            console.close(); // before the slave fd is closed and its number reused
            console = null;
            Libc.close(pty.slave);
        }
    }
}
