package dev.jvmm.core.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.boot.CommandLine;
import dev.jvmm.core.boot.CommandLineTooLongException;
import dev.jvmm.core.devices.DeviceSlot;
import dev.jvmm.core.x86.TestMemory;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuestCommandLineTest {
    private static final List<String> TWO_DEVICES =
            List.of(DeviceSlot.of(0).kernelParameter(), DeviceSlot.of(1).kernelParameter());

    @Test
    void devicesFollowTheDefaultCommandLine() {
        assertEquals(VirtualMachine.DEFAULT_CMDLINE + " virtio_mmio.device=4K@0xd0000000:5"
                + " virtio_mmio.device=4K@0xd0001000:6", GuestCommandLine.of(Optional.empty(), TWO_DEVICES).text());
    }

    @Test
    void devicesFollowTheUsersCommandLine() {
        assertEquals("console=ttyS0 root=/dev/vda virtio_mmio.device=4K@0xd0000000:5",
                GuestCommandLine.of(Optional.of("console=ttyS0 root=/dev/vda"), TWO_DEVICES.subList(0, 1)).text());
        assertEquals("quiet", GuestCommandLine.of(Optional.of("quiet"), List.of()).text());
    }

    @Test
    void tooLongIsBadInputSayingWhatJvmmAdded() {
        CommandLine c = GuestCommandLine.of(Optional.of("a".repeat(2000)), TWO_DEVICES);
        try (TestMemory t = new TestMemory(1 << 20)) {
            CommandLineTooLongException e = assertThrows(CommandLineTooLongException.class, () -> c.write(t.memory, 2047));
            VmmException v = GuestCommandLine.tooLong(e, TWO_DEVICES);
            assertTrue(v.isBadInput());
            assertEquals("kernel command line is 2070 bytes, the kernel takes at most 2047, and jvmm adds 70 bytes of"
                    + " virtio_mmio.device= parameters for its 2 virtio devices: shorten --cmdline or configure fewer"
                    + " devices", v.getMessage());
            assertEquals("kernel command line is 2070 bytes, the kernel takes at most 2047: shorten --cmdline",
                    GuestCommandLine.tooLong(e, List.of()).getMessage());
        }
    }
}
