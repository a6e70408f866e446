package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jvmm.testing.Artifacts;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The far end of a virtio-net guest's link, for tests: jvmm runs as a child process attached to a TAP interface in
 * a private network namespace ({@code unshare --net}), where {@code tap-responder.py} creates the TAP, records each
 * frame of the guest's ethertype it receives and answers each ping with a pong. Nothing touches the host's own
 * network. Needs root, {@code unshare}, {@code ip}, {@code python3} and /dev/net/tun.
 */
final class TapResponder {
    /** Under nested KVM (TCG) a child JVM takes tens of seconds to start; a stuck guest must still end the test. */
    private static final long TIMEOUT_SECONDS = 300;

    /**
     * What one run left behind.
     *
     * @param status jvmm's exit status (128 + N when killed by signal N)
     * @param serial the guest's serial output
     * @param console jvmm's and the responder's stdout and stderr
     * @param frames each frame the responder received from the TAP, as lower-case hex, in order
     */
    record Run(int status, String serial, String console, List<String> frames) {
        String describe() {
            return "exit status " + status + "\n--- serial\n" + serial + "--- console\n" + console + "--- frames\n"
                    + String.join("\n", frames);
        }
    }

    private TapResponder() {}

    /** Skips the test, or fails it where KVM tests must run, when this host cannot give it a namespace and a TAP. */
    static void requireHost() {
        for (String tool : List.of("unshare", "ip", "python3")) {
            Artifacts.require(onPath(tool), tool + " is not on the PATH (bin/setup-host installs it)");
        }
        Path tun = Path.of("/dev/net/tun");
        Artifacts.require(Files.isReadable(tun) && Files.isWritable(tun),
                tun + " is missing or not read-writable (modprobe tun)");
        Artifacts.require(succeeds("unshare", "--net", "true"),
                "unshare --net failed: creating a network namespace needs root (CAP_SYS_ADMIN)");
    }

    /**
     * Runs {@code jvmm boot --serial-output FILE ARGS...} attached to a new TAP interface {@code tap} in a private
     * network namespace, with the responder listening on it, and waits for jvmm to end.
     *
     * @param dir an empty directory for the serial output, console and report
     */
    static Run boot(Path dir, String tap, String... args) throws IOException, InterruptedException {
        Path serial = dir.resolve("serial.txt");
        Path console = dir.resolve("console.txt");
        Path report = dir.resolve("frames.txt");
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--", "python3", script().toString(), tap,
                report.toString(), "--"));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "boot", "--serial-output", serial.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile())
                .start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            fail("jvmm and the responder did not end within " + TIMEOUT_SECONDS + " s\n" + readIfPresent(console));
        }
        return new Run(process.exitValue(), readIfPresent(serial), readIfPresent(console),
                readIfPresent(report).lines().toList());
    }

    private static Path script() {
        try {
            return Path.of(TapResponder.class.getResource("tap-responder.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readIfPresent(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String directory : path.split(":")) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, tool))) {
                return true;
            }
        }
        return false;
    }

    private static boolean succeeds(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
