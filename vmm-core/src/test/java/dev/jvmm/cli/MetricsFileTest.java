package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.kvm.VcpuExit;
import dev.jvmm.core.vm.StopReason;
import dev.jvmm.core.vm.VcpuMetrics;
import dev.jvmm.core.vm.VmExit;
import dev.jvmm.core.vm.VmMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --metrics-file}: refused before the VM is built when it cannot be written; JSON with every figure after. */
class MetricsFileTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryOrAMissingDirectoryIsRefusedNamingTheOption() {
        UsageException e = assertThrows(UsageException.class, () -> MetricsFile.at(dir));
        assertTrue(e.getMessage().startsWith("--metrics-file " + dir), e.getMessage());
        e = assertThrows(UsageException.class, () -> MetricsFile.at(dir.resolve("missing/m.json")));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void writesOneJsonObjectWithTheRunsFigures() throws Exception {
        Path file = dir.resolve("m.json");
        Files.writeString(file, "an older run's metrics, to be replaced");
        VcpuMetrics v0 = new VcpuMetrics(0, Map.of(VcpuExit.IO_OUT, 2000L, VcpuExit.HLT, 1L), 2001, 5_000_000_000L,
                1_700_000_000_250L, 4_002_000, 96);
        VcpuMetrics v1 = new VcpuMetrics(1, Map.of(), 0, -1, -1, -1, -1);
        MetricsFile.at(file).write(new VmExit(StopReason.HALTED, ""), new VmMetrics(List.of(v0, v1), 2000, 0),
                128L << 20, Instant.ofEpochMilli(1_700_000_000_000L));

        Map<String, String> m = FlatJson.read(file);
        assertEquals("halted", m.get("stop_reason"));
        assertEquals(Long.toString(128L << 20), m.get("guest_memory_bytes"));
        assertEquals("5000000000", m.get("first_kvm_run_monotonic_ns"), "the earliest vCPU that ran");
        assertEquals("250", m.get("process_start_to_first_kvm_run_ms"));
        assertEquals("2001", m.get("exit_count"));
        assertEquals("2000", m.get("unhandled_pio"));
        assertEquals("2000", m.get("vcpus.0.exits.io_out"));
        assertEquals("1", m.get("vcpus.0.exits.hlt"));
        assertEquals("4002000", m.get("vcpus.0.run_ns"));
        assertEquals(2000.0, Double.parseDouble(m.get("vcpus.0.ns_per_exit")));
        assertEquals("96", m.get("vcpus.0.allocated_bytes"));
        assertEquals("-1", m.get("vcpus.1.run_ns"), "a vCPU that never ran");
        assertEquals("0", m.get("vcpus.1.exit_count"));
    }
}
