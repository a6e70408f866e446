package dev.jvmm.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.jvmm.core.kvm.VcpuExit;
import dev.jvmm.core.vm.VcpuMetrics;
import dev.jvmm.core.vm.VmExit;
import dev.jvmm.core.vm.VmMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code --metrics-file}: one JSON object written when the VM has stopped — how it ended, when the first KVM_RUN
 * came, and per vCPU the exits by reason, the time in the loop and the heap bytes its thread allocated. The path
 * is checked before the VM is built, so that a run is never lost to an unwritable metrics file.
 */
final class MetricsFile {
    private final Path path;

    private MetricsFile(Path path) {
        this.path = path;
    }

    /** Checks that {@code path} can be written (an existing regular file, or a new one in a writable directory). */
    static MetricsFile at(Path path) {
        Path absolute = path.toAbsolutePath();
        if (Files.exists(absolute)) {
            if (!Files.isRegularFile(absolute) || !Files.isWritable(absolute)) {
                throw new UsageException("--metrics-file " + path + ": not a writable regular file");
            }
        } else {
            Path dir = absolute.getParent();
            if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
                throw new UsageException("--metrics-file " + path + ": its directory does not exist or is not"
                        + " writable");
            }
        }
        return new MetricsFile(path);
    }

    /** Writes the file, replacing what it held. */
    void write(VmExit exit, VmMetrics metrics, long memoryBytes, Instant processStart) {
        try (Writer w = Files.newBufferedWriter(path);
             JsonGenerator g = new JsonFactory().createGenerator(w).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeStringField("stop_reason", exit.reason().name().toLowerCase(Locale.ROOT));
            g.writeStringField("stop_description", exit.describe());
            g.writeNumberField("guest_memory_bytes", memoryBytes);
            long firstRunNanos = metrics.vcpus().stream().mapToLong(VcpuMetrics::firstRunNanos).filter(t -> t >= 0)
                    .min().orElse(-1);
            g.writeNumberField("first_kvm_run_monotonic_ns", firstRunNanos);
            long firstRunMillis = metrics.vcpus().isEmpty() ? -1 : metrics.vcpus().getFirst().firstRunEpochMillis();
            g.writeNumberField("process_start_to_first_kvm_run_ms", processStart == null || firstRunMillis < 0 ? -1
                    : firstRunMillis - processStart.toEpochMilli());
            g.writeNumberField("exit_count", metrics.exitCount());
            g.writeNumberField("unhandled_pio", metrics.unhandledPio());
            g.writeNumberField("unhandled_mmio", metrics.unhandledMmio());
            g.writeArrayFieldStart("vcpus");
            for (VcpuMetrics v : metrics.vcpus()) {
                writeVcpu(g, v);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw(System.lineSeparator());
        } catch (IOException e) {
            throw new UncheckedIOException("--metrics-file " + path + ": " + e.getMessage(), e);
        }
    }

    private static void writeVcpu(JsonGenerator g, VcpuMetrics v) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", v.id());
        g.writeObjectFieldStart("exits");
        for (VcpuExit reason : VcpuExit.values()) {
            Long n = v.exits().get(reason);
            if (n != null) {
                g.writeNumberField(reason.name().toLowerCase(Locale.ROOT), n);
            }
        }
        g.writeEndObject();
        g.writeNumberField("exit_count", v.exitCount());
        g.writeNumberField("run_ns", v.runNanos());
        g.writeNumberField("ns_per_exit", v.exitCount() > 0 && v.runNanos() >= 0
                ? (double) v.runNanos() / v.exitCount() : -1);
        g.writeNumberField("allocated_bytes", v.allocatedBytes());
        g.writeEndObject();
    }

    /** When this process started (the launcher's exec included), if the OS says. */
    static Instant processStart() {
        return ProcessHandle.current().info().startInstant().orElse(null);
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
