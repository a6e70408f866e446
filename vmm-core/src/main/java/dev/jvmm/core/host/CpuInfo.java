package dev.jvmm.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/** What /proc/cpuinfo says about hardware virtualization: Intel VT-x ({@code vmx}), AMD-V ({@code svm}), or none. */
public final class CpuInfo {
    private CpuInfo() {}

    /** "vmx", "svm", or empty when the CPU exposes neither (KVM may still be served, by emulating ring 0). */
    public static Optional<String> hardwareVirtualization() {
        return hardwareVirtualization(Path.of("/proc/cpuinfo"));
    }

    static Optional<String> hardwareVirtualization(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .flatMap(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))
                            .filter(f -> f.equals("vmx") || f.equals("svm"))
                            .findFirst());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The note jvmm adds to guest-crash diagnoses on hosts where KVM emulates guest ring 0. */
    public static String ringZeroEmulationNote() {
        return "this host has no hardware virtualization (no vmx/svm in /proc/cpuinfo): KVM runs guest ring-0 code"
                + " in its instruction emulator, which lacks some instructions";
    }
}
