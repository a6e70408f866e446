package dev.jvmm.devices.virtio.mmio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.DeviceStatus;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.rng.VirtioRng;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Random register traffic from a vCPU: any offset in the window, any width, any value. No access throws (the bus
 * would take it to the vCPU thread), the identification registers never change, and a write of 0 to Status always
 * brings the device back to reset.
 */
class RegisterTrafficTest {
    private static final int[] INTERESTING = {0, 1, 2, 3, 4, 7, 8, 15, 16, 64, 128, 255, 256, 0x8000, 0x10000,
            0x7fffffff, 0x80000000, 0xffffffff, -2};

    @Property(tries = 1000)
    void randomRegisterTrafficNeverThrows(@ForAll long seed) {
        Random random = new Random(seed);
        GuestMemory memory = GuestRam.of(0x10000, 0x10000);
        VirtioMmioTransport transport = new VirtioMmioTransport(new VirtioRng(bytes -> { }), memory,
                new RecordingLine(), QueueNotifier.SYNCHRONOUS);
        int[] registers = {0x14, 0x20, 0x24, 0x30, 0x38, 0x44, 0x50, 0x64, 0x70, 0x80, 0x84, 0x90, 0x94, 0xa0,
                0xa4, 0xfc, 0x100};
        for (int i = 0; i < 200; i++) {
            long offset = random.nextInt(4) == 0 ? random.nextInt((int) VirtioMmioTransport.WINDOW_SIZE)
                    : registers[random.nextInt(registers.length)];
            int size = new int[] {1, 2, 4, 4, 4, 8}[random.nextInt(6)];
            long value = random.nextBoolean() ? Integer.toUnsignedLong(INTERESTING[random.nextInt(INTERESTING.length)])
                    : random.nextLong();
            if (offset == VirtioMmioTransport.STATUS && random.nextBoolean()) {
                value = transport.read(VirtioMmioTransport.STATUS, 4) | 1L << random.nextInt(8);
            }
            if (random.nextBoolean()) {
                transport.write(offset, size, value);
            } else {
                transport.read(offset, size);
            }
        }
        assertEquals(VirtioMmioTransport.MAGIC, transport.read(VirtioMmioTransport.MAGIC_VALUE, 4));
        assertEquals(2, transport.read(VirtioMmioTransport.VERSION, 4));
        transport.write(VirtioMmioTransport.STATUS, 4, 0);
        assertEquals(0, transport.read(VirtioMmioTransport.STATUS, 4) & ~DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(0, transport.read(VirtioMmioTransport.STATUS, 4));
        assertEquals(0, transport.read(VirtioMmioTransport.INTERRUPT_STATUS, 4));
    }
}
