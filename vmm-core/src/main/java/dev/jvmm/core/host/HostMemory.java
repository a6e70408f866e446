package dev.jvmm.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's physical memory, from /proc/meminfo: the ceiling for a guest's RAM. */
public final class HostMemory {
    private HostMemory() {}

    /** MemTotal in bytes, or 0 when unknown. */
    public static long totalBytes() {
        try (var lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemTotal:"))
                    .findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                    .orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
