package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.core.x86.TestMemory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {
    @Test
    void appendsParametersSpaceSeparated() {
        CommandLine c = new CommandLine("console=ttyS0").append("  ").append("virtio_mmio.device=4K@0xd0000000:5");
        assertEquals("console=ttyS0 virtio_mmio.device=4K@0xd0000000:5", c.text());
    }

    @Test
    void writesNulTerminatedAtItsAddress() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            t.memory.fill(Layout.CMDLINE_ADDRESS, 16, (byte) 'x');
            long address = new CommandLine("quiet").write(t.memory, 2047);
            assertEquals(0x20000, address);
            assertEquals("quiet\0", new String(t.memory.read(address, 6), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void acceptsExactlyCmdlineSizeBytes() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            new CommandLine("a".repeat(2047)).write(t.memory, 2047);
            assertEquals(0, t.memory.readU8(Layout.CMDLINE_ADDRESS + 2047));
        }
    }

    @Test
    void refusesCommandLineLongerThanCmdlineSize() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            CommandLineTooLongException e = assertThrows(CommandLineTooLongException.class,
                    () -> new CommandLine("a".repeat(2048)).write(t.memory, 2047));
            assertTrue(e.getMessage().contains("2048 bytes"), e.getMessage());
            assertEquals(2048, e.length());
            assertEquals(2047, e.limit());
        }
    }

    @Test
    void refusesEmbeddedNul() {
        assertThrows(BootException.class, () -> new CommandLine("a\0b"));
    }
}
