package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The terminal comes back cooked however the process ends: a separate JVM ({@link ConsoleChild}) attaches the
 * console to a pty as its standard input, the test sees raw mode, ends the process one way or another, and compares
 * the pty's settings with those it had before.
 */
class ConsoleExitPathsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} -> exit status {1}")
    @CsvSource({
        "quit,   0",   // Ctrl-A x, then the try-with-resources closes the console
        "throw,  1",   // an exception unwinds through close()
        "exit,   7",   // System.exit without close(): the shutdown hook restores
        "signal, 143", // SIGTERM: the shutdown hook restores
    })
    void terminalSettingsComeBack(String mode, int expectedStatus) throws Exception {
        try (Pty pty = new Pty()) {
            Pty.Settings before = pty.settings();
            Path err = dir.resolve("stderr.txt");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    ConsoleChild.class.getName(), mode)
                    .redirectInput(new File(pty.slavePath))
                    .redirectError(err.toFile())
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8));
                String first = CompletableFuture.supplyAsync(() -> readLine(out)).get(60, TimeUnit.SECONDS);
                assertEquals("ready", first, () -> "child stderr: " + read(err));
                assertTrue(pty.settings().isRaw(), "raw while the console is attached");

                switch (mode) {
                    case "quit" -> pty.type(new byte[] {EscapeFilter.ESCAPE, 'x'});
                    case "signal" -> child.destroy();
                    default -> pty.type("t");
                }
                assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child still running");
                assertEquals(expectedStatus, child.exitValue(), () -> "child stderr: " + read(err));
                if (mode.equals("quit")) {
                    assertEquals("closed", readLine(out));
                }
            } finally {
                child.destroyForcibly();
            }
            assertEquals(before, pty.settings(), "the pty's settings after the child ended");
        }
    }

    /**
     * {@code jvmm boot ... &} on its controlling terminal: the console stays off (one line says so) instead of
     * entering raw mode, which would stop the whole process with SIGTTOU. The pty becomes the controlling terminal
     * of a new session (setsid -c) whose job-controlling shell (bash -m) starts the child in the background.
     */
    @Test
    void aJobInTheBackgroundOfItsTerminalLeavesTheTerminalAlone() throws Exception {
        try (Pty pty = new Pty()) {
            Pty.Settings before = pty.settings();
            Path out = dir.resolve("stdout.txt");
            Path err = dir.resolve("stderr.txt");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String job = String.join(" ", java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    "\"$CP\"", ConsoleChild.class.getName(), "background", ">" + out, "2>" + err);
            ProcessBuilder pb = new ProcessBuilder("setsid", "-c", "bash", "-mc", job + " & wait $!")
                    // bash takes its job-control terminal from its standard streams: all three are the pty.
                    .redirectInput(new File(pty.slavePath))
                    .redirectOutput(new File(pty.slavePath))
                    .redirectError(new File(pty.slavePath));
            pb.environment().put("CP", System.getProperty("java.class.path"));
            Process shell = pb.start();
            try {
                assertTrue(shell.waitFor(60, TimeUnit.SECONDS), "the background job was stopped: " + read(err));
                assertEquals("not attached", Files.readString(out).strip(), () -> "stderr: " + read(err));
                assertTrue(read(err).contains("running in the background of its terminal"), read(err));
            } finally {
                shell.destroyForcibly();
            }
            assertEquals(before, pty.settings(), "the pty's settings");
        }
    }

    private static String readLine(BufferedReader r) {
        try {
            return r.readLine();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
