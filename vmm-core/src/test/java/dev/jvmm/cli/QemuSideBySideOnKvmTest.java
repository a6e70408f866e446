package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.fixtures.GuestFixtures;
import dev.jvmm.testing.Artifacts;
import dev.jvmm.testing.KvmTest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same stock kernel, initramfs, memory, vCPU count and command line booted by jvmm and by QEMU's
 * {@code microvm} machine on the same /dev/kvm: the kernel must print the same lines under both — its banner, the
 * command line, the e820 RAM above 1 MiB, every CPU brought up — and reach the initramfs's marker and CPU count.
 */
@KvmTest(hardwareVirtualization = true)
class QemuSideBySideOnKvmTest {
    private static final String CMDLINE = "console=ttyS0 reboot=k panic=1";

    @TempDir
    Path dir;

    @Test
    void theKernelPrintsTheSameBootLinesUnderJvmmAndQemuMicrovm() throws Exception {
        Path kernel = Artifacts.require(GuestFixtures.stockBzImage(), GuestFixtures.stockKernelMissingReason());
        Path initrd = Artifacts.require(GuestFixtures.busyboxInitramfs(), GuestFixtures.busyboxInitramfsMissingReason());
        Path qemu = Artifacts.require(onPath("qemu-system-x86_64"), "qemu-system-x86_64 missing (apt-get install"
                + " qemu-system-x86)");

        Path serial = dir.resolve("jvmm.txt");
        int status = Main.run("boot", "--kernel", kernel.toString(), "--initrd", initrd.toString(), "--cmdline", CMDLINE,
                "--cpus", "2", "--memory", "256M", "--serial-output", serial.toString(), "--serial-input", "none");
        String jvmm = Files.readString(serial);
        assertEquals(0, status, jvmm);

        Process p = new ProcessBuilder(qemu.toString(), "-M", "microvm", "-enable-kvm", "-cpu", "host", "-m", "256M",
                "-smp", "2", "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", CMDLINE,
                "-nographic", "-nodefaults", "-serial", "stdio", "-no-reboot")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("qemu.txt").toFile()).start();
        boolean exited;
        try {
            exited = p.waitFor(10, TimeUnit.MINUTES);
        } finally {
            p.destroyForcibly();
        }
        String reference = Files.readString(dir.resolve("qemu.txt"));
        assertTrue(exited, "QEMU microvm still running after 10 minutes:\n" + reference);

        for (String line : List.of("Linux version ", "Command line: " + CMDLINE,
                "BIOS-e820: [mem 0x0000000000100000-", "smp: Brought up 1 node, 2 CPUs", GuestFixtures.INIT_MARKER,
                GuestFixtures.initCpusLine(2))) {
            String ours = lineWith(jvmm, line);
            String theirs = lineWith(reference, line);
            assertTrue(ours != null, "jvmm's console lacks '" + line + "':\n" + jvmm);
            assertTrue(theirs != null, "QEMU microvm's console lacks '" + line + "':\n" + reference);
            assertEquals(theirs, ours, "the kernel printed a different line under jvmm than under QEMU microvm");
        }
    }

    /** The first line containing {@code text}, from {@code text} on (kernel timestamps differ between runs). */
    private static String lineWith(String console, String text) {
        return console.lines().filter(l -> l.contains(text)).findFirst()
                .map(l -> l.substring(l.indexOf(text)).strip()).orElse(null);
    }

    private static Optional<Path> onPath(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
                .map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }
}
