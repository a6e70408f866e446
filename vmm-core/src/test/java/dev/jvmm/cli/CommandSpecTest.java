package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.vm.EntryMode;
import dev.jvmm.core.vm.KernelFormat;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The programmatic picocli model stores every option in its command's field, as the annotated one did. */
class CommandSpecTest {

    private static BootCommand boot(String... args) {
        CommandLine cl = new CommandLine(new JvmmCommand().spec());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return (BootCommand) cl.parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void unsetOptionsTakeTheirDefaults() {
        BootCommand b = boot("boot", "--kernel", "k");
        assertEquals(Path.of("k"), b.kernel);
        assertEquals(KernelFormat.AUTO, b.format);
        assertEquals(EntryMode.LONG, b.entry);
        assertEquals("128M", b.memory);
        assertEquals(1, b.cpus);
        assertEquals(Console.Input.STDIN, b.serialInput);
        assertNull(b.irqchip);
        assertNull(b.disks);
        assertFalse(b.entropy);
    }

    @Test
    void repeatedOptionsCollectEveryValueInOrder() {
        BootCommand b = boot("boot", "--kernel", "k", "--disk", "a.img", "--net", "tap=t0", "--disk", "b.img,ro",
                "--net", "tap=t1");
        assertEquals(List.of("a.img", "b.img,ro"), b.disks);
        assertEquals(List.of("tap=t0", "tap=t1"), b.nets);
    }

    @Test
    void everyOptionReachesItsField() {
        BootCommand b = boot("boot", "--kernel", "k", "--format", "FLAT", "--entry", "real", "--load-address", "0x2000",
                "-m", "64M", "-c", "2", "--initrd", "i", "--cmdline", "quiet", "--no-irqchip", "--serial-output", "o",
                "--entropy", "--vsock", "cid=3,socket=s", "--serial-input", "none", "--metrics-file", "m.json");
        assertEquals(KernelFormat.FLAT, b.format);
        assertEquals(EntryMode.REAL, b.entry);
        assertEquals("0x2000", b.loadAddress);
        assertEquals("64M", b.memory);
        assertEquals(2, b.cpus);
        assertEquals(Path.of("i"), b.initrd);
        assertEquals("quiet", b.cmdline);
        assertEquals(Boolean.FALSE, b.irqchip);
        assertEquals(Path.of("o"), b.serialOutput);
        assertTrue(b.entropy);
        assertEquals("cid=3,socket=s", b.vsock);
        assertEquals(Console.Input.NONE, b.serialInput);
        assertEquals(Path.of("m.json"), b.metricsFile);
    }

    @Test
    void verboseIsInheritedBySubcommands() {
        String level = System.getProperty("org.slf4j.simpleLogger.defaultLogLevel");
        try {
            JvmmCommand top = new JvmmCommand();
            CommandLine cl = new CommandLine(top.spec());
            cl.setCaseInsensitiveEnumValuesAllowed(true);
            cl.parseArgs("boot", "--kernel", "k", "-v");
            assertTrue(top.verbose());
        } finally {
            if (level == null) {
                System.clearProperty("org.slf4j.simpleLogger.defaultLogLevel");
            } else {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
            }
        }
    }
}
