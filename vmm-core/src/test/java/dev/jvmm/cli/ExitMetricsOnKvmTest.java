package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.fixtures.ExitStorm;
import dev.jvmm.testing.KvmTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --metrics-file} on /dev/kvm with the exit-storm guest: every exit is counted by reason, and the vCPU loop
 * allocates nothing per exit (issue #5's "allocation per exit" figure, measured with the thread's allocation counter).
 */
@KvmTest
class ExitMetricsOnKvmTest {
    private static final int EXITS = 20_000;

    @TempDir
    Path dir;

    private Map<String, String> boot(ExitStorm.Kind kind, int exits) throws Exception {
        Path guest = ExitStorm.write(dir.resolve(kind + "-" + exits + ".bin"), kind, exits);
        Path metrics = dir.resolve(kind + "-" + exits + ".json");
        int status = Main.run("boot", "--kernel", guest.toString(), "--format", "flat", "--entry", "real",
                "--serial-input", "none", "--serial-output", dir.resolve("serial.txt").toString(),
                "--metrics-file", metrics.toString());
        assertEquals(0, status, "the guest halts");
        Map<String, String> m = FlatJson.read(metrics);
        assertEquals("halted", m.get("stop_reason"));
        return m;
    }

    @Test
    void everyPortWriteIsOneCountedIoExit() throws Exception {
        Map<String, String> m = boot(ExitStorm.Kind.PIO, EXITS);
        assertEquals(Integer.toString(EXITS), m.get("vcpus.0.exits.io_out"), m.toString());
        assertEquals("1", m.get("vcpus.0.exits.hlt"), m.toString());
        assertEquals(Integer.toString(EXITS + 1), m.get("exit_count"), m.toString());
        assertEquals(Integer.toString(EXITS), m.get("unhandled_pio"), "nothing sits at port 0x80");
        assertTrue(Long.parseLong(m.get("process_start_to_first_kvm_run_ms")) > 0, m.toString());
    }

    @Test
    void everyWriteOutsideRamIsOneCountedMmioExit() throws Exception {
        Map<String, String> m = boot(ExitStorm.Kind.MMIO, EXITS);
        assertEquals(Integer.toString(EXITS), m.get("vcpus.0.exits.mmio_write"), m.toString());
        assertEquals(Integer.toString(EXITS), m.get("unhandled_mmio"), m.toString());
    }

    @Test
    void theVcpuLoopAllocatesNothingPerExit() throws Exception {
        for (ExitStorm.Kind kind : ExitStorm.Kind.values()) {
            long none = Long.parseLong(boot(kind, 0).get("vcpus.0.allocated_bytes"));
            long many = Long.parseLong(boot(kind, EXITS).get("vcpus.0.allocated_bytes"));
            System.out.printf("allocation %s: %d bytes with 0 exits, %d with %d%n", kind, none, many, EXITS);
            assertTrue(none >= 0 && many >= 0, "measured");
            // Interpreted, C1- and C2-compiled code all run during the storm; none of them may allocate per exit.
            assertTrue(many - none < EXITS / 100, kind + ": " + none + " bytes with no exits, " + many + " with "
                    + EXITS);
        }
    }
}
