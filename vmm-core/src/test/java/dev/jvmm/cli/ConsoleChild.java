package dev.jvmm.cli;

import dev.jvmm.devices.irq.InterruptLine;
import dev.jvmm.devices.serial.Uart16550;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;

/**
 * A process for {@link ConsoleExitPathsTest}: attaches the console to its standard input (a pty the test holds)
 * exactly as {@code jvmm boot} does, says "ready", then leaves the way its argument names.
 */
public final class ConsoleChild {
    private ConsoleChild() {}

    public static void main(String[] args) throws Exception {
        Uart16550 uart = new Uart16550(OutputStream.nullOutputStream(), InterruptLine.NONE);
        CountDownLatch quit = new CountDownLatch(1);
        try (Console console = Console.attachStdin(uart, quit::countDown)) {
            if (args[0].equals("background")) {
                System.out.println(console == null ? "not attached" : "attached");
                return;
            }
            System.out.println("ready");
            System.out.flush();
            switch (args[0]) {
                case "quit" -> quit.await();
                case "throw" -> {
                    awaitInput(uart);
                    throw new IllegalStateException("a VMM failure while the console is attached");
                }
                case "exit" -> {
                    awaitInput(uart);
                    System.exit(7);
                }
                case "signal" -> Thread.sleep(Long.MAX_VALUE);
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
        System.out.println("closed");
    }

    /** Plays the guest: waits until a byte typed at the terminal reaches the UART (LSR.DR). */
    private static void awaitInput(Uart16550 uart) throws InterruptedException {
        while ((uart.read(5, 1) & 0x01) == 0) {
            Thread.sleep(1);
        }
    }
}
