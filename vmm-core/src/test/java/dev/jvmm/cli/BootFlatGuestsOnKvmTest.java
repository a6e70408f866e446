package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.fixtures.GuestFixtures;
import dev.jvmm.testing.KvmTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jvmm boot} on /dev/kvm with the test guests of guest-fixtures: each prints its line on the UART and stops
 * the way it should. Skipped, with the reason {@code jvmm check} gives, on hosts where KVM cannot be used.
 */
@KvmTest
class BootFlatGuestsOnKvmTest {
    @TempDir
    Path dir;

    private String boot(int expectedStatus, String... args) throws Exception {
        Path serial = dir.resolve("serial.txt");
        // Surefire talks to this JVM over its standard input: the guest must not read it.
        String[] all = new String[args.length + 5];
        all[0] = "boot";
        all[1] = "--serial-output";
        all[2] = serial.toString();
        all[3] = "--serial-input";
        all[4] = "none";
        System.arraycopy(args, 0, all, 5, args.length);
        assertEquals(expectedStatus, Main.run(all), String.join(" ", all));
        return Files.readString(serial);
    }

    @Test
    void longModeGuestPrintsItsLineAndHalts() throws Exception {
        String out = boot(0, "--kernel", GuestFixtures.longModeHello().toString(), "--format", "flat",
                "--entry", "long");
        assertTrue(out.contains(GuestFixtures.LONG_MODE_LINE), out);
    }

    @Test
    void realModeGuestPrintsItsLineAndHalts() throws Exception {
        String out = boot(0, "--kernel", GuestFixtures.realModeHello().toString(), "--format", "flat",
                "--entry", "real", "--load-address", "0x" + Long.toHexString(GuestFixtures.REAL_MODE_LOAD_ADDRESS));
        assertTrue(out.contains(GuestFixtures.REAL_MODE_LINE), out);
    }

    @Test
    void tinyGuestResetsThroughTheI8042() throws Exception {
        String out = boot(0, "--kernel", GuestFixtures.resetHello().toString(), "--format", "flat", "--irqchip");
        assertTrue(out.contains(GuestFixtures.RESET_LINE), out);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void everyVcpuComesOnlineThroughTheMpTableAndInitSipi(int cpus) throws Exception {
        String out = boot(0, "--kernel", GuestFixtures.smpHello().toString(), "--format", "flat", "--irqchip",
                "--cpus", Integer.toString(cpus));
        for (int id = 0; id < cpus; id++) {
            assertTrue(out.contains(GuestFixtures.smpCpuOnlineLine(id)), out);
        }
        assertTrue(out.contains(GuestFixtures.smpSummaryLine(cpus)), out);
    }
}
