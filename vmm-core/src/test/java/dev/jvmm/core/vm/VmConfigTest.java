package dev.jvmm.core.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmConfigTest {
    private static final long HOST = 8L << 30;

    @TempDir
    Path dir;

    private Path file(String name) throws IOException {
        return Files.write(dir.resolve(name), new byte[] {(byte) 0xf4});
    }

    @Test
    void flatGuestsRunWithoutIrqchipByDefaultSoThatKvmReportsHlt() throws IOException {
        VmConfig c = VmConfig.builder(file("g.bin")).format(KernelFormat.FLAT).build().validate(HOST);
        assertFalse(c.irqchip());
        assertEquals(0x100000, c.loadAddress());
        assertEquals(128L << 20, c.memorySize());
    }

    @Test
    void linuxGuestsGetTheIrqchip() throws IOException {
        assertTrue(VmConfig.builder(file("k")).build().irqchip());
    }

    @Test
    void realModeDefaultsToALoadAddressCsZeroCanReach() throws IOException {
        VmConfig c = VmConfig.builder(file("g.bin")).format(KernelFormat.FLAT).entry(EntryMode.REAL).build();
        assertEquals(0x1000, c.loadAddress());
    }

    @Test
    void missingKernelIsBadInputNamingTheFile() {
        Path missing = dir.resolve("nope");
        VmmException e = assertThrows(VmmException.class,
                () -> VmConfig.builder(missing).build().validate(HOST));
        assertTrue(e.isBadInput());
        assertEquals("--kernel " + missing + ": no such file", e.getMessage());
    }

    @Test
    void directoryAsInitrdIsRefused() throws IOException {
        VmmException e = assertThrows(VmmException.class,
                () -> VmConfig.builder(file("k")).initrd(dir).build().validate(HOST));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void memoryTooSmallOrLargerThanTheHostIsRefused() throws IOException {
        Path k = file("k");
        assertThrows(VmmException.class, () -> VmConfig.builder(k).memorySize(1L << 20).build().validate(HOST));
        VmmException e = assertThrows(VmmException.class,
                () -> VmConfig.builder(k).memorySize(16L << 30).build().validate(HOST));
        assertTrue(e.getMessage().contains("more than this host has"), e.getMessage());
        assertThrows(VmmException.class, () -> VmConfig.builder(k).memorySize((64L << 20) + 1).build().validate(HOST));
    }

    @Test
    void cpusOutOfRangeOrSmpWithoutIrqchipIsRefused() throws IOException {
        Path k = file("k");
        assertThrows(VmmException.class, () -> VmConfig.builder(k).cpus(0).build().validate(HOST));
        assertThrows(VmmException.class, () -> VmConfig.builder(k).cpus(255).build().validate(HOST));
        VmmException e = assertThrows(VmmException.class, () -> VmConfig.builder(k).format(KernelFormat.FLAT)
                .cpus(2).build().validate(HOST));
        assertTrue(e.getMessage().contains("--irqchip"), e.getMessage());
        VmConfig.builder(k).format(KernelFormat.FLAT).cpus(2).irqchip(true).build().validate(HOST);
    }

    @Test
    void flatImagesTakeNoLinuxOptionsAndLoadInsideMemory() throws IOException {
        Path k = file("k");
        assertThrows(VmmException.class, () -> VmConfig.builder(k).format(KernelFormat.FLAT).cmdline("x").build()
                .validate(HOST));
        assertThrows(VmmException.class, () -> VmConfig.builder(k).format(KernelFormat.FLAT)
                .loadAddress(1L << 30).build().validate(HOST));
        assertThrows(VmmException.class, () -> VmConfig.builder(k).format(KernelFormat.FLAT).entry(EntryMode.REAL)
                .loadAddress(0x20000).build().validate(HOST));
    }
}
