package dev.jvmm.core.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.devices.DiskSpec;
import dev.jvmm.core.devices.EntropySpec;
import dev.jvmm.core.devices.NetSpec;
import dev.jvmm.core.devices.VsockSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    private VmmException refused(VmConfig.Builder b) {
        VmmException e = assertThrows(VmmException.class, () -> b.build().validate(HOST));
        assertTrue(e.isBadInput());
        return e;
    }

    private Path disk(String name, int bytes) throws IOException {
        return Files.write(dir.resolve(name), new byte[bytes]);
    }

    @Test
    void devicesTurnTheIrqchipOnForFlatGuestsAndKeepTheirOrder() throws IOException {
        Path d = disk("d.img", 1024);
        VmConfig c = VmConfig.builder(file("g.bin")).format(KernelFormat.FLAT).device(new DiskSpec(d, false))
                .device(new EntropySpec()).build().validate(HOST);
        assertTrue(c.irqchip());
        assertEquals(List.of(new DiskSpec(d, false), new EntropySpec()), c.devices());
    }

    @Test
    void noIrqchipWithDevicesIsRefused() throws IOException {
        VmmException e = refused(VmConfig.builder(file("g.bin")).format(KernelFormat.FLAT).irqchip(false)
                .device(new EntropySpec()));
        assertEquals("--no-irqchip cannot be used with virtio devices (--entropy): they interrupt the guest through the"
                + " in-kernel irqchip", e.getMessage());
    }

    @Test
    void diskImagesAreCheckedBeforeAnythingOpensThem() throws IOException {
        Path k = file("k");
        Path missing = dir.resolve("missing.img");
        assertEquals("--disk " + missing + ": no such file",
                refused(VmConfig.builder(k).device(new DiskSpec(missing, false))).getMessage());
        Path odd = disk("odd.img", 1000);
        assertEquals("--disk " + odd + ": the image is 1000 bytes, not a whole number of 512-byte sectors",
                refused(VmConfig.builder(k).device(new DiskSpec(odd, true))).getMessage());
        Path empty = disk("empty.img", 0);
        assertEquals("--disk " + empty + ": the image is empty; give at least one 512-byte sector",
                refused(VmConfig.builder(k).device(new DiskSpec(empty, false))).getMessage());
        assertEquals("--disk " + dir + ": not a regular file (give a raw disk image)",
                refused(VmConfig.builder(k).device(new DiskSpec(dir, false))).getMessage());
    }

    @Test
    void oneImageCannotBackTwoDisks() throws IOException {
        Path d = disk("d.img", 512);
        Path alias = dir.resolve("sub/../d.img");
        Files.createDirectories(dir.resolve("sub"));
        VmmException e = refused(VmConfig.builder(file("k")).device(new DiskSpec(d, false))
                .device(new DiskSpec(alias, true)));
        assertEquals("--disk " + alias + " is the same image as --disk " + d + ": an image can back one disk only",
                e.getMessage());
    }

    @Test
    void oneEntropyDeviceOneVsockAndDistinctTapsAtMost() throws IOException {
        Path k = file("k");
        assertTrue(refused(VmConfig.builder(k).device(new EntropySpec()).device(new EntropySpec())).getMessage()
                .startsWith("--entropy is given 2 times"));
        VsockSpec v = new VsockSpec(3, dir.resolve("v.sock"));
        assertTrue(refused(VmConfig.builder(k).device(v).device(new VsockSpec(4, dir.resolve("w.sock"))))
                .getMessage().startsWith("--vsock is given 2 times"));
        assertEquals("--net tap=tap0 is given twice: a TAP can back one device only", refused(VmConfig.builder(k)
                .device(new NetSpec("tap0", "52:54:00:12:34:56")).device(new NetSpec("tap0", "52:54:00:12:34:57")))
                .getMessage());
        VmConfig.builder(k).device(v).device(new NetSpec("tap0", "52:54:00:12:34:56")).build().validate(HOST);
    }

    @Test
    void vsockSocketDirectoryMustExist() throws IOException {
        Path socket = dir.resolve("nowhere/v.sock");
        assertEquals("--vsock socket=" + socket + ": directory " + dir.resolve("nowhere") + " does not exist",
                refused(VmConfig.builder(file("k")).device(new VsockSpec(3, socket))).getMessage());
    }

    @Test
    void moreDevicesThanGsisAreRefused() throws IOException {
        VmConfig.Builder b = VmConfig.builder(file("k"));
        for (int i = 0; i < 18; i++) {
            b.device(new NetSpec("tap" + i, NetSpec.defaultMac("tap" + i, i)));
        }
        assertEquals("18 virtio devices are configured; jvmm has interrupt lines for at most 17",
                refused(b).getMessage());
    }
}
