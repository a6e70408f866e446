package dev.jvmm.core.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DeviceSlotTest {
    @Test
    void firstDeviceSitsAtTheStartOfTheVirtioAreaOnGsi5() {
        DeviceSlot s = DeviceSlot.of(0);
        assertEquals(0xd000_0000L, s.mmioBase());
        assertEquals(5, s.gsi());
        assertEquals(0xd000_0050L, s.queueNotifyAddress());
    }

    @Test
    void kernelParameterIsLinuxsVirtioMmioCommandLineSyntax() {
        assertEquals("virtio_mmio.device=4K@0xd0000000:5", DeviceSlot.of(0).kernelParameter());
        assertEquals("virtio_mmio.device=4K@0xd0003000:9", DeviceSlot.of(3).kernelParameter());
        assertEquals("virtio_mmio.device=4K@0xd0010000:23", DeviceSlot.of(16).kernelParameter());
    }
}
