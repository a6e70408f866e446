package dev.jvmm.core.boot;

import dev.jvmm.core.x86.TestMemory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Parses and loads a real distribution kernel when the machine has one: $JVMM_TEST_BZIMAGE, guest-fixtures' cache
 * (~/.cache/jvmm/guests) or /boot.
 */
class RealKernelTest {
    @Test
    void parsesARealBzImageHeader() throws IOException {
        Optional<Path> kernel = findKernel();
        assumeTrue(kernel.isPresent(), "no kernel: set JVMM_TEST_BZIMAGE or put a vmlinuz in ~/.cache/jvmm/guests");
        SetupHeader h = SetupHeader.parse(kernel.get().toString(), Files.readAllBytes(kernel.get()));
        h.requireKernel64();
        assertTrue(h.version() >= 0x020C, "x86-64 kernels speak boot protocol 2.12+");
        assertTrue(h.cmdline_size() >= 255);
        assertTrue(h.init_size() > 0);
        assertTrue(h.relocatable_kernel() || h.pref_address() >= 0x100000);
    }

    @Test
    void bootsARealBzImageIntoSixtyFourBitEntryState() throws IOException {
        Optional<Path> kernel = findKernel();
        assumeTrue(kernel.isPresent(), "no kernel: set JVMM_TEST_BZIMAGE or put a vmlinuz in ~/.cache/jvmm/guests");
        long memorySize = 256L << 20;
        try (TestMemory t = new TestMemory(memorySize)) {
            KernelLoadResult r = KernelLoader.load(t.memory, kernel.get());
            BootEntry entry = LinuxBootConfigurator.configure(t.memory, r, new CommandLine("console=ttyS0"),
                    new byte[1 << 20], memorySize);
            assertEquals(r.loadAddress() + 0x200, entry.rip());
            assertTrue(t.memory.readU32(0x7000 + 0x218) >= r.kernelEnd(), "initrd above the kernel");
        }
    }

    private static Optional<Path> findKernel() throws IOException {
        String configured = System.getenv("JVMM_TEST_BZIMAGE");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
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
