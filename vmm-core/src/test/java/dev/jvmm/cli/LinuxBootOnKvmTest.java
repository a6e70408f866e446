package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.fixtures.GuestFixtures;
import dev.jvmm.testing.Artifacts;
import dev.jvmm.testing.KvmTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock distribution kernel (Debian's cloud kernel) booted by {@code jvmm boot} with the busybox initramfs, all
 * the way to user space: the early-boot evidence (banner, the exact command line, e820 for --memory, the initrd
 * where jvmm put it), every vCPU up, the initramfs's marker, and an ACPI power-off that ends jvmm with status 0.
 * Needs hardware virtualization; bin/kvm-tests runs it inside a nested-KVM guest on hosts without.
 */
@KvmTest(hardwareVirtualization = true)
class LinuxBootOnKvmTest {
    private static final String CMDLINE = "console=ttyS0 reboot=k panic=1 jvmm.test=1";

    @TempDir
    Path dir;

    private String boot(Path kernel, String format, int cpus, String memory) throws Exception {
        Path initrd = Artifacts.require(GuestFixtures.busyboxInitramfs(), GuestFixtures.busyboxInitramfsMissingReason());
        Path serial = dir.resolve("serial.txt");
        String[] args = {"boot", "--kernel", kernel.toString(), "--format", format, "--initrd", initrd.toString(),
            "--cmdline", CMDLINE, "--cpus", Integer.toString(cpus),
            "--memory", memory, "--serial-output", serial.toString()};
        int status = Main.run(args);
        String out = Files.readString(serial);
        assertEquals(0, status, "jvmm " + String.join(" ", args) + " ended with " + status + "; console:\n" + out);
        return out;
    }

    @Test
    void bzImageBootsToUserSpaceOnTwoCpusAndPowersOff() throws Exception {
        Path kernel = Artifacts.require(GuestFixtures.stockBzImage(), GuestFixtures.stockKernelMissingReason());
        String out = boot(kernel, "bzimage", 2, "256M");
        assertTrue(out.contains("Linux version "), out);
        assertTrue(out.contains("Command line: " + CMDLINE), out);
        assertTrue(out.contains("BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable"), "256 MiB: " + out);
        assertRamdiskLine(out);
        assertTrue(out.contains("smp: Brought up 1 node, 2 CPUs"), out);
        assertTrue(out.contains(GuestFixtures.INIT_MARKER), out);
        assertTrue(out.contains(GuestFixtures.initCpusLine(2)), out);
        assertTrue(out.contains("reboot: Power down"), out);
    }

    @Test
    void vmlinuxBootsThroughThePvhEntryAndPowersOff() throws Exception {
        Path kernel = Artifacts.require(GuestFixtures.stockVmlinux(), GuestFixtures.stockKernelMissingReason());
        String out = boot(kernel, "elf", 1, "128M");
        assertTrue(out.contains("Command line: " + CMDLINE), out);
        assertTrue(out.contains("BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable"), "128 MiB: " + out);
        assertTrue(out.contains(GuestFixtures.INIT_MARKER), out);
        assertTrue(out.contains(GuestFixtures.initCpusLine(1)), out);
    }

    @Test
    void aTruncatedBzImageIsOneLineAndStatus2() throws Exception {
        Path kernel = Artifacts.require(GuestFixtures.stockBzImage(), GuestFixtures.stockKernelMissingReason());
        byte[] whole = Files.readAllBytes(kernel);
        Path truncated = Files.write(dir.resolve("truncated-bzImage"), java.util.Arrays.copyOf(whole, whole.length / 2));
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        int status;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            status = Main.run("boot", "--kernel", truncated.toString(), "--serial-input", "none");
        } finally {
            System.setErr(saved);
        }
        String message = err.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(2, status, message);
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.startsWith("jvmm: ") && message.contains(truncated.toString()), message);
    }

    /** "RAMDISK: [mem 0xSTART-0xEND]": the initrd's page-rounded size, below the top of RAM. */
    private static void assertRamdiskLine(String out) throws Exception {
        Matcher m = Pattern.compile("RAMDISK: \\[mem 0x([0-9a-f]+)-0x([0-9a-f]+)]").matcher(out);
        assertTrue(m.find(), out);
        long start = Long.parseLong(m.group(1), 16);
        long end = Long.parseLong(m.group(2), 16) + 1;
        long size = Files.size(GuestFixtures.busyboxInitramfs().orElseThrow());
        assertEquals((size + 4095) & ~4095L, end - start, out);
        assertTrue(start >= 0x100000 && end <= 256L << 20, out);
    }
}
