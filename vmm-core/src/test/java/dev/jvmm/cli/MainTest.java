package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.virtio.blk.RawFileBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user meets it: exit statuses and the one line bad input gets. */
class MainTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run jvmm(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Main.run(args);
            return new Run(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void helpListsCommandsAndExitStatuses() {
        Run r = jvmm("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("boot"));
        assertTrue(r.out().contains("check"));
        assertTrue(r.out().contains("Exit status"));
    }

    @Test
    void versionNamesJvmmAndTheJdk() {
        Run r = jvmm("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().matches("(?s)jvmm \\d+\\.\\d+\\.\\d+.*"), r.out());
        assertTrue(r.out().contains("Java " + Runtime.version()), r.out());
    }

    @Test
    void unknownOptionIsOneLineAndStatus2() {
        Run r = jvmm("boot", "--kernel", "x", "--frobnicate");
        assertEquals(2, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--frobnicate"), r.err());
    }

    @Test
    void missingKernelFileIsOneLineNamingItAndStatus2() {
        Path missing = dir.resolve("bzImage");
        Run r = jvmm("boot", "--kernel", missing.toString());
        assertEquals(2, r.status());
        assertEquals("jvmm: --kernel " + missing + ": no such file", r.err().strip());
    }

    /** Checked before /dev/kvm is opened, so every host (this one too, without KVM) reports them as bad input. */
    @Test
    void imagesAndCommandLinesThatCannotBeBootedAreOneLineAndStatus2OnAnyHost() throws Exception {
        byte[] junk = new byte[4096];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        Path notKernel = Files.write(dir.resolve("junk.img"), junk);
        Path flat = Files.write(dir.resolve("g.bin"), new byte[] {(byte) 0xf4, (byte) 0xf4});
        record Case(List<String> args, String line) { }
        List<Case> cases = List.of(
                new Case(List.of("--kernel", notKernel.toString()), "jvmm: " + notKernel + ": not a bzImage"),
                new Case(List.of("--kernel", notKernel.toString(), "--format", "elf"), "jvmm: " + notKernel),
                new Case(List.of("--kernel", flat.toString(), "--format", "flat", "--load-address", "0x7ffffff"),
                        "jvmm: --kernel " + flat + " (2 bytes) does not fit"),
                new Case(List.of("--kernel", notKernel.toString(), "--initrd", dir.resolve("none.cpio").toString()),
                        "jvmm: --initrd " + dir.resolve("none.cpio") + ": no such file"));
        for (Case c : cases) {
            List<String> args = new ArrayList<>(List.of("boot", "--serial-input", "none"));
            args.addAll(c.args());
            Run r = jvmm(args.toArray(String[]::new));
            assertEquals(2, r.status(), String.join(" ", args) + " -> " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith(c.line()), r.err());
        }
    }

    @Test
    void badSizesAndAddressesAreStatus2WithoutStackTrace() throws Exception {
        Path k = Files.write(dir.resolve("g.bin"), new byte[] {(byte) 0xf4});
        for (String[] args : new String[][] {
                {"boot", "--kernel", k.toString(), "--memory", "lots"},
                {"boot", "--kernel", k.toString(), "--memory", "1T"},
                {"boot", "--kernel", k.toString(), "--format", "flat", "--load-address", "0xzz"},
                {"boot", "--kernel", k.toString(), "--cpus", "x"},
                {"boot", "--kernel", k.toString(), "--format", "tarball"},
                {"boot", "--kernel", k.toString(), "--serial-input", "keyboard"},
                {"boot", "--kernel", k.toString(), "--metrics-file", dir.toString()},
                {"boot", "--kernel", k.toString(), "--metrics-file", dir.resolve("no/such/dir/m.json").toString()},
                {"--log-level", "loud", "check"},
                {"boot"}}) {
            Run r = jvmm(args);
            assertEquals(2, r.status(), String.join(" ", args) + " -> " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void bootHelpDocumentsTheConsoleKeysAndSerialInput() {
        Run r = jvmm("boot", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("Ctrl-A x       stop the VM and exit jvmm (exit status 0)"), r.out());
        assertTrue(r.out().contains("Ctrl-A Ctrl-A  send Ctrl-A to the guest"), r.out());
        assertTrue(r.out().contains("Ctrl-A h"), r.out());
        assertTrue(r.out().contains("--serial-input=SOURCE"), r.out());
        assertTrue(r.out().contains("(default: stdin)"), r.out());
    }

    @Test
    void bootHelpListsTheInheritedOptionsLastInAFixedOrder() {
        String out = jvmm("boot", "--help").out();
        int version = out.indexOf("-V, --version");
        int logLevel = out.indexOf("--log-level=LEVEL      Log level");
        int verbose = out.indexOf("-v, --verbose");
        assertTrue(0 < version && version < logLevel && logLevel < verbose, out);
    }

    @Test
    void checkExitStatusFollowsWhatItReports() {
        Run r = jvmm("check");
        assertTrue(r.out().contains("/dev/kvm"), r.out());
        assertTrue(r.out().contains("hardware virtualization"), r.out());
        boolean canRun = r.out().contains("jvmm can run VMs on this host");
        assertEquals(canRun ? 0 : 3, r.status(), r.out());
        if (!Files.exists(Path.of("/dev/kvm"))) {
            assertEquals(3, r.status());
            assertTrue(r.out().contains("/dev/kvm is not available on this host"), r.out());
        }
    }

    @Test
    void bootHelpDocumentsTheDeviceOptions() {
        Run r = jvmm("boot", "--help");
        assertEquals(0, r.status());
        for (String option : new String[] {"--disk=PATH[,ro][,id=SERIAL]", "--net=tap=IFNAME[,mac=MAC]", "--entropy",
                "--vsock=cid=N,socket=PATH", "virtio_mmio.device="}) {
            assertTrue(r.out().contains(option), option + " in " + r.out());
        }
    }

    @Test
    void deviceMistakesAreOneLineNamingOptionAndValueAndStatus2() throws Exception {
        Path k = Files.write(dir.resolve("g.bin"), new byte[] {(byte) 0xf4});
        Path odd = Files.write(dir.resolve("odd.img"), new byte[100]);
        Path missing = dir.resolve("missing.img");
        Path ok = Files.write(dir.resolve("ok.img"), new byte[512]);
        record Case(List<String> options, String line) { }
        List<Case> cases = List.of(
                new Case(List.of("--disk", missing.toString()), "jvmm: --disk " + missing + ": no such file"),
                new Case(List.of("--disk", odd.toString()), "jvmm: --disk " + odd + ": the image is 100 bytes, not a"
                        + " whole number of 512-byte sectors"),
                new Case(List.of("--disk", ok + ",rw"), "jvmm: --disk '" + ok + ",rw': unknown parameter 'rw' (expected"
                        + " ro or id=SERIAL)"),
                new Case(List.of("--net", "tap=bad/name"), "jvmm: --net 'tap=bad/name': the interface name"
                        + " \"bad/name\" has a character Linux refuses in interface names"),
                new Case(List.of("--vsock", "cid=1,socket=v.sock"), "jvmm: --vsock 'cid=1,socket=v.sock': the guest CID"
                        + " 1 is reserved or out of range: give 3 to 4294967294"),
                new Case(List.of("--entropy", "--no-irqchip"), "jvmm: --no-irqchip cannot be used with virtio devices"
                        + " (--entropy): they interrupt the guest through the in-kernel irqchip"));
        for (Case c : cases) {
            List<String> args = new ArrayList<>(List.of("boot", "--kernel", k.toString(), "--format", "flat"));
            args.addAll(c.options());
            Run r = jvmm(args.toArray(String[]::new));
            assertEquals(2, r.status(), String.join(" ", args) + " -> " + r.err());
            assertEquals(c.line(), r.err().strip());
        }
    }

    @Test
    void diskImageInUseByAnotherVmIsStatus2() throws Exception {
        Path k = Files.write(dir.resolve("g.bin"), new byte[] {(byte) 0xf4});
        Path image = Files.write(dir.resolve("busy.img"), new byte[4096]);
        try (RawFileBackend other = RawFileBackend.open(image, false)) {
            Run r = jvmm("boot", "--kernel", k.toString(), "--format", "flat", "--disk", image.toString());
            assertEquals(2, r.status(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("jvmm: --disk " + image + ": "), r.err());
            assertTrue(r.err().contains("locked"), r.err());
        }
    }

    @Test
    void vsockGivenTwiceIsStatus2() throws Exception {
        Path k = Files.write(dir.resolve("g.bin"), new byte[] {(byte) 0xf4});
        Run r = jvmm("boot", "--kernel", k.toString(), "--vsock", "cid=3,socket=a", "--vsock", "cid=4,socket=b");
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--vsock"), r.err());
    }
}
