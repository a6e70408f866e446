package dev.jvmm.core.boot;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Parses a real distribution kernel when the machine has one (guest-fixtures' cache or /boot). */
class RealKernelTest {
    @Test
    void parsesARealBzImageHeader() throws IOException {
        Optional<Path> kernel = findKernel();
        assumeTrue(kernel.isPresent(), "no vmlinuz in ~/.cache/jvmm/guests or /boot");
        SetupHeader h = SetupHeader.parse(kernel.get().toString(), Files.readAllBytes(kernel.get()));
        h.requireKernel64();
        assertTrue(h.version() >= 0x020C, "x86-64 kernels speak boot protocol 2.12+");
        assertTrue(h.cmdline_size() >= 255);
        assertTrue(h.init_size() > 0);
        assertTrue(h.relocatable_kernel() || h.pref_address() >= 0x100000);
    }

    private static Optional<Path> findKernel() throws IOException {
        for (Path dir : new Path[] {Path.of(System.getProperty("user.home"), ".cache/jvmm/guests"), Path.of("/boot")}) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    Optional<Path> found = files.filter(p -> p.getFileName().toString().startsWith("vmlinuz"))
                            .filter(Files::isReadable).sorted().findFirst();
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
        }
        return Optional.empty();
    }
}
